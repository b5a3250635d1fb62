#include "db/table.h"

#include <algorithm>

namespace cirrus::db {

Table::Table(TableDefinition definition, std::shared_ptr<PartitionStorage> storage,
             std::vector<std::shared_ptr<const Index>> indexes)
    : KeySpace(definition.partition_count, std::move(storage)),
      definition_(std::move(definition)),
      codec_(definition_.key_schema),
      indexes_(std::move(indexes)) {}

Table::~Table() = default;

std::shared_ptr<const Index> Table::FindIndex(std::string_view name) const {
  for (const auto& index : indexes_) {
    if (index->name() == name) return index;
  }
  return nullptr;
}

bool Table::has_local_indexes() const {
  return std::any_of(indexes_.begin(), indexes_.end(),
                     [](const auto& x) { return x->definition().kind == IndexKind::kLocal; });
}

}  // namespace cirrus::db
