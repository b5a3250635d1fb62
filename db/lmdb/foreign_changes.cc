// Changes other processes made to the environment (cirrus import beside cirrusd): the catalog
// generation, reloading the catalog and statistics, and a map another process grew.
#include <cstdio>

#include "db/lmdb/engine.h"
#include "db/lmdb/jobs.h"
#include "db/lmdb/snapshot.h"
#include "db/lmdb/system_keys.h"

namespace cirrus::db::lmdb {

Status LmdbDatabase::RefreshIfChanged(MDB_txn** txn) {
  for (;;) {
    uint64_t seen = 0;
    GetMeta(*txn, kGenerationKey, &seen);
    if (seen == generation_) return Status();
    // Handles opened in a transaction that aborts are closed: this one commits, and only
    // then are the tables it opened published.
    TableMap fresh;
    Status s = Refresh(*txn, &fresh);
    int rc = s.ok() ? mdb_txn_commit(*txn) : (mdb_txn_abort(*txn), 0);
    *txn = nullptr;
    if (!s.ok()) return s;
    if (rc != 0) return LmdbError(rc, "mdb_txn_commit(refresh)");
    {
      std::lock_guard lock(catalog_mu_);
      tables_.swap(fresh);
    }
    generation_ = seen;
    // Another process committed: it may have recorded stream records.
    NotifyStreamChange();
    fresh.clear();  // the replaced tables; a storage no longer listed is another process's to drop
    rc = mdb_txn_begin(env_, nullptr, 0, txn);
    if (rc == MDB_MAP_RESIZED) {
      ResizeMap(0);
      rc = mdb_txn_begin(env_, nullptr, 0, txn);
    }
    if (rc != 0) {
      *txn = nullptr;
      return LmdbError(rc, "mdb_txn_begin");
    }
  }
}

// Reads the catalog and the statistics as another process left them into *fresh, reusing this
// process's Table objects (and B-tree handles) for what did not change.
Status LmdbDatabase::Refresh(MDB_txn* txn, TableMap* fresh) {
  TableMap current;
  {
    std::lock_guard lock(catalog_mu_);
    current = tables_;
  }
  std::map<uint32_t, std::shared_ptr<PartitionStorage>> known;
  for (const auto& [name, table] : current) {
    known[table->definition().storage_id] = table->storage();
    for (const auto& index : table->indexes())
      known[index->definition().storage_id] = index->storage();
  }
  {
    CursorHandle cursor;
    CIRRUS_RETURN_IF_ERROR(OpenCursor(txn, dbs_.catalog, "cursor(catalog)", &cursor));
    MDB_val k, v;
    int rc;
    for (rc = cursor.Get(&k, &v, MDB_FIRST); rc == 0; rc = cursor.Get(&k, &v, MDB_NEXT)) {
      std::string name(View(k));
      auto old = current.find(name);
      if (old != current.end() && EncodeTableDefinition(old->second->definition()) == View(v)) {
        (*fresh)[name] = old->second;
        continue;
      }
      CIRRUS_ASSIGN_OR_RETURN(TableDefinition def, DecodeTableDefinition(View(v)));
      std::map<uint32_t, std::shared_ptr<PartitionStorage>> storages;
      std::vector<std::pair<uint32_t, uint32_t>> ids = {{def.storage_id, def.partition_count}};
      for (const IndexDefinition& x : def.indexes)
        ids.emplace_back(x.storage_id, x.partition_count);
      for (const auto& [id, count] : ids) {
        auto it = known.find(id);
        if (it != known.end()) {
          storages[id] = it->second;
          continue;
        }
        CIRRUS_ASSIGN_OR_RETURN(storages[id], OpenStorage(txn, id, count, /*create=*/false));
      }
      const Table* previous =
          old != current.end() && old->second->definition().storage_id == def.storage_id
              ? old->second.get()
              : nullptr;
      std::shared_ptr<PartitionStorage> table_storage = storages[def.storage_id];
      (*fresh)[name] = MakeTable(std::move(def), std::move(table_storage), previous, storages);
    }
    if (rc != MDB_NOTFOUND) return LmdbError(rc, "cursor(catalog)");
  }
  // Statistics of everything, and the handle count.
  unsigned handles = 0;
  for (const auto& [name, table] : *fresh) {
    std::vector<PartitionStorage*> all = {table->storage().get()};
    for (const auto& index : table->indexes()) all.push_back(index->storage().get());
    for (PartitionStorage* storage : all) {
      handles += static_cast<unsigned>(static_cast<LmdbStorage*>(storage)->dbis.size());
      std::string key = StorageKey(storage->storage_id);
      MDB_val sk = Val(key), sv;
      if (mdb_get(txn, dbs_.stats, &sk, &sv) == 0) {
        int64_t count, size;
        ReadStats(View(sv), &count, &size);
        storage->item_count = count;
        storage->size_bytes = size;
      }
    }
  }
  for (const auto& storage : retired_) {
    handles += static_cast<unsigned>(static_cast<const LmdbStorage&>(*storage).dbis.size());
  }
  open_partition_dbs_ = handles;
  return Status();
}

void LmdbDatabase::PollForeignChanges() {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc == MDB_MAP_RESIZED) {
    ResizeMap(0);
    rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  }
  if (rc != 0) return;
  uint64_t seen = 0;
  GetMeta(txn, kGenerationKey, &seen);
  mdb_txn_abort(txn);
  if (seen == generation_) return;
  if (mdb_txn_begin(env_, nullptr, 0, &txn) != 0) return;
  Status s = RefreshIfChanged(&txn);
  if (!s.ok())
    std::fprintf(stderr, "cirrus db: cannot reload the catalog: %s\n", s.message().c_str());
  if (txn) mdb_txn_abort(txn);
}

void LmdbDatabase::SyncWithWriter() const {
  // An exclusive job runs alone at the start of a group, which adopts a grown map and
  // reloads what changed.
  auto job =
      std::make_unique<CatalogJob>([](WriteContext&) -> Result<std::shared_ptr<const Table>> {
        return std::shared_ptr<const Table>();
      });
  auto future = job->future();
  const_cast<LmdbDatabase*>(this)->Enqueue(std::move(job));
  (void)future.get();
}

bool LmdbDatabase::ForeignChanges() const {
  Result<LmdbSnapshot*> snapshot = const_cast<LmdbDatabase*>(this)->AcquireSnapshot();
  if (!snapshot.ok()) return false;
  uint64_t seen = 0;
  const bool known = GetMeta((*snapshot)->txn(), kGenerationKey, &seen);
  (*snapshot)->Release();
  return known && seen != generation_;
}

}  // namespace cirrus::db::lmdb
