#include "output/fd_output_stream.h"

#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace sluice::output {

namespace {
constexpr size_t kBufferBytes = 64 * 1024;
}

FdOutputStream::FdOutputStream(int fd) : fd_(fd) {}

FdOutputStream::~FdOutputStream() { (void)Flush(); }

arrow::Status FdOutputStream::WriteAll(const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) {
        reader_gone_ = true;
        return arrow::Status::Cancelled("output closed by its reader");
      }
      return arrow::Status::IOError("write to output failed: ", std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return arrow::Status::OK();
}

arrow::Status FdOutputStream::Write(const void* data, int64_t nbytes) {
  if (reader_gone_) return arrow::Status::Cancelled("output closed by its reader");
  position_ += nbytes;
  buffer_.append(static_cast<const char*>(data), static_cast<size_t>(nbytes));
  if (buffer_.size() >= kBufferBytes) return Flush();
  return arrow::Status::OK();
}

arrow::Status FdOutputStream::Flush() {
  if (buffer_.empty() || reader_gone_) return arrow::Status::OK();
  std::string pending;
  pending.swap(buffer_);
  return WriteAll(pending.data(), pending.size());
}

arrow::Status FdOutputStream::Close() {
  if (closed_) return arrow::Status::OK();
  closed_ = true;
  return Flush();
}

}  // namespace sluice::output
