#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "db/index.h"
#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "db/write_batch.h"

namespace cirrus::db {

// Keeps `index` in step with one item changing from `old_item` to `new_item` (either null when
// absent) under the table's stored key `table_key`, in `txn`: removes the old entry when the
// item leaves the index or moves in it, writes the new one, and counts both in the index's
// statistics. `new_encoded` is the new item as the table stores it (an ALL projection's entry is
// the same bytes). LSI entry sizes are added to *lsi_delta (the item collection's growth).
// While an index is backfilled, an item the backfill has not reached has no entry yet.
// The entries DynamoDB charges a write for (each put or deleted entry, by its size) are
// appended to *charged: a new entry, a deleted one, both when the index key moves, and a
// replaced one only when its projection changed.
Status MaintainIndex(ItemTransaction& txn, const Index& index, std::string_view table_key,
                     const Item* old_item, size_t old_size, const Item* new_item, size_t new_size,
                     std::string_view new_encoded, int64_t* lsi_delta,
                     std::vector<int64_t>* charged = nullptr);

}  // namespace cirrus::db
