// SQL text through the scanner, the dialect, the parser, the binder and the optimizer,
// and as DataFrame arguments. Nothing is executed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sluice/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto session = [] {
    auto connected = sluice::Connect("local:");
    if (!connected.ok()) __builtin_trap();
    auto table = (*connected)->Sql("SELECT id, 'x' || id AS s FROM range(3)");
    (void)(*connected)->RegisterTable("t", table->Collect().ValueOrDie());
    return *connected;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)sluice::SplitStatements(text);
  (void)sluice::Session::IsQuery(text);
  auto frame = session->Sql(text);
  if (frame.ok()) (void)frame->Explain();
  auto base = session->Table("t");
  if (base.ok()) {
    (void)base->Filter(text).Explain();
    (void)base->Select({text, "id"}).Explain();
    (void)base->Sort({text}).Explain();
    (void)base->Aggregate({"s"}, {text}).Explain();
    (void)base->Join(*base, text).Explain();
  }
  return 0;
}
