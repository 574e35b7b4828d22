// sluice: run SQL on the embedded engine and stream the result to stdout.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "query_runner.h"
#include "shell.h"

int main(int argc, char** argv) {
  // A closed pipe must end the query quietly (EPIPE), never kill the process.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"sluice: stream SQL query results as Arrow record batches"};
  std::string command, file, format_name = "table", warehouse, connect = "local:";
  size_t max_buffered_batches = 0;  // 0: the session's setting
  app.add_option("-c,--command", command,
                 "Run this SQL (one or more statements) and exit");
  app.add_option("-f,--file", file, "Run the SQL script in this file and exit")
      ->check(CLI::ExistingFile);
  app.add_option("--format", format_name, "Output format: table, csv, ndjson or arrow")
      ->check(CLI::IsMember({"table", "csv", "ndjson", "json", "arrow"}));
  app.add_option("--warehouse", warehouse,
                 "Directory of durable tables (default ./warehouse)");
  app.add_option("--connect", connect, "Engine URI (default local:)");
  app.add_option("--max-buffered-batches", max_buffered_batches,
                 "Batches a result may buffer before the query pauses")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!command.empty() && !file.empty()) {
    std::fprintf(stderr, "Error: give -c or -f, not both\n");
    return 2;
  }

  std::string uri = connect;
  if (!warehouse.empty()) {
    if (uri != "local:") {
      std::fprintf(stderr, "Error: --warehouse applies to the local engine only\n");
      return 2;
    }
    uri = "local:" + warehouse;
  }
  auto session = sluice::Connect(uri);
  if (!session.ok()) {
    std::fprintf(stderr, "Error: %s\n", session.status().message().c_str());
    return 2;
  }
  auto format = sluice::output::ParseOutputFormat(format_name);
  sluice::cli::QueryRunner runner(*session, *format, max_buffered_batches);

  const int code = [&] {
    if (!command.empty()) return runner.RunScript(command) ? 0 : 1;
    if (!file.empty()) {
      std::ifstream in(file);
      std::stringstream text;
      text << in.rdbuf();
      return runner.RunScript(text.str()) ? 0 : 1;
    }
    if (isatty(STDIN_FILENO)) return sluice::cli::RunShell(&runner);
    std::stringstream text;
    text << std::cin.rdbuf();
    return runner.RunScript(text.str()) ? 0 : 1;
  }();
  // Streaming writes the script started and did not wait for end with the process
  // (a restart with the same name resumes them).
  (*session)->StopStreamingWrites();
  return code;
}
