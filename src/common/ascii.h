#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace sluice {

// `text` with ASCII letters lower-cased, as SQL folds unquoted identifiers.
inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace sluice
