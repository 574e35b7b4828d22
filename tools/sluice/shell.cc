#include "shell.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include <readline/history.h>
#include <readline/readline.h>

namespace sluice::cli {

namespace {

constexpr const char* kHelp =
    "Enter SQL statements ending with ';'. Ctrl-C cancels a running query.\n"
    ".help               this text\n"
    ".tables             list registered tables\n"
    ".format FORMAT      table, csv, ndjson or arrow\n"
    ".timer on|off       print each statement's run time\n"
    ".quit               leave (also Ctrl-D)\n";

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.sluice_history";
}

bool EndsStatement(const std::string& text) {
  const size_t end = text.find_last_not_of(" \t\r\n");
  return end != std::string::npos && text[end] == ';';
}

// Returns false to leave the shell.
bool RunDotCommand(const std::string& line, QueryRunner* runner) {
  std::istringstream words(line);
  std::string command, argument;
  words >> command >> argument;
  if (command == ".quit" || command == ".exit") return false;
  if (command == ".help") {
    std::fputs(kHelp, stdout);
  } else if (command == ".tables") {
    for (const auto& name : runner->session().TableNames())
      std::printf("%s\n", name.c_str());
  } else if (command == ".format") {
    auto format = output::ParseOutputFormat(argument);
    if (format.ok()) {
      runner->set_format(*format);
    } else {
      std::fprintf(stderr, "Error: %s\n", format.status().message().c_str());
    }
  } else if (command == ".timer") {
    runner->set_timer(argument == "on");
  } else {
    std::fprintf(stderr, "Error: unknown command %s (try .help)\n", command.c_str());
  }
  return true;
}

}  // namespace

int RunShell(QueryRunner* runner) {
  const std::string history = HistoryPath();
  read_history(history.c_str());
  std::printf("sluice shell: enter SQL ending with ';', .help for commands\n");
  std::string pending;
  while (true) {
    char* raw = readline(pending.empty() ? "sluice> " : "   ...> ");
    if (!raw) break;  // Ctrl-D
    std::string line(raw);
    std::free(raw);
    if (pending.empty() && line.rfind('.', 0) == 0) {
      add_history(line.c_str());
      if (!RunDotCommand(line, runner)) break;
      continue;
    }
    pending += pending.empty() ? line : "\n" + line;
    if (!EndsStatement(pending)) continue;
    add_history(pending.c_str());
    runner->RunScript(pending);
    pending.clear();
  }
  write_history(history.c_str());
  return 0;
}

}  // namespace sluice::cli
