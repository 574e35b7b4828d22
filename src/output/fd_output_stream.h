#pragma once

#include <string>

#include <arrow/io/interfaces.h>

namespace sluice::output {

// An Arrow output stream over a file descriptor (stdout) that tells a closed reader apart
// from a failure: when the reading end of a pipe goes away (EPIPE; SIGPIPE must be
// ignored by the process), writes return Cancelled and reader_gone() turns true, so the
// caller can stop its query and exit quietly, as `head` expects. Buffers up to 64 KiB
// between flushes.
class FdOutputStream : public arrow::io::OutputStream {
 public:
  explicit FdOutputStream(int fd);
  ~FdOutputStream() override;

  arrow::Status Write(const void* data, int64_t nbytes) override;
  using arrow::io::OutputStream::Write;
  arrow::Status Flush() override;
  arrow::Status Close() override;
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return position_; }

  bool reader_gone() const { return reader_gone_; }

 private:
  arrow::Status WriteAll(const char* data, size_t size);

  int fd_;
  std::string buffer_;
  int64_t position_ = 0;
  bool closed_ = false;
  bool reader_gone_ = false;
};

}  // namespace sluice::output
