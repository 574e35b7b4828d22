#pragma once

#include <memory>

#include <arrow/result.h>

#include "plan/frame_op.h"

namespace spark::connect {
class Relation;
}

namespace sluice::spark {

// Lowers an engine-neutral DataFrame to a Spark Connect relation: SQL text becomes a SQL
// relation (parameters as positional literals), a table a named read, and each
// transformation its relation (Project, Filter, Aggregate, Sort, Offset/Limit, Join)
// with the user's expressions sent as expression strings, parsed by Spark.
arrow::Result<::spark::connect::Relation> ToRelation(const plan::FrameOp& op);

}  // namespace sluice::spark
