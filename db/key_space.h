#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/attribute_value.h"
#include "db/item/status.h"

namespace cirrus::db {

// What a storage engine keeps for one table or index: its storage id, its exact statistics,
// and (in a subclass of the engine's) its handles, e.g. one LMDB B-tree per partition. Shared
// by the versions of a Table (UpdateTable publishes new ones over the same storage).
// Internal to db/ and its engines.
struct PartitionStorage {
  virtual ~PartitionStorage() = default;
  uint32_t storage_id = 0;
  std::atomic<int64_t> item_count{0};
  std::atomic<int64_t> size_bytes{0};
};

// A set of partition B-trees and how stored keys derive from the items stored under them: a
// table's or a secondary index's. Immutable; thread-safe.
class KeySpace {
 public:
  virtual ~KeySpace();

  uint32_t partition_count() const { return partition_count_; }
  uint32_t PartitionOfKey(std::string_view stored_key) const;
  // Exact, as of the last committed write.
  int64_t item_count() const;
  int64_t size_bytes() const;

  // The stored key under which `item` lives here. kValidation if it has no such key.
  virtual Status StoredKeyOf(const Item& item, std::string* out) const = 0;

  // The engine's storage behind this key space (for storage engines, which know its type).
  const std::shared_ptr<PartitionStorage>& storage() const { return storage_; }

 protected:
  KeySpace(uint32_t partition_count, std::shared_ptr<PartitionStorage> storage);

 private:
  uint32_t partition_count_;
  std::shared_ptr<PartitionStorage> storage_;
};

}  // namespace cirrus::db
