#include <arrow/status.h>

#include "sluice/typed.h"

namespace sluice {

namespace {

// Marks the status First returns for an empty result.
class NoRowsDetail : public arrow::StatusDetail {
 public:
  const char* type_id() const override { return "sluice::NoRows"; }
  std::string ToString() const override { return "no rows"; }
};

const std::shared_ptr<arrow::StatusDetail>& NoRows() {
  static const std::shared_ptr<arrow::StatusDetail> detail =
      std::make_shared<NoRowsDetail>();
  return detail;
}

}  // namespace

arrow::Status NoRowsError() {
  return arrow::Status(arrow::StatusCode::KeyError, "the query returned no rows",
                       NoRows());
}

bool IsNoRows(const arrow::Status& status) {
  return status.detail() != nullptr &&
         std::string_view(status.detail()->type_id()) == NoRows()->type_id();
}

}  // namespace sluice
