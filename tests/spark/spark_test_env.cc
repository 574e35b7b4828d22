#include "spark_test_env.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sluice::testing {

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

const SparkServer& SparkServer::Get() {
  static const SparkServer server = [] {
    const char* dir = std::getenv("SLUICE_SPARK_DIR");
    const char* kind = std::getenv("SLUICE_SPARK_KIND");
    if (!dir || !kind) throw std::runtime_error("SLUICE_SPARK_DIR/KIND are not set");
    SparkServer out;
    out.dir = dir;
    out.kind = kind;
    out.port = std::stoi(ReadFile(out.dir + "/port"));
    out.pid = std::stoi(ReadFile(out.dir + "/pid"));
    return out;
  }();
  return server;
}

double SparkServer::CpuSeconds() const {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long long ticks = 0;
  // After the command: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt,
  // majflt, cmajflt, utime, stime.
  for (int i = 0; i < 13 && fields >> field; ++i) {
    if (i == 11 || i == 12) ticks += std::stoll(field);
  }
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SparkServer::CpuOver(double seconds) const {
  const double before = CpuSeconds();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return CpuSeconds() - before;
}

int64_t ResidentBytes() {
  std::istringstream statm(ReadFile("/proc/self/statm"));
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

}  // namespace sluice::testing
