#include "spark/table_upload.h"

#include <openssl/evp.h>

#include <array>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/writer.h>
#include <arrow/table.h>
#include <arrow/util/byte_size.h>
#include <grpcpp/grpcpp.h>

#include "spark/spark_client.h"

namespace sluice::spark {

namespace {

namespace sc = ::spark::connect;

// Bytes of an artifact per AddArtifacts message.
constexpr int64_t kMessageBytes = 4 << 20;

std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t value = i;
    for (int bit = 0; bit < 8; ++bit)
      value = (value & 1) ? 0xEDB88320u ^ (value >> 1) : value >> 1;
    table[i] = value;
  }
  return table;
}

arrow::Result<std::string> Sha256Hex(const arrow::Buffer& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), static_cast<size_t>(data.size()), digest, &length,
                 EVP_sha256(), nullptr) != 1) {
    return arrow::Status::IOError("SHA-256 of an upload chunk failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

// Arrow IPC streams of consecutive whole batches of `table`, each about `chunk_bytes`.
class ChunkWriter {
 public:
  ChunkWriter(const arrow::Table& table, int64_t chunk_bytes)
      : reader_(table), schema_(table.schema()), chunk_bytes_(chunk_bytes) {
    reader_.set_chunksize(64 * 1024);
  }

  // The next chunk, or null when the table is done.
  arrow::Result<std::shared_ptr<arrow::Buffer>> Next() {
    ARROW_ASSIGN_OR_RAISE(auto sink, arrow::io::BufferOutputStream::Create());
    ARROW_ASSIGN_OR_RAISE(auto writer, arrow::ipc::MakeStreamWriter(sink, schema_));
    bool any = false;
    while (true) {
      if (!pending_) ARROW_RETURN_NOT_OK(reader_.ReadNext(&pending_));
      if (!pending_) break;
      ARROW_ASSIGN_OR_RAISE(int64_t position, sink->Tell());
      if (any && position + arrow::util::TotalBufferSize(*pending_) > chunk_bytes_) break;
      ARROW_RETURN_NOT_OK(writer->WriteRecordBatch(*pending_));
      pending_.reset();
      any = true;
    }
    ARROW_RETURN_NOT_OK(writer->Close());
    if (!any && done_once_) return nullptr;
    done_once_ = true;  // an empty table is one chunk holding only the schema
    return sink->Finish();
  }

 private:
  arrow::TableBatchReader reader_;
  std::shared_ptr<arrow::Schema> schema_;
  const int64_t chunk_bytes_;
  std::shared_ptr<arrow::RecordBatch> pending_;
  bool done_once_ = false;
};

void SetChunk(const uint8_t* data, int64_t size,
              sc::AddArtifactsRequest::ArtifactChunk* out) {
  out->set_data(data, static_cast<size_t>(size));
  out->set_crc(Crc32(data, size));
}

// Uploads one artifact, in messages of at most kMessageBytes, and checks the server's
// CRC.
arrow::Status UploadArtifact(SparkClient* client, const std::string& name,
                             const arrow::Buffer& data) {
  auto context = client->NewContext(/*deadline=*/true);
  sc::AddArtifactsResponse response;
  auto writer = client->stub()->AddArtifacts(context.get(), &response);
  const int64_t size = data.size();
  const int64_t chunks = std::max<int64_t>(1, (size + kMessageBytes - 1) / kMessageBytes);
  bool sent = true;
  for (int64_t i = 0; i < chunks && sent; ++i) {
    sc::AddArtifactsRequest request;
    client->FillHeader(&request);
    const int64_t begin = i * kMessageBytes;
    const int64_t length = std::min(kMessageBytes, size - begin);
    if (chunks == 1) {
      auto* artifact = request.mutable_batch()->add_artifacts();
      artifact->set_name(name);
      SetChunk(data.data(), size, artifact->mutable_data());
    } else if (i == 0) {
      auto* begin_chunk = request.mutable_begin_chunk();
      begin_chunk->set_name(name);
      begin_chunk->set_total_bytes(size);
      begin_chunk->set_num_chunks(chunks);
      SetChunk(data.data(), length, begin_chunk->mutable_initial_chunk());
    } else {
      SetChunk(data.data() + begin, length, request.mutable_chunk());
    }
    sent = writer->Write(request);
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return client->ToStatus(status, "uploading " + name);
  for (const auto& summary : response.artifacts()) {
    if (!summary.is_crc_successful()) {
      return arrow::Status::IOError("the server received ", summary.name(),
                                    " damaged (CRC mismatch)");
    }
  }
  return arrow::Status::OK();
}

arrow::Result<sc::Relation> Inline(const arrow::Buffer& ipc) {
  sc::Relation out;
  out.mutable_local_relation()->set_data(ipc.data(), static_cast<size_t>(ipc.size()));
  return out;
}

}  // namespace

uint32_t Crc32(const uint8_t* data, int64_t size) {
  static const std::array<uint32_t, 256> table = MakeCrcTable();
  uint32_t crc = 0xFFFFFFFFu;
  for (int64_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

arrow::Result<sc::Relation> UploadTable(SparkClient* client, const arrow::Table& table,
                                        const UploadOptions& options) {
  ChunkWriter chunks(table, options.chunk_bytes);
  ARROW_ASSIGN_OR_RAISE(auto first, chunks.Next());
  ARROW_ASSIGN_OR_RAISE(auto second, chunks.Next());
  if (!second && first->size() <= options.inline_limit_bytes) return Inline(*first);
  sc::Relation out;
  auto* cached = out.mutable_chunked_cached_local_relation();
  for (auto chunk = first; chunk;) {
    ARROW_ASSIGN_OR_RAISE(std::string hash, Sha256Hex(*chunk));
    ARROW_RETURN_NOT_OK(UploadArtifact(client, "cache/" + hash, *chunk));
    cached->add_datahashes(hash);
    chunk = std::move(second);
    if (chunk) {
      ARROW_ASSIGN_OR_RAISE(second, chunks.Next());
    }
  }
  return out;
}

}  // namespace sluice::spark
