// Flight SQL messages as clients send them: commands (google.protobuf.Any), tickets and
// action bodies, decoded by sluiced's protobuf wire codec.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/flight_sql_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto command = sluice::server::ParseCommand(bytes);
  // What decodes must encode and decode to the same command.
  if (command.ok()) {
    auto again = sluice::server::ParseCommand(sluice::server::PackCommand(*command));
    if (!again.ok() || again->index() != command->index()) __builtin_trap();
  }
  (void)sluice::server::ParseCreatePreparedStatement(bytes);
  (void)sluice::server::ParseClosePreparedStatement(bytes);
  return 0;
}
