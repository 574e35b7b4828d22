#include "delta/table_state.h"

#include <sstream>

#include "delta/delta_schema.h"
#include "delta/delta_table.h"

namespace sluice::delta {

namespace {

arrow::Status CheckProtocol(const Protocol& protocol, const std::string& root) {
  if (protocol.min_reader_version > DeltaTable::kReaderVersion) {
    return arrow::Status::NotImplemented(
        "Delta table ", root, " ",
        DescribeProtocolNeed("reader", protocol.min_reader_version,
                             protocol.reader_features),
        "; Sluice reads version ", DeltaTable::kReaderVersion, " tables");
  }
  return arrow::Status::OK();
}

}  // namespace

arrow::Status TableState::Apply(int64_t next_version, int64_t commit_time,
                                std::vector<Action> actions, const std::string& root) {
  for (auto& action : actions) {
    if (auto* add = std::get_if<AddFile>(&action)) {
      tombstones.erase(add->path);
      std::string path = add->path;
      files[std::move(path)] = std::move(*add);
    } else if (auto* remove = std::get_if<RemoveFile>(&action)) {
      files.erase(remove->path);
      std::string path = remove->path;
      tombstones[std::move(path)] = std::move(*remove);
    } else if (auto* txn = std::get_if<Txn>(&action)) {
      txns[txn->app_id] = *txn;
    } else if (auto* p = std::get_if<Protocol>(&action)) {
      ARROW_RETURN_NOT_OK(CheckProtocol(*p, root));
      protocol = *p;
    } else if (auto* m = std::get_if<Metadata>(&action)) {
      ARROW_ASSIGN_OR_RAISE(schema, SchemaFromDelta(m->schema_string));
      metadata = std::move(*m);
    }
  }
  version = next_version;
  timestamp_ms = commit_time;
  return arrow::Status::OK();
}

std::vector<Action> TableState::ToActions(int64_t tombstones_after_ms) const {
  std::vector<Action> actions;
  actions.reserve(2 + txns.size() + files.size() + tombstones.size());
  actions.emplace_back(protocol);
  actions.emplace_back(metadata);
  for (const auto& [app, txn] : txns) actions.emplace_back(txn);
  for (const auto& [path, add] : files) actions.emplace_back(add);
  for (const auto& [path, remove] : tombstones) {
    if (remove.deletion_timestamp > tombstones_after_ms) actions.emplace_back(remove);
  }
  return actions;
}

double ConfiguredHours(const std::map<std::string, std::string>& configuration,
                       const std::string& key, double fallback) {
  auto it = configuration.find(key);
  if (it == configuration.end()) return fallback;
  std::istringstream in(it->second);
  std::string word;
  in >> word;
  if (word == "interval" || word == "INTERVAL") in >> word;
  double amount = 0;
  try {
    amount = std::stod(word);
  } catch (const std::exception&) {
    return fallback;
  }
  std::string unit;
  in >> unit;
  if (!unit.empty() && unit.back() == 's') unit.pop_back();
  if (unit == "week") return amount * 168;
  if (unit == "day") return amount * 24;
  if (unit == "hour") return amount;
  if (unit == "minute") return amount / 60;
  if (unit == "second") return amount / 3600;
  return fallback;
}

}  // namespace sluice::delta
