#pragma once

#include <string_view>

#include <arrow/status.h>

#include "sql/parser.h"

namespace sluice::sql {

// Refuses, before binding, every parse-tree field the binder does not implement, so
// that an unsupported clause (`ORDER BY x USING >`, `FETCH ... WITH TIES`, `FROM ONLY t`,
// `FOR UPDATE`, a CTE column list, ...) is "not supported: ..." with its position and
// never silently ignored. Node kinds the binder does not know at all are left to it: it
// refuses them where it meets them.
arrow::Status CheckSupportedFields(const Json& statement, std::string_view sql);

}  // namespace sluice::sql
