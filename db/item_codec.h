#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "db/bytes.h"
#include "db/item/attribute_value.h"
#include "db/item/status.h"

namespace cirrus::db {

// Stored item := version:u8(=1)  item_size:varint  count:varint  (name  value){count}
//   name  := len:varint bytes
//   value := type:u8 (ValueType) payload
//     S, N, B         len:varint bytes          (N: normalized text, B: raw bytes)
//     BOOL            u8 0|1
//     NULL            nothing
//     M               count:varint (name value){count}
//     L               count:varint value{count}
//     SS, NS, BS      count:varint (len:varint bytes){count}
//   varint: LEB128, 7 bits per byte, low bits first.
// item_size is DynamoDB's size of the item (ItemSize), kept so that writes and capacity
// accounting need not decode the old image. The whole item, key attributes included, is
// stored: a value alone reproduces the item.
// On disk: change the layout only with a new version byte.
constexpr uint8_t kItemFormatVersion = 1;

// Appends the stored form of `item` to *out. `item_size` must be ItemSize(item).
void EncodeItem(const Item& item, size_t item_size, std::string* out);
Result<Item> DecodeItem(std::string_view stored);
// Decodes only the top-level attributes named in `names`, skipping the others' bytes
// (filters and projections read a few attributes of large items).
Result<Item> DecodeItemAttributes(std::string_view stored,
                                  const std::set<std::string, std::less<>>& names);
// The item_size field of a stored item (0 if corrupt).
size_t StoredItemSize(std::string_view stored);

// Walks a stored item, calling the visitor in document order, so that a caller can turn
// stored bytes into another format (DynamoDB JSON) without building an Item:
//   v.Attribute(name)            before each top-level value
//   v.Scalar(type, bytes)        S, N, B
//   v.Bool(b), v.Null()
//   v.BeginMap(n), v.MapKey(name) before each entry's value, v.EndMap()
//   v.BeginList(n), v.EndList()
//   v.BeginSet(type, n), v.SetElement(bytes), v.EndSet()
// Returns kInternal for corrupt input (after visiting a prefix of it).
template <typename Visitor>
Status WalkStoredItem(std::string_view stored, Visitor& v);

namespace internal {

constexpr int kMaxStoredDepth = 64;  // the wire rejects items nested deeper than 32

// Moves past one value without visiting it.
bool SkipValue(ByteReader& r, int depth);

template <typename Visitor>
bool WalkValue(ByteReader& r, Visitor& v, int depth) {
  uint8_t type;
  uint64_t count;
  std::string_view bytes;
  if (depth > kMaxStoredDepth || !r.U8(&type)) return false;
  switch (static_cast<ValueType>(type)) {
    case ValueType::kS:
    case ValueType::kN:
    case ValueType::kB:
      if (!r.Bytes(&bytes)) return false;
      v.Scalar(static_cast<ValueType>(type), bytes);
      return true;
    case ValueType::kBool: {
      uint8_t b;
      if (!r.U8(&b)) return false;
      v.Bool(b != 0);
      return true;
    }
    case ValueType::kNull:
      v.Null();
      return true;
    case ValueType::kM:
      if (!r.Varint(&count)) return false;
      v.BeginMap(count);
      for (uint64_t i = 0; i < count; ++i) {
        if (!r.Bytes(&bytes)) return false;
        v.MapKey(bytes);
        if (!WalkValue(r, v, depth + 1)) return false;
      }
      v.EndMap();
      return true;
    case ValueType::kL:
      if (!r.Varint(&count)) return false;
      v.BeginList(count);
      for (uint64_t i = 0; i < count; ++i) {
        if (!WalkValue(r, v, depth + 1)) return false;
      }
      v.EndList();
      return true;
    case ValueType::kSS:
    case ValueType::kNS:
    case ValueType::kBS:
      if (!r.Varint(&count)) return false;
      v.BeginSet(static_cast<ValueType>(type), count);
      for (uint64_t i = 0; i < count; ++i) {
        if (!r.Bytes(&bytes)) return false;
        v.SetElement(bytes);
      }
      v.EndSet();
      return true;
  }
  return false;
}

}  // namespace internal

template <typename Visitor>
Status WalkStoredItem(std::string_view stored, Visitor& v) {
  ByteReader r(stored);
  uint8_t version;
  uint64_t size, count;
  if (!r.U8(&version) || version != kItemFormatVersion || !r.Varint(&size) || !r.Varint(&count)) {
    return InternalError("corrupt stored item");
  }
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name;
    if (!r.Bytes(&name)) return InternalError("corrupt stored item");
    v.Attribute(name);
    if (!internal::WalkValue(r, v, 1)) return InternalError("corrupt stored item");
  }
  if (!r.empty()) return InternalError("corrupt stored item");
  return Status();
}

}  // namespace cirrus::db
