#pragma once

#include <memory>
#include <string>

#include <arrow/util/cancel.h>

#include "output/batch_writer.h"
#include "output/fd_output_stream.h"
#include "sluice/session.h"

namespace sluice::cli {

// Runs statements for the CLI: streams each result to stdout in the chosen format, shows
// progress on a terminal, and turns a closed stdout into a quiet stop.
class QueryRunner {
 public:
  QueryRunner(std::shared_ptr<Session> session, output::OutputFormat format,
              size_t max_buffered_batches);

  // Runs every statement of `script` in order, stopping at the first error. Prints errors
  // on stderr. Returns false on an error; a reader that closed stdout is not an error.
  bool RunScript(const std::string& script);

  void set_format(output::OutputFormat format) { format_ = format; }
  void set_timer(bool on) { timer_ = on; }
  bool output_closed() const { return stdout_->reader_gone(); }
  Session& session() { return *session_; }

 private:
  bool RunStatement(const std::string& sql);

  std::shared_ptr<Session> session_;
  output::OutputFormat format_;
  size_t max_buffered_batches_;
  bool timer_ = false;
  std::shared_ptr<output::FdOutputStream> stdout_;
};

}  // namespace sluice::cli
