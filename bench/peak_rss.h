#pragma once

#include <fstream>
#include <string>

namespace sluice::bench {

// The process's peak resident set size (VmHWM), in KiB; -1 if unknown.
inline long PeakRssKib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace sluice::bench
