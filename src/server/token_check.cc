#include "server/token_check.h"

namespace sluice::server {

bool ConstantTimeEquals(std::string_view given, std::string_view expected) {
  // Every byte of `given` is compared, against `expected` cycled, whatever matched.
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  if (expected.empty()) return given.empty();
  for (size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  }
  return difference == 0;
}

}  // namespace sluice::server
