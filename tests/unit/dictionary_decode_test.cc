// DecodeDictionary: the plain array a dictionary array stands for.
#include <arrow/api.h>
#include <arrow/array/array_dict.h>
#include <gtest/gtest.h>

#include "common/dictionary_decode.h"

namespace sluice {
namespace {

std::shared_ptr<arrow::Array> Strings(const std::vector<std::string>& values) {
  arrow::StringBuilder builder;
  for (const auto& value : values) EXPECT_TRUE(builder.Append(value).ok());
  return builder.Finish().ValueOrDie();
}

std::shared_ptr<arrow::Array> Indices(const std::vector<std::optional<int32_t>>& values) {
  arrow::Int32Builder builder;
  for (const auto& value : values) {
    EXPECT_TRUE((value ? builder.Append(*value) : builder.AppendNull()).ok());
  }
  return builder.Finish().ValueOrDie();
}

std::shared_ptr<arrow::Array> Dictionary(const std::shared_ptr<arrow::Array>& indices,
                                         const std::shared_ptr<arrow::Array>& values) {
  auto type = arrow::dictionary(indices->type(), values->type());
  // Not validated, so that an index out of range can be built.
  return std::make_shared<arrow::DictionaryArray>(type, indices, values);
}

// Values of every length class: empty, short (copied as one block), exactly the block,
// and longer than it.
const std::vector<std::string> kValues = {"", "A", std::string(16, 'b'),
                                          std::string(17, 'c'), std::string(100, 'd')};

TEST(DictionaryDecode, StringsOfEveryLengthWithNulls) {
  auto array = Dictionary(Indices({4, 0, 1, std::nullopt, 2, 3, 1, std::nullopt, 4}),
                          Strings(kValues));
  auto decoded = DecodeDictionary(*array, arrow::default_memory_pool()).ValueOrDie();
  ASSERT_TRUE(decoded->ValidateFull().ok());
  arrow::StringBuilder expected;
  for (int i : {4, 0, 1, -1, 2, 3, 1, -1, 4}) {
    ASSERT_TRUE((i < 0 ? expected.AppendNull() : expected.Append(kValues[i])).ok());
  }
  EXPECT_TRUE(decoded->Equals(*expected.Finish().ValueOrDie())) << decoded->ToString();
}

TEST(DictionaryDecode, SlicedIndicesAndSlicedDictionary) {
  auto values = Strings({"unused", "x", "yy", "zzz"})->Slice(1);
  auto indices = Indices({std::nullopt, 0, 2, 1, 2})->Slice(1, 3);
  auto decoded =
      DecodeDictionary(*Dictionary(indices, values), arrow::default_memory_pool())
          .ValueOrDie();
  ASSERT_TRUE(decoded->ValidateFull().ok());
  EXPECT_TRUE(decoded->Equals(*Strings({"x", "zzz", "yy"}))) << decoded->ToString();
}

TEST(DictionaryDecode, AnIndexOutsideTheDictionaryIsAnError) {
  auto array = Dictionary(Indices({0, 5}), Strings({"a", "b"}));
  auto decoded = DecodeDictionary(*array, arrow::default_memory_pool());
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("dictionary index 5 out of range"),
            std::string::npos)
      << decoded.status().ToString();
}

TEST(DictionaryDecode, OtherValueTypesAreCast) {
  arrow::Int64Builder values;
  ASSERT_TRUE(values.AppendValues({10, 20, 30}).ok());
  auto array = Dictionary(Indices({2, std::nullopt, 0}), values.Finish().ValueOrDie());
  auto decoded = DecodeDictionary(*array, arrow::default_memory_pool()).ValueOrDie();
  arrow::Int64Builder expected;
  ASSERT_TRUE(expected.Append(30).ok());
  ASSERT_TRUE(expected.AppendNull().ok());
  ASSERT_TRUE(expected.Append(10).ok());
  EXPECT_TRUE(decoded->Equals(*expected.Finish().ValueOrDie())) << decoded->ToString();
}

}  // namespace
}  // namespace sluice
