// CodedGroups: groups of one or two small codes, found in a table indexed by the codes.
#include <arrow/api.h>
#include <gtest/gtest.h>

#include "exec/coded_groups.h"

namespace sluice::exec {
namespace {

// Codes as a UINT32 array, NULL where -1.
std::shared_ptr<arrow::Array> Codes(const std::vector<int64_t>& values) {
  arrow::UInt32Builder builder;
  for (int64_t v : values) {
    EXPECT_TRUE(
        (v < 0 ? builder.AppendNull() : builder.Append(static_cast<uint32_t>(v))).ok());
  }
  return builder.Finish().ValueOrDie();
}

std::vector<uint32_t> Consume(CodedGroups* groups,
                              const std::vector<std::shared_ptr<arrow::Array>>& keys,
                              bool* numbered) {
  std::vector<arrow::ArraySpan> spans;
  for (const auto& key : keys) spans.emplace_back(*key->data());
  std::vector<uint32_t> out(static_cast<size_t>(keys[0]->length()), 99);
  *numbered = groups->Consume(spans, keys[0]->length(), out.data());
  return out;
}

TEST(CodedGroups, NumbersCombinationsInOrderOfAppearanceWithNullAsAValue) {
  CodedGroups groups(2);
  bool numbered = false;
  EXPECT_EQ(
      Consume(&groups, {Codes({0, 1, 0, -1, 0}), Codes({2, 2, 2, 0, -1})}, &numbered),
      (std::vector<uint32_t>{0, 1, 0, 2, 3}));
  EXPECT_TRUE(numbered);
  EXPECT_EQ(Consume(&groups, {Codes({-1, 254, 1}), Codes({-1, 254, 2})}, &numbered),
            (std::vector<uint32_t>{4, 5, 1}));
  EXPECT_TRUE(numbered);
  EXPECT_EQ(groups.num_groups(), 6);
  auto keys = groups.Keys(arrow::default_memory_pool()).ValueOrDie();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_TRUE(keys[0].make_array()->Equals(*Codes({0, 1, -1, 0, -1, 254})))
      << keys[0].make_array()->ToString();
  EXPECT_TRUE(keys[1].make_array()->Equals(*Codes({2, 2, 0, -1, -1, 254})))
      << keys[1].make_array()->ToString();
}

TEST(CodedGroups, ACodeOf255OrMoreChangesNothing) {
  CodedGroups groups(1);
  bool numbered = false;
  Consume(&groups, {Codes({3, 4})}, &numbered);
  ASSERT_TRUE(numbered);
  // Row 1 would be a new group; row 2's code is too large: neither is taken.
  Consume(&groups, {Codes({3, 7, 255})}, &numbered);
  EXPECT_FALSE(numbered);
  Consume(&groups, {Codes({1000, -1})}, &numbered);
  EXPECT_FALSE(numbered);
  EXPECT_EQ(groups.num_groups(), 2);
  EXPECT_EQ(Consume(&groups, {Codes({7, 4})}, &numbered), (std::vector<uint32_t>{2, 1}));
  EXPECT_TRUE(numbered);
  // A large code under a NULL counts for nothing.
  arrow::UInt32Builder builder;
  ASSERT_TRUE(builder.Append(3).ok());
  ASSERT_TRUE(builder.Append(100000).ok());
  auto data = builder.Finish().ValueOrDie()->data()->Copy();
  auto validity = arrow::AllocateEmptyBitmap(2).ValueOrDie();
  arrow::bit_util::SetBit(validity->mutable_data(), 0);
  data->buffers[0] = std::move(validity);
  data->null_count = 1;
  EXPECT_EQ(Consume(&groups, {arrow::MakeArray(data)}, &numbered),
            (std::vector<uint32_t>{0, 3}));
  EXPECT_TRUE(numbered);
}

TEST(CodedGroups, SupportsOneOrTwoKeys) {
  EXPECT_FALSE(CodedGroups::Supports(0));
  EXPECT_TRUE(CodedGroups::Supports(1));
  EXPECT_TRUE(CodedGroups::Supports(2));
  EXPECT_FALSE(CodedGroups::Supports(3));
}

}  // namespace
}  // namespace sluice::exec
