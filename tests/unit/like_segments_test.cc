// LIKE by segment search (common/like_segments), checked against Arrow's match_like.
#include <random>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/compute/initialize.h>
#include <gtest/gtest.h>

#include "common/like_segments.h"

namespace sluice {
namespace {

namespace cp = arrow::compute;

TEST(LikeSegments, ParsesSegmentsAnchorsAndEscapes) {
  auto parsed = ParseLikeSegments("%special%requests%");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->segments, (std::vector<std::string>{"special", "requests"}));
  EXPECT_FALSE(parsed->anchored_start);
  EXPECT_FALSE(parsed->anchored_end);
  parsed = ParseLikeSegments("a\\%b%%c\\\\");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->segments, (std::vector<std::string>{"a%b", "c\\"}));
  EXPECT_TRUE(parsed->anchored_start);
  EXPECT_TRUE(parsed->anchored_end);
  parsed = ParseLikeSegments("50\\%");  // an escaped % does not end in a wildcard
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->anchored_end);
  EXPECT_TRUE(NeedsSegmentSearch(*ParseLikeSegments("a%b")));
  EXPECT_FALSE(NeedsSegmentSearch(*ParseLikeSegments("%ab%")));
  // match_like reads a backslash in "%\b" literally, in "\b%x" as an escape: escaped
  // patterns are all searched here, a backslash escaping whatever follows.
  EXPECT_TRUE(NeedsSegmentSearch(*ParseLikeSegments("%\\b")));
  EXPECT_TRUE(ParseLikeSegments("\\b%")->Matches("bc"));
  EXPECT_FALSE(ParseLikeSegments("\\b%")->Matches("\\bc"));
  EXPECT_TRUE(ParseLikeSegments("%\\\\b")->Matches("a\\b"));
  EXPECT_FALSE(ParseLikeSegments("%\\\\b")->Matches("ab"));
  EXPECT_FALSE(ParseLikeSegments("a_b"));
  EXPECT_TRUE(ParseLikeSegments("a\\_b"));
  EXPECT_FALSE(ParseLikeSegments("ab\\"));
}

TEST(LikeSegments, PrefixAndSuffixDoNotOverlap) {
  const auto pattern = *ParseLikeSegments("ab%ba");
  EXPECT_FALSE(pattern.Matches("aba"));
  EXPECT_TRUE(pattern.Matches("abba"));
  EXPECT_TRUE(pattern.Matches("ab-ba"));
  EXPECT_FALSE(ParseLikeSegments("abc")->Matches("abcd"));
  EXPECT_TRUE(ParseLikeSegments("")->Matches(""));
  EXPECT_FALSE(ParseLikeSegments("")->Matches("x"));
  EXPECT_TRUE(ParseLikeSegments("%%")->Matches(""));
}

// Random strings over a small alphabet against random patterns of two or more segments
// (those match_like searches with RE2, where it reads escapes as here): every answer as
// match_like gives it, NULLs included, on a sliced array.
TEST(LikeSegments, AnswersAsMatchLikeDoes) {
  ASSERT_TRUE(cp::Initialize().ok());  // Arrow's string functions
  ASSERT_TRUE(RegisterLikeSegments().ok());
  std::mt19937 random(7);
  const std::string alphabet = "ab%\\";
  auto text = [&](int max) {
    std::string out;
    for (int n = static_cast<int>(random() % (max + 1)); n > 0; --n)
      out.push_back(alphabet[random() % alphabet.size()]);
    return out;
  };
  arrow::StringBuilder builder;
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE((i % 97 == 0 ? builder.AppendNull() : builder.Append(text(8))).ok());
  }
  const auto strings = builder.Finish().ValueOrDie()->Slice(3);
  int searched = 0;
  for (int p = 0; p < 2000; ++p) {
    const std::string pattern = text(6);
    const auto segments = ParseLikeSegments(pattern);
    if (!segments || segments->segments.size() < 2) continue;
    ++searched;
    cp::MatchSubstringOptions options(pattern);
    auto ours = cp::CallFunction(kMatchLikeSegments, {strings}, &options);
    auto arrows = cp::CallFunction("match_like", {strings}, &options);
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    ASSERT_TRUE(arrows.ok()) << pattern << ": " << arrows.status().ToString();
    EXPECT_TRUE(ours->make_array()->Equals(*arrows->make_array()))
        << "pattern " << pattern;
  }
  EXPECT_GT(searched, 200);
}

TEST(LikeSegments, RefusesWhatItCannotSearch) {
  ASSERT_TRUE(RegisterLikeSegments().ok());
  arrow::StringBuilder builder;
  ASSERT_TRUE(builder.Append("a").ok());
  const arrow::Datum strings(builder.Finish().ValueOrDie());
  cp::MatchSubstringOptions underscore("a_%b");
  EXPECT_FALSE(cp::CallFunction(kMatchLikeSegments, {strings}, &underscore).ok());
  cp::MatchSubstringOptions ignore_case("a%b", /*ignore_case=*/true);
  EXPECT_FALSE(cp::CallFunction(kMatchLikeSegments, {strings}, &ignore_case).ok());
}

}  // namespace
}  // namespace sluice
