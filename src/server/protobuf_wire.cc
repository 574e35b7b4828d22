#include "server/protobuf_wire.h"

namespace sluice::server {

void ProtoWriter::AppendVarint(std::string* out, uint64_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void ProtoWriter::Varint(int field, uint64_t value) {
  AppendVarint(&data_, static_cast<uint64_t>(field) << 3);
  AppendVarint(&data_, value);
}

void ProtoWriter::Bytes(int field, std::string_view value) {
  AppendVarint(&data_, (static_cast<uint64_t>(field) << 3) | 2);
  AppendVarint(&data_, value.size());
  data_.append(value);
}

arrow::Result<uint64_t> ProtoReader::ReadVarint(std::string_view* data) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (data->empty()) return arrow::Status::Invalid("truncated protobuf varint");
    const auto byte = static_cast<uint8_t>(data->front());
    data->remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return arrow::Status::Invalid("protobuf varint longer than 64 bits");
}

arrow::Result<bool> ProtoReader::Next() {
  while (!data_.empty()) {
    ARROW_ASSIGN_OR_RAISE(uint64_t key, ReadVarint(&data_));
    field_ = static_cast<int>(key >> 3);
    wire_type_ = static_cast<int>(key & 7);
    switch (wire_type_) {
      case 0: {
        ARROW_ASSIGN_OR_RAISE(varint_, ReadVarint(&data_));
        return true;
      }
      case 2: {
        ARROW_ASSIGN_OR_RAISE(uint64_t length, ReadVarint(&data_));
        if (length > data_.size())
          return arrow::Status::Invalid("truncated protobuf field ", field_);
        bytes_ = data_.substr(0, length);
        data_.remove_prefix(length);
        return true;
      }
      case 1:  // 64-bit: not used by these messages
        if (data_.size() < 8) return arrow::Status::Invalid("truncated protobuf field");
        data_.remove_prefix(8);
        break;
      case 5:  // 32-bit
        if (data_.size() < 4) return arrow::Status::Invalid("truncated protobuf field");
        data_.remove_prefix(4);
        break;
      default:
        return arrow::Status::Invalid("unsupported protobuf wire type ", wire_type_);
    }
  }
  return false;
}

}  // namespace sluice::server
