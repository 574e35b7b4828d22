// Delta log entries as another writer (or a corrupted disk) may leave them: commit
// files' JSON lines, schema strings and invariants.
#include <cstddef>
#include <cstdint>
#include <string>

#include "delta/actions.h"
#include "delta/delta_schema.h"
#include "delta/write_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto actions = sluice::delta::ParseActions(text, "fuzz.json");
  if (actions.ok()) {
    // What parses must survive a round trip through the log format.
    auto again = sluice::delta::ParseActions(sluice::delta::SerializeActions(*actions),
                                             "again.json");
    if (!again.ok() || again->size() != actions->size()) __builtin_trap();
    for (const auto& action : *actions) {
      if (const auto* metadata = std::get_if<sluice::delta::Metadata>(&action)) {
        (void)sluice::delta::SchemaFromDelta(metadata->schema_string);
        (void)sluice::delta::InvariantsOf(*metadata);
      }
    }
  }
  (void)sluice::delta::SchemaFromDelta(text);
  (void)sluice::delta::DecodePath(text);
  return 0;
}
