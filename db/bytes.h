#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cirrus::db {

// Byte grammar primitives shared by the stored formats in db/:
//   varint: LEB128, 7 bits per byte, low bits first; bytes := len:varint bytes.
void PutVarint(uint64_t v, std::string* out);
void PutBytes(std::string_view bytes, std::string* out);
void PutFixed64(uint64_t v, std::string* out);  // little-endian

// Reads the primitives above; each method returns false on truncated input.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v);
  bool Varint(uint64_t* v);
  bool Bytes(std::string_view* v);
  bool Fixed64(uint64_t* v);
  bool empty() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

}  // namespace cirrus::db
