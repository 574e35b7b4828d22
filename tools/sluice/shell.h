#pragma once

#include "query_runner.h"

namespace sluice::cli {

// The interactive shell: reads statements with line editing and history until a line ends
// with ';', runs them, and keeps going after errors. Dot commands: .help, .tables,
// .format NAME, .timer on|off, .quit. Returns the process exit code.
int RunShell(QueryRunner* runner);

}  // namespace sluice::cli
