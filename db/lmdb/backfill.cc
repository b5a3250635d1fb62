// Background index work of the writer thread: filling a new GSI in chunks, between writes, and
// removing a deleted index.
#include <algorithm>
#include <set>

#include "db/item_codec.h"
#include "db/lmdb/engine.h"
#include "db/lmdb/jobs.h"
#include "db/lmdb/tree_key.h"

namespace cirrus::db::lmdb {

void LmdbDatabase::StartBackfill(const std::string& table_name, uint32_t index_storage) {
  Enqueue(std::make_unique<TaskJob>([this, table_name, index_storage](WriteContext& ctx) {
    return BackfillChunk(ctx, table_name, index_storage, 0, "");
  }));
}

void LmdbDatabase::StartIndexDeletion(const std::string& table_name, uint32_t index_storage) {
  Enqueue(std::make_unique<TaskJob>([this, table_name, index_storage](WriteContext& ctx) {
    return FinishIndexDeletion(ctx, table_name, index_storage);
  }));
}

// Indexes up to options.backfill_chunk items of the table's partition `partition` after tree
// key `after`, then queues the next chunk, or marks the index active.
Status LmdbDatabase::BackfillChunk(WriteContext& ctx, const std::string& table_name,
                                   uint32_t index_storage, uint32_t partition,
                                   const std::string& after) {
  std::shared_ptr<const Table> table = Find(table_name);
  if (!table) return Status();  // deleted meanwhile
  std::shared_ptr<const Index> index;
  for (const auto& x : table->indexes()) {
    if (x->definition().storage_id == index_storage) index = x;
  }
  if (!index || index->definition().status != IndexStatus::kCreating)
    return Status();  // deleted meanwhile
  const IndexDefinition& def = index->definition();

  CursorHandle cursor;
  if (Status s =
          OpenCursor(ctx.txn(), DbiOf(*table, partition), "mdb_cursor_open(backfill)", &cursor);
      !s.ok()) {
    return ctx.Abort(s);
  }
  MDB_val k = Val(after), v;
  int rc = after.empty() ? cursor.Get(&k, &v, MDB_FIRST) : cursor.Get(&k, &v, MDB_SET_RANGE);
  if (rc == 0 && !after.empty() && View(k) == after) rc = cursor.Get(&k, &v, MDB_NEXT);
  // Only the attributes the entry needs are decoded; an ALL projection reuses the stored bytes.
  std::set<std::string, std::less<>> wanted(index->key_attributes().begin(),
                                            index->key_attributes().end());
  const bool all = def.projection == ProjectionType::kAll;
  if (def.projection == ProjectionType::kInclude) {
    wanted.insert(def.non_key_attributes.begin(), def.non_key_attributes.end());
  }
  // The chunk's entries are inserted in index key order: the table's order is the hash of
  // the table key, which scatters them over the index; sorted, consecutive inserts land on
  // the same or the next leaf page.
  struct Entry {
    std::string key, value;
    int64_t size;
  };
  std::vector<Entry> entries;
  std::string last, table_key;
  size_t done = 0;
  Status status;
  for (; rc == 0 && done < options_.backfill_chunk; rc = cursor.Get(&k, &v, MDB_NEXT)) {
    ++done;
    last.assign(View(k));
    std::string_view stored = View(v);
    Result<Item> item = DecodeItemAttributes(stored, wanted);
    if (!item.ok()) {
      status = item.status();
      break;
    }
    if (!index->Validate(*item).ok()) continue;  // a wrong-typed key: not indexed, as DynamoDB
    table_key.clear();
    if (IsDigestTreeKey(View(k))) {  // a long key: the tree holds a digest of it
      if (!table->codec().EncodeKeyOf(*item, &table_key).ok()) continue;
    } else {
      table_key.assign(View(k));
    }
    std::optional<std::string> key = index->EntryKey(*item, table_key);
    if (!key) continue;  // sparse
    Entry& e = entries.emplace_back();
    e.key = std::move(*key);
    if (all) {
      e.value.assign(stored);
      e.size = static_cast<int64_t>(StoredItemSize(stored));
    } else {
      Item projected = index->Project(*item);
      e.size = static_cast<int64_t>(ItemSize(projected));
      EncodeItem(projected, static_cast<size_t>(e.size), &e.value);
    }
  }
  cursor = CursorHandle();
  if (rc != 0 && rc != MDB_NOTFOUND && status.ok()) return ctx.Fail(rc, "mdb_cursor_get(backfill)");
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  for (size_t i = 0; status.ok() && i < entries.size(); ++i) {
    const Entry& e = entries[i];
    // A write since the backfill began may have indexed the item already: replace it.
    Result<std::optional<std::string_view>> existing = ctx.PutIfAbsent(*index, e.key, e.value);
    if (!existing.ok()) {
      status = existing.status();
      break;
    }
    int64_t old_size = 0;
    if (*existing) {
      old_size = static_cast<int64_t>(StoredItemSize(**existing));
      status = ctx.Put(*index, e.key, e.value);
      if (!status.ok()) break;
    }
    ctx.AddDelta(*index, *existing ? 0 : 1, e.size - old_size);
  }
  if (!status.ok()) return ctx.failed() ? status : ctx.Abort(status);
  if (rc == 0) {  // the chunk is full: go on after `last`
    ctx.OnCommit([this, table_name, index_storage, partition, last] {
      Enqueue(std::make_unique<TaskJob>([=, this](WriteContext& c) {
        return BackfillChunk(c, table_name, index_storage, partition, last);
      }));
    });
    return Status();
  }
  if (partition + 1 < table->partition_count()) {
    ctx.OnCommit([this, table_name, index_storage, partition] {
      Enqueue(std::make_unique<TaskJob>([=, this](WriteContext& c) {
        return BackfillChunk(c, table_name, index_storage, partition + 1, "");
      }));
    });
    return Status();
  }
  // Every partition indexed: the index is active.
  TableDefinition updated = table->definition();
  for (IndexDefinition& x : updated.indexes) {
    if (x.storage_id == index_storage) x.status = IndexStatus::kActive;
  }
  if (Status s = PutCatalog(ctx, updated); !s.ok()) return ctx.Abort(s);
  Publish(ctx, MakeTable(std::move(updated), table->storage(), table.get(), {}));
  return Status();
}

// Drops a kDeleting index's entries and removes it from its table.
Status LmdbDatabase::FinishIndexDeletion(WriteContext& ctx, const std::string& table_name,
                                         uint32_t index_storage) {
  std::shared_ptr<const Table> table = Find(table_name);
  if (!table) return Status();
  TableDefinition updated = table->definition();
  auto it = std::find_if(updated.indexes.begin(), updated.indexes.end(),
                         [&](const IndexDefinition& x) { return x.storage_id == index_storage; });
  if (it == updated.indexes.end()) return Status();
  updated.indexes.erase(it);
  updated.SyncAttributeDefinitions();
  for (const auto& index : table->indexes()) {
    if (index->definition().storage_id == index_storage) {
      CIRRUS_RETURN_IF_ERROR(DropStorage(ctx, index->storage()));
    }
  }
  if (Status s = PutCatalog(ctx, updated); !s.ok()) return ctx.Abort(s);
  Publish(ctx, MakeTable(std::move(updated), table->storage(), table.get(), {}));
  return Status();
}

}  // namespace cirrus::db::lmdb
