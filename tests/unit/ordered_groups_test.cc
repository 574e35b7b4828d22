// OrderedGroups numbers the groups of a key arriving in ascending segments, and refuses,
// changing nothing, what is not.
#include <optional>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <gtest/gtest.h>

#include "exec/ordered_groups.h"

namespace sluice {
namespace {

using exec::OrderedGroups;

template <typename Builder, typename T>
std::shared_ptr<arrow::ArrayData> Column(std::shared_ptr<arrow::DataType> type,
                                         const std::vector<std::optional<T>>& values) {
  Builder builder(std::move(type), arrow::default_memory_pool());
  for (const auto& value : values) {
    EXPECT_TRUE((value ? builder.Append(*value) : builder.AppendNull()).ok());
  }
  return builder.Finish().ValueOrDie()->data();
}

std::shared_ptr<arrow::ArrayData> Int64s(const std::vector<std::optional<int64_t>>& v) {
  return Column<arrow::Int64Builder>(arrow::int64(), v);
}

// The groups `groups` assigns to `keys`, or nullopt if it refuses them.
std::optional<std::vector<uint32_t>> Consume(
    OrderedGroups* groups, const std::shared_ptr<arrow::ArrayData>& keys) {
  std::vector<uint32_t> out(static_cast<size_t>(keys->length), 99);
  auto in_order = groups->Consume(arrow::ArraySpan(*keys), out.data());
  EXPECT_TRUE(in_order.ok()) << in_order.status();
  if (!*in_order) return std::nullopt;
  return out;
}

std::vector<int64_t> Keys(const OrderedGroups& groups) {
  return {groups.keys(), groups.keys() + groups.num_groups()};
}

TEST(OrderedGroups, NumbersEachNewValueAcrossBatches) {
  OrderedGroups groups(arrow::default_memory_pool());
  EXPECT_EQ(Consume(&groups, Int64s({-5, -5, 3, 7, 7, 7})),
            (std::vector<uint32_t>{0, 0, 1, 2, 2, 2}));
  // The next batch continues the last group.
  EXPECT_EQ(Consume(&groups, Int64s({7, 8, 8})), (std::vector<uint32_t>{2, 3, 3}));
  EXPECT_EQ(Keys(groups), (std::vector<int64_t>{-5, 3, 7, 8}));
  EXPECT_EQ(groups.segments(), (std::vector<int64_t>{0, 4}));
}

TEST(OrderedGroups, ABatchStartingLowerStartsASegment) {
  OrderedGroups groups(arrow::default_memory_pool());
  ASSERT_TRUE(Consume(&groups, Int64s({10, 20, 30})));
  // 20 again is a new group of the new segment, not group 1.
  EXPECT_EQ(Consume(&groups, Int64s({15, 20, 20, 40})),
            (std::vector<uint32_t>{3, 4, 4, 5}));
  EXPECT_EQ(Keys(groups), (std::vector<int64_t>{10, 20, 30, 15, 20, 40}));
  EXPECT_EQ(groups.segments(), (std::vector<int64_t>{0, 3, 6}));
  ASSERT_TRUE(Consume(&groups, Int64s({40, 41})));
  EXPECT_EQ(groups.segments(), (std::vector<int64_t>{0, 3, 7}));
}

TEST(OrderedGroups, RefusesWithoutChangeWhatIsNotAscending) {
  OrderedGroups groups(arrow::default_memory_pool());
  ASSERT_TRUE(Consume(&groups, Int64s({1, 2})));
  EXPECT_FALSE(Consume(&groups, Int64s({3, 5, 4})));
  EXPECT_FALSE(Consume(&groups, Int64s({3, std::nullopt})));
  EXPECT_EQ(Keys(groups), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(groups.segments(), (std::vector<int64_t>{0, 2}));
  // An empty batch changes nothing either.
  EXPECT_EQ(Consume(&groups, Int64s({})), std::vector<uint32_t>{});
  EXPECT_EQ(groups.num_groups(), 2);
}

TEST(OrderedGroups, RefusesTooManySegments) {
  OrderedGroups groups(arrow::default_memory_pool());
  int segments = 0;
  for (int64_t batch = 100; batch > 0; --batch) {
    if (!Consume(&groups, Int64s({batch}))) break;
    ++segments;
  }
  EXPECT_GT(segments, 1);
  EXPECT_LT(segments, 100);
  EXPECT_EQ(groups.num_groups(), segments);
  EXPECT_EQ(static_cast<int>(groups.segments().size()), segments + 1);
}

TEST(OrderedGroups, NarrowerTypesGiveTheirKeysBack) {
  auto int16s = Column<arrow::Int16Builder, int16_t>(arrow::int16(), {-300, -300, 12});
  auto dates = Column<arrow::Date32Builder, int32_t>(arrow::date32(), {19000, 19001});
  for (const auto& column : {int16s, dates}) {
    OrderedGroups groups(arrow::default_memory_pool());
    ASSERT_TRUE(Consume(&groups, column));
    auto keys = groups.Keys(column->type, 0, groups.num_groups()).ValueOrDie();
    auto expected = arrow::MakeArray(column)->View(column->type).ValueOrDie();
    auto unique = arrow::compute::Unique(expected);
    ASSERT_TRUE(unique.ok());
    EXPECT_TRUE(arrow::MakeArray(keys)->Equals(**unique))
        << arrow::MakeArray(keys)->ToString();
  }
  EXPECT_TRUE(OrderedGroups::Supports(*arrow::timestamp(arrow::TimeUnit::MICRO)));
  EXPECT_FALSE(OrderedGroups::Supports(*arrow::uint64()));
  EXPECT_FALSE(OrderedGroups::Supports(*arrow::int8()));
  EXPECT_FALSE(OrderedGroups::Supports(*arrow::utf8()));
}

}  // namespace
}  // namespace sluice
