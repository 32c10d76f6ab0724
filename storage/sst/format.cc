#include "storage/sst/format.h"

#include <fmt/format.h>
#include <lz4.h>

#include "storage/util/checksum.h"
#include "storage/util/coding.h"

namespace lsmdb::storage {

namespace {

Status BlockCorruption(const RandomAccessFile& file, uint64_t offset, std::string_view what) {
  return Status::Corruption(fmt::format("{}: {} in block at offset {}", file.path(), what, offset));
}

}  // namespace

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(std::string_view* in) {
  return GetVarint64(in, &offset) && GetVarint64(in, &size);
}

void Footer::EncodeTo(std::string* dst) const {
  size_t start = dst->size();
  index_handle.EncodeTo(dst);
  filter_handle.EncodeTo(dst);
  dst->resize(start + kPaddedHandlesLength, '\0');
  PutFixed32(dst, Checksum(dst->data() + start, kPaddedHandlesLength));
  PutFixed64(dst, kTableMagicNumber);
}

Status Footer::DecodeFrom(std::string_view in, const std::string& path, uint64_t file_offset) {
  auto bad = [&](std::string_view what) {
    return Status::Corruption(
        fmt::format("{}: {} in footer at offset {}", path, what, file_offset));
  };
  if (in.size() != kEncodedLength) return bad("short footer");
  if (DecodeFixed64(in.data() + kPaddedHandlesLength + 4) != kTableMagicNumber) {
    return bad("bad magic number (not an lsmdb table)");
  }
  if (DecodeFixed32(in.data() + kPaddedHandlesLength) !=
      Checksum(in.data(), kPaddedHandlesLength)) {
    return bad("checksum mismatch");
  }
  std::string_view handles = in.substr(0, kPaddedHandlesLength);
  if (!index_handle.DecodeFrom(&handles) || !filter_handle.DecodeFrom(&handles)) {
    return bad("bad block handle");
  }
  return Status::OK();
}

Status ReadBlock(const RandomAccessFile& file, const BlockHandle& handle, bool verify_checksum,
                 std::string* contents) {
  const uint64_t file_size = file.Size();
  if (handle.offset > file_size || handle.size > file_size ||
      handle.offset + handle.size + kBlockTrailerSize > file_size) {
    return BlockCorruption(file, handle.offset,
                           fmt::format("block handle (size {}) past end of file", handle.size));
  }
  const size_t n = static_cast<size_t>(handle.size);
  LSMDB_RETURN_IF_ERROR(file.Read(handle.offset, n + kBlockTrailerSize, contents));
  const char* data = contents->data();
  const auto type = static_cast<unsigned char>(data[n]);
  if (verify_checksum && DecodeFixed32(data + n + 1) != Checksum(data, n + 1)) {
    return BlockCorruption(file, handle.offset, "checksum mismatch");
  }
  if (type == static_cast<unsigned char>(BlockType::kNone)) {
    contents->resize(n);  // drop the trailer in place
    return Status::OK();
  }
  if (type != static_cast<unsigned char>(BlockType::kLz4)) {
    return BlockCorruption(file, handle.offset, fmt::format("unknown block type {}", type));
  }
  uint32_t ulen = 0;
  const char* p = GetVarint32Ptr(data, data + n, &ulen);
  // LZ4 cannot expand data more than ~255x; a larger claim is a corrupt prefix.
  if (p == nullptr || static_cast<uint64_t>(ulen) > static_cast<uint64_t>(n) * 255 + 64) {
    return BlockCorruption(file, handle.offset, "bad lz4 length prefix");
  }
  std::string out;
  out.resize(ulen);
  int got = LZ4_decompress_safe(p, out.data(), static_cast<int>(data + n - p),
                                static_cast<int>(ulen));
  if (got < 0 || static_cast<uint32_t>(got) != ulen) {
    return BlockCorruption(file, handle.offset, "lz4 decompression failed");
  }
  *contents = std::move(out);
  return Status::OK();
}

BlockType CompressBlock(std::string_view raw, BlockType type, std::string* out) {
  out->clear();
  if (type == BlockType::kLz4 && raw.size() < (1u << 30)) {
    PutVarint32(out, static_cast<uint32_t>(raw.size()));
    size_t prefix = out->size();
    int bound = LZ4_compressBound(static_cast<int>(raw.size()));
    out->resize(prefix + bound);
    int n = LZ4_compress_default(raw.data(), out->data() + prefix, static_cast<int>(raw.size()),
                                 bound);
    if (n > 0 && prefix + n < raw.size() - raw.size() / 8) {
      out->resize(prefix + n);
      return BlockType::kLz4;
    }
    out->clear();
  }
  out->append(raw);
  return BlockType::kNone;
}

}  // namespace lsmdb::storage
