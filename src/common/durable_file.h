#pragma once

#include <functional>
#include <string>

#include <arrow/status.h>

namespace sluice {

// Forces a file's contents (or a directory's entries) to stable storage; IOError naming
// the path if that fails.
arrow::Status SyncFile(const std::string& path);
arrow::Status SyncDirectory(const std::string& path);

// Creates or replaces `target` so that readers see the old file or the whole new one,
// and a crash leaves one of them: `write` fills a private file beside it, which is
// synced, renamed over `target`, and the directory synced. On error the private file is
// removed and `target` is untouched.
arrow::Status WriteFileAtomically(
    const std::string& target,
    const std::function<arrow::Status(const std::string&)>& write);

// A name beside `target` no other process or call uses: ".<name>.<pid>.<random>.tmp".
std::string PrivateTempName(const std::string& target);

}  // namespace sluice
