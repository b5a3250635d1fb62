// Tables and indexes: the catalog changes, each a job that runs alone in its transaction, and
// the partition storages they create and drop.
#include <cassert>

#include "db/lmdb/engine.h"
#include "db/lmdb/jobs.h"
#include "db/lmdb/system_keys.h"

namespace cirrus::db::lmdb {

Result<std::shared_ptr<LmdbStorage>> LmdbDatabase::OpenStorage(MDB_txn* txn, uint32_t storage_id,
                                                               uint32_t count, bool create) {
  auto storage = std::make_shared<LmdbStorage>();
  storage->storage_id = storage_id;
  for (uint32_t p = 0; p < count; ++p) {
    MDB_dbi dbi;
    int rc =
        mdb_dbi_open(txn, PartitionDbName(storage_id, p).c_str(), create ? MDB_CREATE : 0, &dbi);
    if (rc != 0) return LmdbError(rc, "mdb_dbi_open(partition)");
    storage->dbis.push_back(dbi);
  }
  std::string skey = StorageKey(storage_id);
  MDB_val sk = Val(skey), sv;
  if (mdb_get(txn, dbs_.stats, &sk, &sv) == 0) {
    int64_t count_now, size;
    ReadStats(View(sv), &count_now, &size);
    storage->item_count = count_now;
    storage->size_bytes = size;
  }
  return storage;
}

Status LmdbDatabase::CheckRoom(unsigned count) const {
  if (open_partition_dbs_ + count + kSystemDbs > kMaxDbs) {
    return Status(ErrorKind::kLimitExceeded,
                  "Too many tables and indexes: this data directory holds at most " +
                      std::to_string(kMaxDbs - kSystemDbs) + " partitions");
  }
  return Status();
}

Result<std::shared_ptr<LmdbStorage>> LmdbDatabase::NewStorage(MDB_txn* txn, uint32_t count) {
  uint64_t stored_next;  // another process may have taken ids since this one loaded
  if (GetMeta(txn, kNextStorageIdKey, &stored_next)) {
    next_storage_id_ = std::max(next_storage_id_, static_cast<uint32_t>(stored_next));
  }
  uint32_t id = next_storage_id_++;
  CIRRUS_RETURN_IF_ERROR(PutMeta(txn, kNextStorageIdKey, next_storage_id_));
  std::string skey = StorageKey(id), svalue = StatsValue(0, 0);
  MDB_val sk = Val(skey), sv = Val(svalue);
  int rc = mdb_put(txn, dbs_.stats, &sk, &sv, 0);
  if (rc != 0) return LmdbError(rc, "mdb_put(stats)");
  return OpenStorage(txn, id, count, /*create=*/true);
}

std::shared_ptr<const Table> LmdbDatabase::MakeTable(
    TableDefinition def, std::shared_ptr<PartitionStorage> storage, const Table* previous,
    const std::map<uint32_t, std::shared_ptr<PartitionStorage>>& extra) const {
  std::vector<std::shared_ptr<const Index>> indexes;
  for (const IndexDefinition& x : def.indexes) {
    std::shared_ptr<PartitionStorage> index_storage;
    auto it = extra.find(x.storage_id);
    if (it != extra.end()) index_storage = it->second;
    if (!index_storage && previous) {
      for (const auto& old : previous->indexes()) {
        if (old->definition().storage_id == x.storage_id) index_storage = old->storage();
      }
    }
    assert(index_storage);
    indexes.push_back(std::make_shared<const Index>(x, def.key_schema, std::move(index_storage)));
  }
  return std::make_shared<const Table>(std::move(def), std::move(storage), std::move(indexes));
}

Status LmdbDatabase::PutCatalog(WriteContext& ctx, const TableDefinition& def) {
  ctx.CatalogChanged();
  std::string record = EncodeTableDefinition(def);
  MDB_val k = Val(def.name), v = Val(record);
  int rc = mdb_put(ctx.txn(), dbs_.catalog, &k, &v, 0);
  return rc == 0 ? Status() : ctx.Fail(rc, "mdb_put(catalog)");
}

void LmdbDatabase::Publish(WriteContext& ctx, std::shared_ptr<const Table> table) {
  ctx.OnCommit([this, table = std::move(table)] {
    std::lock_guard lock(catalog_mu_);
    tables_[table->name()] = table;
  });
}

Status LmdbDatabase::DropStorage(WriteContext& ctx,
                                 const std::shared_ptr<PartitionStorage>& storage) {
  for (MDB_dbi dbi : static_cast<const LmdbStorage&>(*storage).dbis) {
    int rc = mdb_drop(ctx.txn(), dbi, 0);
    if (rc != 0) return ctx.Fail(rc, "mdb_drop");
  }
  std::string skey = StorageKey(storage->storage_id);
  MDB_val sk = Val(skey);
  int rc = mdb_del(ctx.txn(), dbs_.stats, &sk, nullptr);
  if (rc != 0 && rc != MDB_NOTFOUND) return ctx.Fail(rc, "mdb_del(stats)");
  ctx.OnCommit([this, storage] { retired_.push_back(storage); });
  return Status();
}

void LmdbDatabase::CloseRetired() {
  std::vector<std::shared_ptr<PartitionStorage>> closable;
  for (auto it = retired_.begin(); it != retired_.end();) {
    if (it->use_count() == 1) {  // no Table (so no reader) uses its handles any more
      closable.push_back(std::move(*it));
      it = retired_.erase(it);
    } else {
      ++it;
    }
  }
  if (closable.empty()) return;
  MDB_txn* raw;
  if (mdb_txn_begin(env_, nullptr, 0, &raw) != 0) return;
  TxnHandle txn(raw);
  for (auto& storage : closable) {
    for (MDB_dbi dbi : static_cast<const LmdbStorage&>(*storage).dbis)
      mdb_drop(raw, dbi, 1);  // delete, close
  }
  if (txn.Commit() == 0) {
    for (auto& storage : closable) {
      open_partition_dbs_ -=
          static_cast<unsigned>(static_cast<const LmdbStorage&>(*storage).dbis.size());
    }
  }
  // On failure the handles stay open and the empty B-trees are dropped at the next start.
}

Result<std::shared_ptr<const Table>> LmdbDatabase::RunCatalogJob(
    std::function<Result<std::shared_ptr<const Table>>(WriteContext&)> fn) {
  auto job = std::make_unique<CatalogJob>(std::move(fn));
  auto future = job->future();
  Enqueue(std::move(job));
  return future.get();
}

namespace {

Status TableNotFound(std::string_view name) {
  return Status(ErrorKind::kResourceNotFound,
                "Requested resource not found: Table: " + std::string(name) + " not found");
}

}  // namespace

Result<std::shared_ptr<const Table>> LmdbDatabase::CreateTable(TableDefinition definition) {
  return RunCatalogJob([this, def = std::move(definition)](
                           WriteContext& ctx) mutable -> Result<std::shared_ptr<const Table>> {
    if (Find(def.name))
      return Status(ErrorKind::kResourceInUse, "Table already exists: " + def.name);
    assert(def.partition_count > 0 && (def.partition_count & (def.partition_count - 1)) == 0);
    unsigned partitions = def.partition_count;
    for (const IndexDefinition& x : def.indexes) partitions += x.partition_count;
    CIRRUS_RETURN_IF_ERROR(CheckRoom(partitions));
    Result<std::shared_ptr<LmdbStorage>> storage = NewStorage(ctx.txn(), def.partition_count);
    if (!storage.ok()) return ctx.Abort(storage.status());
    def.storage_id = (*storage)->storage_id;
    std::map<uint32_t, std::shared_ptr<PartitionStorage>> index_storages;
    for (IndexDefinition& x : def.indexes) {
      Result<std::shared_ptr<LmdbStorage>> s = NewStorage(ctx.txn(), x.partition_count);
      if (!s.ok()) return ctx.Abort(s.status());
      x.storage_id = (*s)->storage_id;
      x.status = IndexStatus::kActive;
      index_storages[x.storage_id] = std::move(*s);
    }
    if (def.stream.enabled) {
      if (Status s = OpenStream(ctx, def, ""); !s.ok()) return ctx.Abort(s);
    }
    if (Status s = PutCatalog(ctx, def); !s.ok()) return ctx.Abort(std::move(s));
    auto table = MakeTable(std::move(def), std::move(*storage), nullptr, index_storages);
    ctx.OnCommit([this, partitions] { open_partition_dbs_ += partitions; });
    Publish(ctx, table);
    return table;
  });
}

Result<std::shared_ptr<const Table>> LmdbDatabase::UpdateTable(
    std::string_view name, const std::function<Status(TableDefinition&)>& change) {
  return RunCatalogJob([this, name = std::string(name),
                        &change](WriteContext& ctx) -> Result<std::shared_ptr<const Table>> {
    std::shared_ptr<const Table> old = Find(name);
    if (!old) return TableNotFound(name);
    TableDefinition def = old->definition();
    CIRRUS_RETURN_IF_ERROR(change(def));
    // What storage depends on stays as it was; indexes change through CreateIndex and
    // DeleteIndex only (their provisioned throughput aside).
    def.name = old->definition().name;
    def.key_schema = old->definition().key_schema;
    def.storage_id = old->definition().storage_id;
    def.partition_count = old->definition().partition_count;
    std::vector<IndexDefinition> indexes = old->definition().indexes;
    for (IndexDefinition& x : indexes) {
      if (const IndexDefinition* changed = def.FindIndex(x.name)) {
        x.read_capacity_units = changed->read_capacity_units;
        x.write_capacity_units = changed->write_capacity_units;
      }
    }
    def.indexes = std::move(indexes);
    const StreamSettings& was = old->definition().stream;
    if (def.stream.enabled && !was.enabled) {
      if (Status s = OpenStream(ctx, def, was.label); !s.ok()) return ctx.Abort(s);
    } else if (!def.stream.enabled && was.enabled) {
      if (Status s = CloseStream(ctx, was.stream_id); !s.ok()) return ctx.Abort(s);
      def.stream = was;
      def.stream.enabled = false;
    } else {
      bool enabled = def.stream.enabled;
      def.stream = was;
      def.stream.enabled = enabled;
    }
    if (Status s = PutCatalog(ctx, def); !s.ok()) return ctx.Abort(s);
    auto table = MakeTable(std::move(def), old->storage(), old.get(), {});
    Publish(ctx, table);
    return table;
  });
}

Result<std::shared_ptr<const Table>> LmdbDatabase::DeleteTable(std::string_view name) {
  return RunCatalogJob(
      [this, name = std::string(name)](WriteContext& ctx) -> Result<std::shared_ptr<const Table>> {
        std::shared_ptr<const Table> table = Find(name);
        if (!table) return TableNotFound(name);
        // Empty the partitions now; their handles close once no reader holds the table.
        CIRRUS_RETURN_IF_ERROR(DropStorage(ctx, table->storage()));
        for (const auto& index : table->indexes())
          CIRRUS_RETURN_IF_ERROR(DropStorage(ctx, index->storage()));
        if (table->has_local_indexes()) {  // its item collection sizes
          std::string prefix = StorageKey(table->definition().storage_id);
          CursorHandle cursor;
          if (Status s = OpenCursor(ctx.txn(), dbs_.collections, "cursor(collections)", &cursor);
              !s.ok()) {
            return ctx.Abort(s);
          }
          MDB_val k = Val(prefix), v;
          int rc;
          for (rc = cursor.Get(&k, &v, MDB_SET_RANGE);
               rc == 0 && View(k).substr(0, prefix.size()) == prefix;
               rc = cursor.Get(&k, &v, MDB_NEXT)) {
            mdb_cursor_del(cursor.get(), 0);
          }
        }
        if (table->definition().stream.enabled) {
          CIRRUS_RETURN_IF_ERROR(CloseStream(ctx, table->definition().stream.stream_id));
        }
        MDB_val k = Val(name);
        ctx.CatalogChanged();
        int rc = mdb_del(ctx.txn(), dbs_.catalog, &k, nullptr);
        if (rc != 0) return ctx.Fail(rc, "mdb_del(catalog)");
        ctx.OnCommit([this, table] {
          std::lock_guard lock(catalog_mu_);
          tables_.erase(table->name());
        });
        return table;
      });
}

Result<std::shared_ptr<const Table>> LmdbDatabase::CreateIndex(std::string_view table_name,
                                                               IndexDefinition definition) {
  return RunCatalogJob([this, name = std::string(table_name), x = std::move(definition)](
                           WriteContext& ctx) mutable -> Result<std::shared_ptr<const Table>> {
    std::shared_ptr<const Table> old = Find(name);
    if (!old) return TableNotFound(name);
    if (old->FindIndex(x.name)) {
      return Status(ErrorKind::kValidation, "Attempting to create an index which already exists");
    }
    CIRRUS_RETURN_IF_ERROR(CheckRoom(x.partition_count));
    Result<std::shared_ptr<LmdbStorage>> storage = NewStorage(ctx.txn(), x.partition_count);
    if (!storage.ok()) return ctx.Abort(storage.status());
    x.storage_id = (*storage)->storage_id;
    x.status = IndexStatus::kCreating;
    TableDefinition def = old->definition();
    def.indexes.push_back(x);
    def.SyncAttributeDefinitions();
    if (Status s = PutCatalog(ctx, def); !s.ok()) return ctx.Abort(s);
    const uint32_t partitions = x.partition_count, storage_id = x.storage_id;
    auto table = MakeTable(std::move(def), old->storage(), old.get(), {{storage_id, *storage}});
    Publish(ctx, table);
    ctx.OnCommit([this, name, partitions, storage_id] {
      open_partition_dbs_ += partitions;
      StartBackfill(name, storage_id);
    });
    return table;
  });
}

Result<std::shared_ptr<const Table>> LmdbDatabase::DeleteIndex(std::string_view table_name,
                                                               std::string_view index_name) {
  return RunCatalogJob([this, name = std::string(table_name), index_name = std::string(index_name)](
                           WriteContext& ctx) -> Result<std::shared_ptr<const Table>> {
    std::shared_ptr<const Table> old = Find(name);
    if (!old) return TableNotFound(name);
    TableDefinition def = old->definition();
    IndexDefinition* x = nullptr;
    for (IndexDefinition& candidate : def.indexes) {
      if (candidate.name == index_name) x = &candidate;
    }
    if (!x) {
      return Status(ErrorKind::kResourceNotFound,
                    "Requested resource not found: Index: " + index_name + " not found");
    }
    x->status = IndexStatus::kDeleting;
    const uint32_t storage_id = x->storage_id;
    if (Status s = PutCatalog(ctx, def); !s.ok()) return ctx.Abort(s);
    auto table = MakeTable(std::move(def), old->storage(), old.get(), {});
    Publish(ctx, table);
    ctx.OnCommit([this, name, storage_id] { StartIndexDeletion(name, storage_id); });
    return table;
  });
}

}  // namespace cirrus::db::lmdb
