#pragma once

#include <string>

#include <arrow/acero/options.h>
#include <arrow/status.h>
#include <arrow/type_fwd.h>

namespace sluice::exec {

// Options of the Acero node "sluice_integer_join": the inner join of its first input
// (probe side) with its second (build side) on probe_key = build_key, one integer column
// each of the same type (IntegerKeyTable::Supports). The output is every probe column,
// then every build column. With keep_unmatched_build, every build row that matched no
// probe row follows too, its probe columns NULL: the RIGHT OUTER join (Acero's
// RIGHT_OUTER, whose hash table is its right input, too).
class IntegerJoinOptions : public arrow::acero::ExecNodeOptions {
 public:
  IntegerJoinOptions(std::string probe_key, std::string build_key,
                     bool keep_unmatched_build = false)
      : probe_key(std::move(probe_key)),
        build_key(std::move(build_key)),
        keep_unmatched_build(keep_unmatched_build) {}

  std::string probe_key;
  std::string build_key;
  bool keep_unmatched_build;
};

// Whether "sluice_integer_join" joins `probe` and `build` on these keys.
bool IntegerJoinSupports(const arrow::Schema& probe, const std::string& probe_key,
                         const arrow::Schema& build, const std::string& build_key);

// Registers "sluice_integer_join". It reads its build side whole, indexes the rows by
// key (exec/integer_key_table.h: an array indexed by the key where the keys are dense, as
// a primary key is), then joins each probe batch as it arrives: matching rows found per
// row, both sides' columns gathered by Arrow's take (the probe side's kept as they are
// when every row matched once, in order). Probe batches that arrive before the build
// side is indexed wait for it. Build rows that matched are marked, and once every probe
// batch is joined, the unmatched ones are emitted if the options keep them. Acero's hash
// join encodes the build side's rows and keys
// into a row format and a SwissTable, and pushes Bloom filters to the probe side: for
// orders (1.5M rows) joined to lineitem that is most of TPC-H Q9's time.
// Registers once; later calls do nothing.
arrow::Status RegisterIntegerJoinNode();

inline constexpr const char* kIntegerJoinNode = "sluice_integer_join";

}  // namespace sluice::exec
