#pragma once

#include <map>
#include <string>

#include <arrow/status.h>

#include "sql/dialect.h"

namespace sluice::sql {

// Gives every subquery or VALUES list in FROM that has no alias one, as PostgreSQL 16,
// DuckDB and Spark accept them unnamed: `FROM (SELECT ...)` reads as
// `FROM (SELECT ...) AS unnamed_subquery` (DuckDB's name). The second is
// `unnamed_subquery2`, and so on.
//
// PostgreSQL 15's grammar rejects such a subquery with a position. The alias goes after
// the parenthesis that closes it, found on the scanner's tokens, and the text is parsed
// again, until no subquery lacks one (at most 100 are named). Text that fails to scan or
// parse for any other reason is left for the parser to report. `versions` (keyed by
// positions in `sql`) move with the text. Returns true if `sql` changed.
arrow::Result<bool> NameUnaliasedSubqueries(std::string* sql,
                                            std::map<int, TableVersionSpec>* versions);

}  // namespace sluice::sql
