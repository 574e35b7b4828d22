#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sluice/data_frame.h"
#include "sql/parser.h"

namespace sluice {

// A SelectStmt parse tree assembled from fragments a DataFrame call parsed on their own
// (sql::FragmentParser), over named input frames. `text` is what its positions index,
// for error messages.
struct DerivedQuery {
  sql::Json select;
  std::string text;
  std::vector<std::pair<std::string, DataFrame>> inputs;
};

}  // namespace sluice
