// Opening the environment, loading the catalog, and the small public calls.
#include "db/lmdb/engine.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/file.h>
#include <sys/stat.h>

#include "db/bytes.h"
#include "db/lmdb/jobs.h"
#include "db/lmdb/snapshot.h"
#include "db/lmdb/system_keys.h"

namespace cirrus::db {

Result<std::unique_ptr<Database>> Database::Open(const Options& options) {
  return lmdb::LmdbDatabase::Open(options);
}

}  // namespace cirrus::db

namespace cirrus::db::lmdb {

LmdbDatabase::LmdbDatabase(const Options& options) : options_(options) {}

LmdbDatabase::~LmdbDatabase() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  free_snapshots_.clear();  // aborts their transactions
  tables_.clear();
  retired_.clear();
  if (env_) mdb_env_close(env_);
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

Result<std::unique_ptr<Database>> LmdbDatabase::Open(const Options& options) {
  if (mkdir(options.path.c_str(), 0755) != 0 && errno != EEXIST) {
    return InternalError("cannot create data directory " + options.path + ": " +
                         std::strerror(errno));
  }
  std::unique_ptr<LmdbDatabase> db(new LmdbDatabase(options));
  if (options.exclusive) {
    std::string lock_path = options.path + "/LOCK";
    db->lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (db->lock_fd_ < 0) {
      return InternalError("cannot open " + lock_path + ": " + std::strerror(errno));
    }
    if (flock(db->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return Status(ErrorKind::kResourceInUse,
                    "data directory " + options.path + " is in use by another process");
    }
  }
  int rc = mdb_env_create(&db->env_);
  if (rc != 0) return LmdbError(rc, "mdb_env_create");
  mdb_env_set_maxdbs(db->env_, kMaxDbs);
  mdb_env_set_maxreaders(db->env_, 1024);
  // NOTLS: a read transaction may move between threads (pooled); NORDAHEAD: random reads.
  // WRITEMAP: a write transaction builds its pages in the map itself rather than in heap
  // copies written back with pwrite at commit; writes that touch many pages (indexed items,
  // batches) cost half as much or less (benchmarks/micro/index_bench.cc). LMDB then sizes
  // the file to the map, which is why the map starts small and grows (GrowMap). Only the
  // process holding the directory maps it writable: another (cirrus tables) must not resize
  // the file under it.
  unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
  if (options.exclusive) flags |= MDB_WRITEMAP;
  db->current_map_size_ = std::min(options.map_size, options.initial_map_size);
  if (!options.sync) flags |= MDB_NOSYNC;
  mdb_env_set_mapsize(db->env_, db->current_map_size_);
  rc = mdb_env_open(db->env_, options.path.c_str(), flags, 0644);
  if (rc != 0) return LmdbError(rc, ("mdb_env_open(" + options.path + ")").c_str());
  MDB_envinfo info;
  mdb_env_info(db->env_, &info);
  db->current_map_size_ = info.me_mapsize;  // at least what the data already needs
  int dead;
  mdb_reader_check(db->env_, &dead);  // slots left by a crashed process
  CIRRUS_RETURN_IF_ERROR(db->Load());
  LmdbDatabase* raw = db.get();
  raw->writer_ = std::thread([raw] { raw->WriterLoop(); });
  // Index work a stop interrupted starts over (backfills are idempotent); it is the work of
  // the process owning the directory.
  if (options.exclusive) {
    std::lock_guard lock(raw->catalog_mu_);
    for (const auto& [name, table] : raw->tables_) {
      for (const auto& index : table->indexes()) {
        if (index->definition().status == IndexStatus::kCreating) {
          raw->StartBackfill(name, index->definition().storage_id);
        } else if (index->definition().status == IndexStatus::kDeleting) {
          raw->StartIndexDeletion(name, index->definition().storage_id);
        }
      }
    }
  }
  return std::unique_ptr<Database>(std::move(db));
}

Status LmdbDatabase::Load() {
  MDB_txn* raw_txn;
  int rc = mdb_txn_begin(env_, nullptr, 0, &raw_txn);
  if (rc != 0) return LmdbError(rc, "mdb_txn_begin");
  TxnHandle txn(raw_txn);
  if ((rc = mdb_dbi_open(raw_txn, "meta", MDB_CREATE, &dbs_.meta)) != 0 ||
      (rc = mdb_dbi_open(raw_txn, "catalog", MDB_CREATE, &dbs_.catalog)) != 0 ||
      (rc = mdb_dbi_open(raw_txn, "stats", MDB_CREATE, &dbs_.stats)) != 0 ||
      (rc = mdb_dbi_open(raw_txn, "collections", MDB_CREATE, &dbs_.collections)) != 0 ||
      (rc = mdb_dbi_open(raw_txn, "streams", MDB_CREATE, &dbs_.streams)) != 0 ||
      (rc = mdb_dbi_open(raw_txn, "stream_records", MDB_CREATE, &dbs_.records)) != 0 ||
      (rc = mdb_dbi_open(raw_txn, "settings", MDB_CREATE, &dbs_.settings)) != 0) {
    return LmdbError(rc, "mdb_dbi_open");
  }
  uint64_t version;
  if (!GetMeta(raw_txn, kFormatVersionKey, &version)) {
    CIRRUS_RETURN_IF_ERROR(PutMeta(raw_txn, kFormatVersionKey, kFormatVersion));
  } else if (version != kFormatVersion) {
    return InternalError("data directory has format version " + std::to_string(version) +
                         "; this build reads version " + std::to_string(kFormatVersion));
  }
  uint64_t next_id, seen_generation = 0;
  if (GetMeta(raw_txn, kNextStorageIdKey, &next_id))
    next_storage_id_ = static_cast<uint32_t>(next_id);
  GetMeta(raw_txn, kGenerationKey, &seen_generation);
  generation_ = seen_generation;

  // Tables and their indexes.
  std::vector<TableDefinition> definitions;
  {
    CursorHandle cursor;
    CIRRUS_RETURN_IF_ERROR(OpenCursor(raw_txn, dbs_.catalog, "cursor(catalog)", &cursor));
    MDB_val k, v;
    for (rc = cursor.Get(&k, &v, MDB_FIRST); rc == 0; rc = cursor.Get(&k, &v, MDB_NEXT)) {
      CIRRUS_ASSIGN_OR_RETURN(TableDefinition def, DecodeTableDefinition(View(v)));
      definitions.push_back(std::move(def));
    }
  }
  std::vector<std::string> live_partitions;
  for (TableDefinition& def : definitions) {
    std::map<uint32_t, std::shared_ptr<PartitionStorage>> storages;
    std::vector<std::pair<uint32_t, uint32_t>> ids = {{def.storage_id, def.partition_count}};
    for (const IndexDefinition& x : def.indexes) ids.emplace_back(x.storage_id, x.partition_count);
    for (const auto& [id, count] : ids) {
      CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<LmdbStorage> storage,
                              OpenStorage(raw_txn, id, count, /*create=*/true));
      storages[id] = std::move(storage);
      open_partition_dbs_ += count;
      for (uint32_t p = 0; p < count; ++p) live_partitions.push_back(PartitionDbName(id, p));
    }
    std::shared_ptr<PartitionStorage> table_storage = storages[def.storage_id];
    std::string name = def.name;
    tables_.emplace(std::move(name),
                    MakeTable(std::move(def), std::move(table_storage), nullptr, storages));
  }

  // Partitions of tables deleted before their B-trees were closed (a crash in between);
  // only the process owning the directory looks (for another, they may be in use).
  if (options_.exclusive) {
    std::vector<std::string> orphans;
    MDB_dbi main_dbi;  // the unnamed database: one record per named database
    if ((rc = mdb_dbi_open(raw_txn, nullptr, 0, &main_dbi)) != 0)
      return LmdbError(rc, "cursor(main)");
    {
      CursorHandle cursor;
      CIRRUS_RETURN_IF_ERROR(OpenCursor(raw_txn, main_dbi, "cursor(main)", &cursor));
      MDB_val k, v;
      for (rc = cursor.Get(&k, &v, MDB_FIRST); rc == 0; rc = cursor.Get(&k, &v, MDB_NEXT)) {
        std::string name(View(k));
        if (name.rfind("p:", 0) == 0 && std::find(live_partitions.begin(), live_partitions.end(),
                                                  name) == live_partitions.end()) {
          orphans.push_back(std::move(name));
        }
      }
    }
    for (const std::string& name : orphans) {
      MDB_dbi dbi;
      if (mdb_dbi_open(raw_txn, name.c_str(), 0, &dbi) == 0) mdb_drop(raw_txn, dbi, 1);
    }
  }
  rc = txn.Commit();
  return rc == 0 ? Status() : LmdbError(rc, "mdb_txn_commit");
}

std::shared_ptr<const Table> LmdbDatabase::Find(std::string_view name) const {
  std::lock_guard lock(catalog_mu_);
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second;
}

std::shared_ptr<const Table> LmdbDatabase::FindTable(std::string_view name) const {
  std::shared_ptr<const Table> table = Find(name);
  if (table) return table;
  // E.g. a table cirrus import just created. (Looking may itself have the writer catch up:
  // a read after another process grew the map does.)
  if (ForeignChanges()) SyncWithWriter();
  return Find(name);
}

std::vector<std::string> LmdbDatabase::TableNames() const {
  if (ForeignChanges()) SyncWithWriter();
  std::lock_guard lock(catalog_mu_);
  std::vector<std::string> names;
  names.reserve(tables_.size());
  for (const auto& [name, table] : tables_) names.push_back(name);
  return names;
}

bool LmdbDatabase::GetMeta(MDB_txn* txn, std::string_view key, uint64_t* value) const {
  MDB_val k = Val(key), v;
  if (mdb_get(txn, dbs_.meta, &k, &v) != 0) return false;
  ByteReader r(View(v));
  return r.Fixed64(value);
}

Status LmdbDatabase::PutMeta(MDB_txn* txn, std::string_view key, uint64_t value) const {
  std::string v;
  PutFixed64(value, &v);
  MDB_val k = Val(key), mv = Val(v);
  int rc = mdb_put(txn, dbs_.meta, &k, &mv, 0);
  return rc == 0 ? Status() : LmdbError(rc, "mdb_put(meta)");
}

uint64_t LmdbDatabase::stream_version() const { return stream_version_.load(); }

uint64_t LmdbDatabase::WaitForStreamChange(uint64_t seen, std::chrono::milliseconds timeout,
                                           const std::atomic<bool>* cancel) {
  std::unique_lock lock(stream_mu_);
  stream_cv_.wait_for(lock, timeout,
                      [&] { return stream_version_.load() != seen || (cancel && cancel->load()); });
  return stream_version_.load();
}

void LmdbDatabase::WakeStreamWaiters() {
  // Under the mutex: a waiter either sees its raised flag before it sleeps or is woken.
  std::lock_guard lock(stream_mu_);
  stream_cv_.notify_all();
}

void LmdbDatabase::NotifyStreamChange() {
  std::lock_guard lock(stream_mu_);
  stream_version_.fetch_add(1);
  stream_cv_.notify_all();
}

}  // namespace cirrus::db::lmdb
