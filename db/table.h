#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/catalog.h"
#include "db/index.h"
#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "db/key_codec.h"
#include "db/key_space.h"

namespace cirrus::db {

// One table: its definition, its partitions (the keys whose hash falls in each partition's
// range, see PartitionOf) and its secondary indexes. Immutable once published; UpdateTable
// publishes a new Table sharing the same storage. Thread-safe. Holding a
// shared_ptr<const Table> keeps its storage handles valid.
class Table : public KeySpace {
 public:
  Table(TableDefinition definition, std::shared_ptr<PartitionStorage> storage,
        std::vector<std::shared_ptr<const Index>> indexes);
  ~Table() override;

  const TableDefinition& definition() const { return definition_; }
  const std::string& name() const { return definition_.name; }
  const KeyCodec& codec() const { return codec_; }
  const std::vector<std::shared_ptr<const Index>>& indexes() const { return indexes_; }
  std::shared_ptr<const Index> FindIndex(std::string_view name) const;  // null when none
  bool has_local_indexes() const;

  Status StoredKeyOf(const Item& item, std::string* out) const override {
    return codec_.EncodeKeyOf(item, out);
  }

 private:
  TableDefinition definition_;
  KeyCodec codec_;
  std::vector<std::shared_ptr<const Index>> indexes_;
};

}  // namespace cirrus::db
