#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/catalog.h"
#include "db/item/attribute_value.h"
#include "db/item/status.h"

namespace cirrus::db {

// Change capture: what a committed write records in its table's stream, in the same atomic
// write as the item (ApplyWriteBatch), and how readers get it back.

// On disk: never renumber.
enum class ChangeKind : uint8_t { kInsert = 1, kModify = 2, kRemove = 3 };

// The change from `old_item` to `new_item` (null when absent), or nullopt when there is
// none: both absent, or equal as DynamoDB compares values (map keys and set elements in any
// order, numbers by value), so a write that changes nothing records nothing.
std::optional<ChangeKind> ClassifyChange(const Item* old_item, const Item* new_item);

// Whether `item` holds a set anywhere (at any depth). Stored items are encoded canonically
// except for the order of set elements, so two stored items without sets are equal values
// exactly when their bytes are equal.
bool HasSets(const Item& item);

// One stream record, decoded.
struct StreamRecord {
  uint64_t sequence = 0;  // unique in the data directory; grows with commit order
  uint32_t shard = 0;     // the table partition of the item
  ChangeKind kind = ChangeKind::kInsert;
  int64_t time_us = 0;  // commit time, epoch microseconds
  Item keys;
  std::optional<Item> old_image;  // per the stream's view type
  std::optional<Item> new_image;
  size_t size_bytes = 0;  // keys and images, DynamoDB's item size accounting
  bool expired = false;   // a time-to-live deletion: the service, not a user, removed it
};

// Stored record := version:u8(=1) kind:u8 time_us:fixed64 size:varint keys:bytes
//                  flags:u8 [old:bytes] [new:bytes]   (items in item_codec.h's format)
//   flags := 1 old present | 2 new present | 4 expired (a time-to-live deletion)
// Images the view type does not keep are not stored.
// The images are given as stored (item_codec.h) with their DynamoDB sizes; empty when absent.
std::string EncodeStreamRecord(StreamViewType view, ChangeKind kind, int64_t time_us,
                               const Item& keys, std::string_view old_stored, size_t old_size,
                               std::string_view new_stored, size_t new_size, bool expired = false);
// The same from decoded items (null when absent).
std::string EncodeStreamRecord(StreamViewType view, ChangeKind kind, int64_t time_us,
                               const Item& keys, const Item* old_item, const Item* new_item);
Result<StreamRecord> DecodeStreamRecord(std::string_view stored);
// The commit time of a stored record, without decoding the items (retention trimming).
int64_t StreamRecordTime(std::string_view stored);

// The key attributes of `item` under `schema`.
Item KeysOf(const Item& item, const KeySchema& schema);

// One item's write, as change capture sees it.
struct CapturedWrite {
  std::string_view stored_key;
  std::string_view old_stored;  // the item as stored before; empty when it was absent
  size_t old_size = 0;
  const Item* old_item = nullptr;  // the same decoded, when the caller has it (else decoded
                                   // here if needed)
  std::string_view new_stored;     // as stored after; empty when it is gone
  size_t new_size = 0;
  const Item* new_item = nullptr;  // REQUIRES: set exactly when new_stored is
  bool expired = false;            // a time-to-live deletion
};

// The record `write` leaves in a stream of `view` type (EncodeStreamRecord), or nullopt when
// it changes nothing as DynamoDB compares values. Equal bytes are equal values, and without
// sets (whose element order the stored form keeps) different bytes are different values; only
// then are the items compared as values. `codec`: the table's, for the keys of a removal.
Result<std::optional<std::string>> CaptureChange(StreamViewType view, const KeyCodec& codec,
                                                 const CapturedWrite& write, int64_t time_us);

}  // namespace cirrus::db
