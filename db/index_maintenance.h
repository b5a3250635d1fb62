#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

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
Status MaintainIndex(ItemTransaction& txn, const Index& index, std::string_view table_key,
                     const Item* old_item, size_t old_size, const Item* new_item, size_t new_size,
                     std::string_view new_encoded, int64_t* lsi_delta);

}  // namespace cirrus::db
