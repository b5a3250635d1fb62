#include "db/stream.h"

#include "db/bytes.h"
#include "db/item_codec.h"

namespace cirrus::db {
namespace {

constexpr uint8_t kRecordVersion = 1;
constexpr uint8_t kHasOld = 1, kHasNew = 2, kExpired = 4;

}  // namespace

std::optional<ChangeKind> ClassifyChange(const Item* old_item, const Item* new_item) {
  if (!old_item && !new_item) return std::nullopt;
  if (!old_item) return ChangeKind::kInsert;
  if (!new_item) return ChangeKind::kRemove;
  if (*old_item == *new_item) return std::nullopt;  // AttributeValue's DynamoDB equality
  return ChangeKind::kModify;
}

Item KeysOf(const Item& item, const KeySchema& schema) {
  Item keys;
  for (const std::string& name : schema.names()) {
    auto it = item.find(name);
    if (it != item.end()) keys.emplace(it->first, it->second);
  }
  return keys;
}

namespace {

bool ValueHasSets(const AttributeValue& v) {
  switch (v.type()) {
    case ValueType::kSS:
    case ValueType::kNS:
    case ValueType::kBS:
      return true;
    case ValueType::kM:
      return HasSets(v.map());
    case ValueType::kL:
      for (const AttributeValue& e : v.list()) {
        if (ValueHasSets(e)) return true;
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

bool HasSets(const Item& item) {
  for (const auto& [name, value] : item) {
    if (ValueHasSets(value)) return true;
  }
  return false;
}

std::string EncodeStreamRecord(StreamViewType view, ChangeKind kind, int64_t time_us,
                               const Item& keys, std::string_view old_stored, size_t old_size,
                               std::string_view new_stored, size_t new_size, bool expired) {
  const bool keep_old =
      view == StreamViewType::kOldImage || view == StreamViewType::kNewAndOldImages;
  const bool keep_new =
      view == StreamViewType::kNewImage || view == StreamViewType::kNewAndOldImages;
  if (!keep_old) old_stored = {};
  if (!keep_new) new_stored = {};
  size_t keys_size = ItemSize(keys);
  std::string out;
  out.reserve(32 + old_stored.size() + new_stored.size() + 2 * keys_size);
  out.push_back(static_cast<char>(kRecordVersion));
  out.push_back(static_cast<char>(kind));
  PutFixed64(static_cast<uint64_t>(time_us), &out);
  PutVarint(keys_size + (old_stored.empty() ? 0 : old_size) + (new_stored.empty() ? 0 : new_size),
            &out);
  std::string item;
  EncodeItem(keys, keys_size, &item);
  PutBytes(item, &out);
  out.push_back(static_cast<char>((old_stored.empty() ? 0 : kHasOld) |
                                  (new_stored.empty() ? 0 : kHasNew) | (expired ? kExpired : 0)));
  if (!old_stored.empty()) PutBytes(old_stored, &out);
  if (!new_stored.empty()) PutBytes(new_stored, &out);
  return out;
}

std::string EncodeStreamRecord(StreamViewType view, ChangeKind kind, int64_t time_us,
                               const Item& keys, const Item* old_item, const Item* new_item) {
  std::string old_stored, new_stored;
  size_t old_size = old_item ? ItemSize(*old_item) : 0,
         new_size = new_item ? ItemSize(*new_item) : 0;
  if (old_item) EncodeItem(*old_item, old_size, &old_stored);
  if (new_item) EncodeItem(*new_item, new_size, &new_stored);
  return EncodeStreamRecord(view, kind, time_us, keys, old_stored, old_size, new_stored, new_size);
}

Result<StreamRecord> DecodeStreamRecord(std::string_view stored) {
  Status corrupt = InternalError("corrupt stream record");
  ByteReader r(stored);
  uint8_t version, kind, flags;
  uint64_t time, size;
  std::string_view keys;
  if (!r.U8(&version) || version != kRecordVersion || !r.U8(&kind) || kind < 1 || kind > 3 ||
      !r.Fixed64(&time) || !r.Varint(&size) || !r.Bytes(&keys) || !r.U8(&flags)) {
    return corrupt;
  }
  StreamRecord record;
  record.kind = static_cast<ChangeKind>(kind);
  record.time_us = static_cast<int64_t>(time);
  record.size_bytes = size;
  record.expired = (flags & kExpired) != 0;
  CIRRUS_ASSIGN_OR_RETURN(record.keys, DecodeItem(keys));
  std::string_view image;
  if (flags & kHasOld) {
    if (!r.Bytes(&image)) return corrupt;
    CIRRUS_ASSIGN_OR_RETURN(record.old_image, DecodeItem(image));
  }
  if (flags & kHasNew) {
    if (!r.Bytes(&image)) return corrupt;
    CIRRUS_ASSIGN_OR_RETURN(record.new_image, DecodeItem(image));
  }
  return record;
}

int64_t StreamRecordTime(std::string_view stored) {
  ByteReader r(stored);
  uint8_t version, kind;
  uint64_t time = 0;
  if (!r.U8(&version) || !r.U8(&kind) || !r.Fixed64(&time)) return 0;
  return static_cast<int64_t>(time);
}

Result<std::optional<std::string>> CaptureChange(StreamViewType view, const KeyCodec& codec,
                                                 const CapturedWrite& w, int64_t time_us) {
  const bool existed = !w.old_stored.empty();
  std::optional<ChangeKind> change;
  if (!existed) {
    change = w.new_item ? std::optional(ChangeKind::kInsert) : std::nullopt;
  } else if (!w.new_item) {
    change = ChangeKind::kRemove;
  } else if (w.old_stored != w.new_stored) {
    change = ChangeKind::kModify;
    if (HasSets(*w.new_item)) {
      std::optional<Item> decoded;
      const Item* old_item = w.old_item;
      if (!old_item) {
        CIRRUS_ASSIGN_OR_RETURN(decoded, DecodeItem(w.old_stored));
        old_item = &*decoded;
      }
      change = ClassifyChange(old_item, w.new_item);
    }
  }
  if (!change) return std::optional<std::string>();
  Item keys;
  if (w.new_item) {
    keys = KeysOf(*w.new_item, codec.schema());
  } else {
    CIRRUS_ASSIGN_OR_RETURN(keys, codec.DecodeKey(w.stored_key));
  }
  return std::optional<std::string>(EncodeStreamRecord(view, *change, time_us, keys, w.old_stored,
                                                       w.old_size, w.new_stored, w.new_size,
                                                       w.expired));
}

}  // namespace cirrus::db
