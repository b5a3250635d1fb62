#include "db/index.h"

#include <algorithm>

namespace cirrus::db {

KeySpace::KeySpace(uint32_t partition_count, std::shared_ptr<PartitionStorage> storage)
    : partition_count_(partition_count), storage_(std::move(storage)) {}

KeySpace::~KeySpace() = default;

uint32_t KeySpace::PartitionOfKey(std::string_view stored_key) const {
  return PartitionOf(KeyCodec::HashOf(stored_key), partition_count_);
}

int64_t KeySpace::item_count() const { return storage_->item_count.load(std::memory_order_relaxed); }
int64_t KeySpace::size_bytes() const { return storage_->size_bytes.load(std::memory_order_relaxed); }

Index::Index(IndexDefinition definition, const KeySchema& table_schema,
             std::shared_ptr<PartitionStorage> storage)
    : KeySpace(definition.partition_count, std::move(storage)),
      definition_(std::move(definition)),
      codec_(definition_.key_schema),
      table_codec_(table_schema) {
  auto add = [&](const std::string& name) {
    if (std::find(key_attributes_.begin(), key_attributes_.end(), name) == key_attributes_.end()) {
      key_attributes_.push_back(name);
    }
  };
  for (const std::string& name : definition_.key_schema.names()) add(name);
  for (const std::string& name : table_schema.names()) add(name);
}

Status Index::Validate(const Item& item) const {
  auto check = [&](const KeyAttribute& key, bool partition) -> Status {
    auto it = item.find(key.name);
    if (it == item.end()) return Status();
    const AttributeValue& v = it->second;
    if (v.type() != ToValueType(key.type)) {
      return ValidationError("One or more parameter values were invalid: Type mismatch for Index Key " +
                             key.name + " Expected: " + std::string(TypeName(key.type)) +
                             " Actual: " + std::string(cirrus::TypeName(v.type())) +
                             " IndexName: " + definition_.name);
    }
    if (key.type != ScalarType::kN && v.scalar().empty()) {
      return ValidationError(
          "One or more parameter values are not valid. A value specified for a secondary index "
          "key is not supported. The AttributeValue for a key attribute cannot contain an empty " +
          std::string(key.type == ScalarType::kS ? "string" : "binary") + " value. IndexName: " +
          definition_.name + ", IndexKey: " + key.name);
    }
    return codec_.ValidateKeyValue(key, v, partition);
  };
  for (const KeyAttribute& key : definition_.key_schema.partition_keys) {
    CIRRUS_RETURN_IF_ERROR(check(key, true));
  }
  for (const KeyAttribute& key : definition_.key_schema.sort_keys) {
    CIRRUS_RETURN_IF_ERROR(check(key, false));
  }
  return Status();
}

bool Index::Covers(const Item& item) const {
  const KeySchema& keys = definition_.key_schema;
  auto present = [&](const KeyAttribute& key) { return item.count(key.name) > 0; };
  return std::all_of(keys.partition_keys.begin(), keys.partition_keys.end(), present) &&
         std::all_of(keys.sort_keys.begin(), keys.sort_keys.end(), present);
}

std::optional<std::string> Index::EntryKey(const Item& item, std::string_view table_key) const {
  if (!Covers(item)) return std::nullopt;
  std::string key;
  if (!codec_.EncodeKeyOf(item, &key).ok()) return std::nullopt;  // Validate catches these first
  key.append(table_key);
  return key;
}

bool Index::Projects(std::string_view attribute) const {
  if (definition_.projection == ProjectionType::kAll) return true;
  if (std::find(key_attributes_.begin(), key_attributes_.end(), attribute) != key_attributes_.end()) {
    return true;
  }
  const auto& extra = definition_.non_key_attributes;
  return definition_.projection == ProjectionType::kInclude &&
         std::find(extra.begin(), extra.end(), attribute) != extra.end();
}

Item Index::Project(const Item& item) const {
  if (definition_.projection == ProjectionType::kAll) return item;
  Item out;
  for (const auto& [name, value] : item) {
    if (Projects(name)) out.emplace(name, value);
  }
  return out;
}

Status Index::StoredKeyOf(const Item& item, std::string* out) const {
  std::string table_key;
  CIRRUS_RETURN_IF_ERROR(table_codec_.EncodeKeyOf(item, &table_key));
  std::optional<std::string> key = EntryKey(item, table_key);
  if (!key) return InternalError("index entry without its index key");
  out->append(*key);
  return Status();
}

}  // namespace cirrus::db
