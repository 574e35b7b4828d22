#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/status.h>

namespace sluice {

// A LIKE pattern without `_`: literal segments between `%` wildcards. A row matches when
// it starts with the first segment (unless the pattern starts with `%`), ends with the
// last (unless it ends with `%`), and holds the others in order between them.
struct LikeSegments {
  std::vector<std::string> segments;  // non-empty, unescaped
  bool anchored_start = true;
  bool anchored_end = true;

  bool Matches(std::string_view value) const;
};

// The segments of a LIKE pattern (a backslash escapes the next character, as where
// match_like searches with a regular expression), or nullopt when it has a `_` wildcard
// or ends in a lone backslash.
std::optional<LikeSegments> ParseLikeSegments(std::string_view pattern);

// Whether match_like would search `segments` with a regular expression: two or more
// segments, where Arrow handles one segment (prefix, suffix, substring, equality) itself.
inline bool NeedsSegmentSearch(const LikeSegments& segments) {
  return segments.segments.size() >= 2;
}

// The compute function "sluice_match_like_segments"(string) with MatchSubstringOptions
// (a case-sensitive pattern ParseLikeSegments accepts): LIKE by a memory search per
// segment, where match_like runs RE2 (a fifth of TPC-H Q13). Registers it in Arrow's
// default function registry once; later calls do nothing.
arrow::Status RegisterLikeSegments();

inline constexpr const char* kMatchLikeSegments = "sluice_match_like_segments";

}  // namespace sluice
