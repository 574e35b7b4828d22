#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <arrow/result.h>

namespace sluice::server {

// The Protocol Buffers wire format, as much as Flight SQL's messages need: varints
// (wire type 0) and length-delimited fields (wire type 2); other wire types are skipped
// when reading.
class ProtoWriter {
 public:
  void Varint(int field, uint64_t value);
  void Bytes(int field, std::string_view value);
  // Packed repeated varints.
  template <typename It>
  void PackedVarints(int field, It begin, It end) {
    std::string packed;
    for (It it = begin; it != end; ++it)
      AppendVarint(&packed, static_cast<uint64_t>(*it));
    Bytes(field, packed);
  }

  const std::string& data() const { return data_; }

 private:
  static void AppendVarint(std::string* out, uint64_t value);
  std::string data_;
};

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view data) : data_(data) {}

  // Moves to the next field; false at the end. A malformed message is Invalid.
  arrow::Result<bool> Next();
  int field() const { return field_; }
  int wire_type() const { return wire_type_; }
  uint64_t varint() const { return varint_; }
  std::string_view bytes() const { return bytes_; }

  static arrow::Result<uint64_t> ReadVarint(std::string_view* data);

 private:
  std::string_view data_;
  int field_ = 0;
  int wire_type_ = 0;
  uint64_t varint_ = 0;
  std::string_view bytes_;
};

}  // namespace sluice::server
