#include "db/bytes.h"

namespace cirrus::db {

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytes(std::string_view bytes, std::string* out) {
  PutVarint(bytes.size(), out);
  out->append(bytes);
}

void PutFixed64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

bool ByteReader::U8(uint8_t* v) {
  if (in_.empty()) return false;
  *v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}

bool ByteReader::Varint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) return false;
    uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool ByteReader::Bytes(std::string_view* v) {
  uint64_t len;
  if (!Varint(&len) || len > in_.size()) return false;
  *v = in_.substr(0, len);
  in_.remove_prefix(len);
  return true;
}

bool ByteReader::Fixed64(uint64_t* v) {
  if (in_.size() < 8) return false;
  uint64_t r = 0;
  for (int i = 7; i >= 0; --i) r = (r << 8) | static_cast<uint8_t>(in_[i]);
  in_.remove_prefix(8);
  *v = r;
  return true;
}

}  // namespace cirrus::db
