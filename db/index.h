#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/catalog.h"
#include "db/key_codec.h"
#include "db/key_space.h"

namespace cirrus::db {

// A secondary index: which items it holds (sparse: those with every index key attribute, all
// of a multi-attribute GSI's components),
// under which stored key, with which attributes (its projection).
//   entry key  := index stored key (KeyCodec of the index key schema) ++ table stored key
//   entry item := the index and table key attributes, plus the projection's attributes
// Appending the table key lets items with equal index keys coexist, each once; both parts are
// prefix-free, so the entry key is too, and its order is the index key's order.
// Immutable; thread-safe.
class Index : public KeySpace {
 public:
  Index(IndexDefinition definition, const KeySchema& table_schema,
        std::shared_ptr<PartitionStorage> storage);

  const IndexDefinition& definition() const { return definition_; }
  const std::string& name() const { return definition_.name; }
  const KeyCodec& codec() const { return codec_; }  // the index key schema alone
  // Entries are written for kCreating (backfill in progress) and kActive indexes.
  bool maintained() const { return definition_.status != IndexStatus::kDeleting; }
  bool readable() const { return definition_.status == IndexStatus::kActive; }

  // DynamoDB's checks of an item's index key attributes, when present: declared type, not
  // empty, key size limits. kValidation naming the index.
  Status Validate(const Item& item) const;
  // Whether `item` has every index key attribute, i.e. has an entry (sparse otherwise).
  bool Covers(const Item& item) const;
  // The entry key of `item` stored under `table_key`; nullopt when the item lacks an index key
  // attribute. REQUIRES: Validate(item) passed.
  std::optional<std::string> EntryKey(const Item& item, std::string_view table_key) const;
  // The entry's item: key attributes and projected attributes of `item`.
  Item Project(const Item& item) const;
  // Whether the entry holds `attribute` (always for ALL).
  bool Projects(std::string_view attribute) const;
  // The index's and the table's key attribute names, each once.
  const std::vector<std::string>& key_attributes() const { return key_attributes_; }

  Status StoredKeyOf(const Item& item, std::string* out) const override;

 private:
  IndexDefinition definition_;
  KeyCodec codec_;
  KeyCodec table_codec_;
  std::vector<std::string> key_attributes_;
};

}  // namespace cirrus::db
