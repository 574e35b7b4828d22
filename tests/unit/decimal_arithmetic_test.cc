// sluice_decimal_add, _subtract and _multiply: exact 128-bit DECIMAL arithmetic, checked.
#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>

#include "common/decimal_arithmetic.h"

namespace sluice {
namespace {

namespace cp = arrow::compute;

// A DECIMAL128(precision, scale) array of unscaled values; nullopt is NULL.
std::shared_ptr<arrow::Array> Decimals(
    int32_t precision, int32_t scale, const std::vector<std::optional<int64_t>>& values) {
  arrow::Decimal128Builder builder(arrow::decimal128(precision, scale));
  for (const auto& value : values) {
    EXPECT_TRUE(
        (value ? builder.Append(arrow::Decimal128(*value)) : builder.AppendNull()).ok());
  }
  return builder.Finish().ValueOrDie();
}

arrow::Result<arrow::Datum> Call(const char* function, const arrow::Datum& a,
                                 const arrow::Datum& b, int32_t precision,
                                 int32_t scale) {
  ARROW_RETURN_NOT_OK(RegisterDecimalArithmetic());
  DecimalArithmeticOptions options(precision, scale);
  return cp::CallFunction(function, {a, b}, &options);
}

void ExpectEqual(const arrow::Result<arrow::Datum>& result,
                 const std::shared_ptr<arrow::Array>& expected) {
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  auto array = result->make_array();
  ASSERT_TRUE(array->ValidateFull().ok());
  EXPECT_TRUE(array->Equals(*expected)) << array->ToString();
}

TEST(DecimalArithmetic, AddScalesBothSidesUpToTheResult) {
  // 1.5 + 0.25, -2.0 + 0.01, NULL + 1.00 as DECIMAL(5, 2)
  auto a = Decimals(3, 1, {15, -20, std::nullopt});
  auto b = Decimals(4, 2, {25, 1, 100});
  ExpectEqual(Call(kDecimalAdd, a, b, 5, 2), Decimals(5, 2, {175, -199, std::nullopt}));
  ExpectEqual(Call(kDecimalSubtract, a, b, 5, 2),
              Decimals(5, 2, {125, -201, std::nullopt}));
}

TEST(DecimalArithmetic, ConstantsOnEitherSide) {
  // 1 - x and x - 1 for x = 0.05, 0.10 (TPC-H's 1 - l_discount)
  auto x = Decimals(15, 2, {5, 10});
  const auto one = std::make_shared<arrow::Decimal128Scalar>(arrow::Decimal128(1),
                                                             arrow::decimal128(1, 0));
  ExpectEqual(Call(kDecimalSubtract, one, x, 16, 2), Decimals(16, 2, {95, 90}));
  ExpectEqual(Call(kDecimalSubtract, x, one, 16, 2), Decimals(16, 2, {-95, -90}));
  ExpectEqual(Call(kDecimalMultiply, one, x, 17, 2), Decimals(17, 2, {5, 10}));
}

TEST(DecimalArithmetic, MultiplyIsExactOrRoundedHalfAwayFromZero) {
  auto a = Decimals(10, 2, {150, -150, 333, std::nullopt});  // 1.50 -1.50 3.33 NULL
  auto b = Decimals(10, 1, {25, 25, 1, 7});                  // 2.5  2.5  0.1  0.7
  ExpectEqual(Call(kDecimalMultiply, a, b, 21, 3),
              Decimals(21, 3, {3750, -3750, 333, std::nullopt}));
  // 3.750 -> 3.75, -3.750 -> -3.75, 0.333 -> 0.33 at scale 2
  ExpectEqual(Call(kDecimalMultiply, a, b, 21, 2),
              Decimals(21, 2, {375, -375, 33, std::nullopt}));
  // 0.333 -> 0.3; 3.750 -> 3.8 and -3.8 at scale 1
  ExpectEqual(Call(kDecimalMultiply, a, b, 21, 1),
              Decimals(21, 1, {38, -38, 3, std::nullopt}));
}

TEST(DecimalArithmetic, AResultBeyondThePrecisionIsAnError) {
  auto a = Decimals(5, 0, {99999, 1});
  auto b = Decimals(5, 0, {1, 1});
  auto sum = Call(kDecimalAdd, a, b, 5, 0);
  ASSERT_FALSE(sum.ok());
  EXPECT_NE(sum.status().message().find("DECIMAL sum does not fit in precision 5"),
            std::string::npos)
      << sum.status().ToString();
  auto difference = Call(kDecimalSubtract, Decimals(5, 0, {-99999, 1}), b, 5, 0);
  ASSERT_FALSE(difference.ok());
  EXPECT_NE(difference.status().message().find("DECIMAL difference does not fit"),
            std::string::npos);
  auto product = Call(kDecimalMultiply, a, Decimals(5, 0, {10, 1}), 5, 0);
  ASSERT_FALSE(product.ok());
  EXPECT_NE(product.status().message().find("DECIMAL product does not fit"),
            std::string::npos);
}

TEST(DecimalArithmetic, OverflowBeyond128BitsIsAnErrorNotAWrap) {
  // 10^37 * 10^2 needs 40 digits; 2^126 + 2^126 overflows 128 bits.
  const auto big = arrow::Decimal128(1) << 126;
  arrow::Decimal128Builder builder(arrow::decimal128(38, 0));
  ASSERT_TRUE(builder.Append(big).ok());
  auto huge = builder.Finish().ValueOrDie();
  EXPECT_FALSE(Call(kDecimalAdd, huge, huge, 38, 0).ok());
  EXPECT_FALSE(Call(kDecimalMultiply, huge, Decimals(3, 0, {100}), 38, 0).ok());
}

TEST(DecimalArithmetic, ValuesBeyond64BitsAnywhereInTheBatchStayExact) {
  // Rows whose values fit 64 bits take a shorter path; one wider value (row 2, or a
  // scale factor above 10^18) must send the whole batch through the 128-bit one.
  const arrow::Decimal128 wide = arrow::Decimal128(1) << 70;  // 1180591620717411303424
  arrow::Decimal128Builder builder(arrow::decimal128(30, 0));
  for (const auto& value : {arrow::Decimal128(-3), arrow::Decimal128(7), wide}) {
    ASSERT_TRUE(builder.Append(value).ok());
  }
  auto a = builder.Finish().ValueOrDie();
  auto three = Decimals(1, 0, {3, 3, 3});
  auto product = Call(kDecimalMultiply, a, three, 32, 0);
  ASSERT_TRUE(product.ok()) << product.status().ToString();
  auto values = std::static_pointer_cast<arrow::Decimal128Array>(product->make_array());
  EXPECT_EQ(arrow::Decimal128(values->Value(0)), arrow::Decimal128(-9));
  EXPECT_EQ(arrow::Decimal128(values->Value(1)), arrow::Decimal128(21));
  EXPECT_EQ(arrow::Decimal128(values->Value(2)), wide * arrow::Decimal128(3));
  auto difference = Call(kDecimalSubtract, three, a, 31, 0);
  ASSERT_TRUE(difference.ok());
  values = std::static_pointer_cast<arrow::Decimal128Array>(difference->make_array());
  EXPECT_EQ(arrow::Decimal128(values->Value(2)), arrow::Decimal128(3) - wide);
  // 0.7 + 1 at scale 20: factors 10^19 and 10^20, beyond 64 bits.
  auto scaled = Call(kDecimalAdd, Decimals(20, 1, {7}), Decimals(2, 0, {1}), 22, 20);
  auto expected = arrow::Decimal128::FromString("1.70000000000000000000").ValueOrDie();
  arrow::Decimal128Builder sum_builder(arrow::decimal128(22, 20));
  ASSERT_TRUE(sum_builder.Append(expected).ok());
  ExpectEqual(scaled, sum_builder.Finish().ValueOrDie());
}

TEST(DecimalArithmetic, SixtyFourBitProductsBeyondThePrecisionAreErrors) {
  // 10^17 * 10^17 fits 128 bits easily but not DECIMAL(30, 0).
  auto a = Decimals(18, 0, {1, 100000000000000000});
  auto product = Call(kDecimalMultiply, a, a, 30, 0);
  ASSERT_FALSE(product.ok());
  EXPECT_NE(
      product.status().message().find("DECIMAL product does not fit in precision 30"),
      std::string::npos)
      << product.status().ToString();
}

TEST(DecimalArithmetic, ANullRowsValueIsNeverChecked) {
  // Row 1 is NULL on one side; what its slot holds must not raise an error.
  auto a = Decimals(5, 0, {1, 99999});
  auto b = Decimals(5, 0, {2, std::nullopt});
  auto slots = b->data()->Copy();
  auto values = arrow::AllocateBuffer(32).ValueOrDie();
  arrow::Decimal128 garbage(99999);
  std::memcpy(values->mutable_data(), arrow::Decimal128(2).native_endian_bytes(), 16);
  std::memcpy(values->mutable_data() + 16, garbage.native_endian_bytes(), 16);
  slots->buffers[1] = std::move(values);
  ExpectEqual(Call(kDecimalAdd, a, arrow::MakeArray(slots), 5, 0),
              Decimals(5, 0, {3, std::nullopt}));
}

TEST(DecimalArithmetic, ScaleOutsideTheExactRangeIsRefused) {
  auto a = Decimals(5, 2, {1});
  EXPECT_FALSE(Call(kDecimalAdd, a, a, 6, 1).ok());        // below an input's scale
  EXPECT_FALSE(Call(kDecimalMultiply, a, a, 11, 5).ok());  // above the product's
}

}  // namespace
}  // namespace sluice
