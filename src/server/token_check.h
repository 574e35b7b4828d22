#pragma once

#include <string_view>

namespace sluice::server {

// Whether `given` equals `expected`, in time that depends only on their lengths, so that
// timing a wrong guess tells nothing of how much of it was right.
bool ConstantTimeEquals(std::string_view given, std::string_view expected);

}  // namespace sluice::server
