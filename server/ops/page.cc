#include "server/ops/page.h"

#include "db/item_codec.h"
#include "server/wire/item_json.h"

namespace cirrus::server {

PageBuilder::PageBuilder(wire::JsonWriter& w, std::optional<int64_t> limit, bool count_only)
    : w_(w),
      limit_(limit ? static_cast<size_t>(*limit) : SIZE_MAX),
      count_only_(count_only) {
  w_.BeginObject();
  if (!count_only_) {
    w_.Key("Items");
    w_.BeginArray();
  }
}

Status PageBuilder::Add(std::string_view stored_key, std::string_view stored_item) {
  assert(!full_);
  ++scanned_;
  bytes_ += db::StoredItemSize(stored_item);
  if (!count_only_) CIRRUS_RETURN_IF_ERROR(wire::WriteStoredItem(stored_item, w_));
  full_ = scanned_ >= limit_ || bytes_ >= kMaxPageBytes;
  if (full_) last_key_ = std::string(stored_key);
  return Status();
}

Status PageBuilder::Finish(const db::Table& table, bool more, CapacityReport capacity,
                           bool consistent) {
  if (!count_only_) w_.EndArray();
  w_.Key("Count");
  w_.Int(static_cast<int64_t>(scanned_));
  w_.Key("ScannedCount");
  w_.Int(static_cast<int64_t>(scanned_));
  if (full_ && more) {
    CIRRUS_ASSIGN_OR_RETURN(Item key, table.codec().DecodeKey(last_key_));
    w_.Key("LastEvaluatedKey");
    wire::WriteItem(key, w_);
  }
  if (capacity != CapacityReport::kNone) {
    w_.Key("ConsumedCapacity");
    WriteConsumedCapacity(w_, capacity, table.name(), ReadUnits(bytes_, consistent), true);
  }
  w_.EndObject();
  return Status();
}

Result<std::string> ReadStartKey(const db::Table& table, const wire::JsonValue& json) {
  Result<Item> key = ReadItem(json);
  if (!key.ok()) {
    if (key.status().kind() != ErrorKind::kValidation) return key.status();
    return ValidationError("The provided starting key is invalid: " + key.status().message());
  }
  std::string stored;
  Status s = table.codec().EncodeKey(*key, &stored);
  if (!s.ok()) return ValidationError("The provided starting key is invalid: " + s.message());
  return stored;
}

}  // namespace cirrus::server
