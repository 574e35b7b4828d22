#pragma once

#include <nlohmann/json.hpp>

#include <arrow/status.h>

namespace sluice::sql {

// Runs `bind`, which walks a libpg_query parse tree, and turns a shape it did not expect
// (nlohmann's exceptions from `at()` and typed reads) into a "not supported" error, so
// that no SQL text can end a process with an exception.
template <typename Bind>
auto GuardParseTree(Bind&& bind) -> decltype(bind()) {
  try {
    return bind();
  } catch (const nlohmann::json::exception& e) {
    return arrow::Status::NotImplemented(
        "not supported: this SQL (unexpected parse tree: ", e.what(), ")");
  }
}

}  // namespace sluice::sql
