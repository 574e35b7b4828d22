#pragma once

#include <memory>
#include <string>

#include "catalog/table_source.h"
#include "plan/logical_plan.h"

namespace sluice::plan {

// A common table expression computed once per query and read by each of its references
// (PostgreSQL's MATERIALIZED CTE; a CTE referenced more than once is one by default).
// References are Scan nodes of this source; the engine recognizes it, runs `plan` when
// the first reference is read, keeps the rows until the query ends, and serves every
// reference from them. Filters above a reference are not pushed into `plan`.
//
// Its columns are named col0, col1, ... (the query's own names may repeat); `Scan`
// gives them the CTE's names.
class CommonTable : public catalog::TableSource {
 public:
  CommonTable(std::string name, NodePtr plan);

  // A Scan of every column, under the CTE's column names.
  static NodePtr Reference(const std::shared_ptr<const CommonTable>& table);

  const NodePtr& plan() const { return plan_; }
  // `plan` optimized: what the engine runs and EXPLAIN shows.
  arrow::Result<NodePtr> OptimizedPlan() const;

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  std::string Describe() const override;
  std::optional<int64_t> EstimatedRows() const override;
  // Only the engine reads it (see above); a direct scan is refused.
  arrow::Result<catalog::ScanStream> MakeScan(
      const catalog::ScanRequest& request) const override;

 private:
  std::string name_;
  NodePtr plan_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace sluice::plan
