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
  bool escapes = false;  // the pattern had a backslash

  bool Matches(std::string_view value) const;
};

// The segments of a LIKE pattern (a backslash escapes the next character, as where
// match_like searches with a regular expression), or nullopt when it has a `_` wildcard
// or ends in a lone backslash.
std::optional<LikeSegments> ParseLikeSegments(std::string_view pattern);

// Whether the binder searches `segments` itself rather than calling match_like: for two
// or more segments (match_like would run RE2) and for escapes (match_like reads a
// backslash in a plain prefix, suffix or substring pattern literally, elsewhere as an
// escape; here it always escapes).
inline bool NeedsSegmentSearch(const LikeSegments& segments) {
  return segments.segments.size() >= 2 || segments.escapes;
}

// The compute function "sluice_match_like_segments"(string) with MatchSubstringOptions
// (a case-sensitive pattern ParseLikeSegments accepts): LIKE by a memory search per
// segment, where match_like runs RE2 (a fifth of TPC-H Q13). Registers it in Arrow's
// default function registry once; later calls do nothing.
arrow::Status RegisterLikeSegments();

inline constexpr const char* kMatchLikeSegments = "sluice_match_like_segments";

}  // namespace sluice
