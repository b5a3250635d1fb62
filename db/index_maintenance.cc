#include "db/index_maintenance.h"

#include <optional>
#include <string>

#include "db/item_codec.h"

namespace cirrus::db {
namespace {

// An index entry as stored: its key and its projected item's size.
struct Entry {
  std::string key;
  int64_t size = 0;
};

}  // namespace

Status MaintainIndex(ItemTransaction& txn, const Index& index, std::string_view table_key,
                     const Item* old_item, size_t old_size, const Item* new_item, size_t new_size,
                     std::string_view new_encoded, int64_t* lsi_delta,
                     std::vector<int64_t>* charged) {
  auto entry_of = [&](const Item* item, size_t item_size) -> std::optional<Entry> {
    if (!item) return std::nullopt;
    std::optional<std::string> key = index.EntryKey(*item, table_key);
    if (!key) return std::nullopt;
    int64_t size = index.definition().projection == ProjectionType::kAll
                       ? static_cast<int64_t>(item_size)
                       : static_cast<int64_t>(ItemSize(index.Project(*item)));
    return Entry{std::move(*key), size};
  };
  std::optional<Entry> before = entry_of(old_item, old_size);
  std::optional<Entry> after = entry_of(new_item, new_size);
  if (before && index.definition().status == IndexStatus::kCreating) {
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> present, txn.Get(index, before->key));
    if (!present) {
      before.reset();
    } else {
      before->size = static_cast<int64_t>(StoredItemSize(*present));
    }
  }
  const bool moved = before && (!after || after->key != before->key);
  if (moved) {
    CIRRUS_RETURN_IF_ERROR(txn.Delete(index, before->key));
    txn.AddDelta(index, -1, -before->size);
    if (charged) charged->push_back(before->size);
  }
  if (charged && after) {
    const bool replaced = before && !moved;
    bool changed = !replaced;
    if (replaced) {
      changed = index.definition().projection == ProjectionType::kAll
                    ? !(*old_item == *new_item)
                    : !(index.Project(*old_item) == index.Project(*new_item));
    }
    if (changed) charged->push_back(after->size);
  }
  if (after) {
    std::string projected;
    std::string_view entry = new_encoded;
    if (index.definition().projection != ProjectionType::kAll) {
      EncodeItem(index.Project(*new_item), static_cast<size_t>(after->size), &projected);
      entry = projected;
    }
    CIRRUS_RETURN_IF_ERROR(txn.Put(index, after->key, entry));
    const bool replaced = before && !moved;
    txn.AddDelta(index, replaced ? 0 : 1, after->size - (replaced ? before->size : 0));
  }
  if (index.definition().kind == IndexKind::kLocal) {
    *lsi_delta += (after ? after->size : 0) - (before ? before->size : 0);
  }
  return Status();
}

}  // namespace cirrus::db
