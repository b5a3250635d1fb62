#include "db/database.h"

#include <lmdb.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "db/bytes.h"
#include "db/item_codec.h"
#include "db/tree_key.h"

namespace cirrus::db {

// Named databases the environment may hold: partitions of all tables plus our three. LMDB
// sizes per-transaction arrays by this number (8 KB-ish of copying per write transaction).
constexpr unsigned kMaxDbs = 8192;
constexpr unsigned kSystemDbs = 3;
constexpr uint64_t kFormatVersion = 1;

struct TableStorage {
  uint32_t storage_id = 0;
  std::vector<MDB_dbi> dbis;  // one per partition; valid while any Table holds this storage
  std::atomic<int64_t> item_count{0};
  std::atomic<int64_t> size_bytes{0};
};

namespace {

Status LmdbError(int rc, const char* what) {
  return InternalError(std::string(what) + ": " + mdb_strerror(rc));
}

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view View(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// The tree key of a stored key: the key itself when short, else built in *buffer.
std::string_view TreeKeyOf(std::string_view stored_key, std::string* buffer) {
  if (stored_key.size() <= kMaxInlineKey) return stored_key;
  AppendTreeKey(stored_key, buffer);
  return *buffer;
}

std::string PartitionDbName(uint32_t storage_id, uint32_t partition) {
  return "p:" + std::to_string(storage_id) + ":" + std::to_string(partition);
}

std::string StorageKey(uint32_t storage_id) {
  std::string key;
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(storage_id >> shift));
  return key;
}

std::string StatsValue(int64_t count, int64_t size) {
  std::string v;
  PutFixed64(static_cast<uint64_t>(count), &v);
  PutFixed64(static_cast<uint64_t>(size), &v);
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Table

Table::Table(TableDefinition definition, std::shared_ptr<TableStorage> storage)
    : definition_(std::move(definition)),
      codec_(definition_.key_schema),
      storage_(std::move(storage)) {}

Table::~Table() = default;

uint32_t Table::PartitionOfKey(std::string_view stored_key) const {
  return PartitionOf(KeyCodec::HashOf(stored_key), definition_.partition_count);
}

int64_t Table::item_count() const { return storage_->item_count.load(std::memory_order_relaxed); }
int64_t Table::size_bytes() const { return storage_->size_bytes.load(std::memory_order_relaxed); }
unsigned int Table::dbi(uint32_t partition) const { return storage_->dbis[partition]; }

// ---------------------------------------------------------------------------------------
// Reads

PartitionCursor::PartitionCursor(PartitionCursor&& other) noexcept
    : cursor_(std::exchange(other.cursor_, nullptr)),
      codec_(other.codec_),
      valid_(other.valid_),
      raw_key_(other.raw_key_),
      raw_value_(other.raw_value_),
      key_(other.key_),
      value_(other.value_),
      run_(std::move(other.run_)),
      run_pos_(other.run_pos_),
      status_(std::move(other.status_)) {
  if (!run_.empty() && valid_) {
    key_ = run_[run_pos_].first;  // the moved strings may live elsewhere now
  }
}

PartitionCursor::~PartitionCursor() {
  if (cursor_) mdb_cursor_close(cursor_);
}

bool PartitionCursor::Invalid(Status status) {
  status_ = std::move(status);
  valid_ = false;
  return false;
}

bool PartitionCursor::Raw(int op, std::string_view tree_key) {
  MDB_val k = Val(tree_key), v{0, nullptr};
  int rc = mdb_cursor_get(cursor_, &k, &v, static_cast<MDB_cursor_op>(op));
  if (rc == 0) {
    raw_key_ = View(k);
    raw_value_ = View(v);
    return true;
  }
  valid_ = false;
  if (rc != MDB_NOTFOUND) status_ = LmdbError(rc, "mdb_cursor_get");
  return false;
}

bool PartitionCursor::Settle(bool forward) {
  run_.clear();
  if (!IsDigestTreeKey(raw_key_)) {
    key_ = raw_key_;
    value_ = raw_value_;
    return valid_ = true;
  }
  // A run: every digest key sharing this one's first kMaxInlineKey bytes. Read it whole,
  // leave the LMDB cursor on its far end in the direction of travel, sort by stored key.
  const std::string prefix(raw_key_.substr(0, kMaxInlineKey));
  std::string far_end;
  do {
    Result<Item> item = DecodeItem(raw_value_);
    if (!item.ok()) return Invalid(item.status());
    std::string stored;
    Status s = codec_->EncodeKeyOf(*item, &stored);
    if (!s.ok()) return Invalid(InternalError("stored item without its key: " + s.message()));
    run_.emplace_back(std::move(stored), raw_value_);
    far_end = std::string(raw_key_);
  } while (Raw(forward ? MDB_NEXT : MDB_PREV) && IsDigestTreeKey(raw_key_) &&
           raw_key_.substr(0, kMaxInlineKey) == prefix);
  if (!status_.ok()) return Invalid(status_);
  if (!Raw(MDB_SET_KEY, far_end)) return Invalid(status_.ok() ? InternalError("run vanished") : status_);
  std::sort(run_.begin(), run_.end());
  run_pos_ = forward ? 0 : run_.size() - 1;
  key_ = run_[run_pos_].first;
  value_ = run_[run_pos_].second;
  return valid_ = true;
}

bool PartitionCursor::SeekForward(std::string_view key, bool inclusive) {
  // A long key's run starts at its first kMaxInlineKey bytes (tree_key.h).
  std::string_view target = key.size() > kMaxInlineKey ? key.substr(0, kMaxInlineKey) : key;
  if (!Raw(MDB_SET_RANGE, target) || !Settle(true)) return false;
  while (valid_ && (key_ < key || (!inclusive && key_ == key))) Next();
  return valid_;
}

bool PartitionCursor::SeekBackward(std::string_view key, bool inclusive) {
  bool found;
  if (key.empty()) {
    found = Raw(MDB_LAST);
  } else if (key.size() > kMaxInlineKey) {
    // Past the end of the run that could hold `key`, then back.
    std::string end = PrefixSuccessor(key.substr(0, kMaxInlineKey));
    found = (end.empty() || !Raw(MDB_SET_RANGE, end)) ? status_.ok() && Raw(MDB_LAST) : Raw(MDB_PREV);
  } else if (!Raw(MDB_SET_RANGE, key)) {
    found = status_.ok() && Raw(MDB_LAST);
  } else {
    found = (raw_key_ == key && inclusive) || Raw(MDB_PREV);
  }
  if (!found || !Settle(false)) return false;
  while (valid_ && !key.empty() && (key_ > key || (!inclusive && key_ == key))) Prev();
  return valid_;
}

bool PartitionCursor::Next() {
  if (!run_.empty() && run_pos_ + 1 < run_.size()) {
    ++run_pos_;
    key_ = run_[run_pos_].first;
    value_ = run_[run_pos_].second;
    return true;
  }
  return Raw(MDB_NEXT) && Settle(true);
}

bool PartitionCursor::Prev() {
  if (!run_.empty() && run_pos_ > 0) {
    --run_pos_;
    key_ = run_[run_pos_].first;
    value_ = run_[run_pos_].second;
    return true;
  }
  return Raw(MDB_PREV) && Settle(false);
}

ReadView::ReadView(ReadView&& other) noexcept
    : db_(other.db_), txn_(std::exchange(other.txn_, nullptr)) {}

ReadView::~ReadView() {
  if (txn_) db_->ReleaseReader(txn_);
}

Result<std::optional<std::string_view>> ReadView::Get(const Table& table,
                                                      std::string_view stored_key) {
  std::string buffer;
  MDB_val k = Val(TreeKeyOf(stored_key, &buffer)), v;
  int rc = mdb_get(txn_, table.dbi(table.PartitionOfKey(stored_key)), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return LmdbError(rc, "mdb_get");
  return std::optional<std::string_view>(View(v));
}

Result<PartitionCursor> ReadView::OpenCursor(const Table& table, uint32_t partition) {
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn_, table.dbi(partition), &cursor);
  if (rc != 0) return LmdbError(rc, "mdb_cursor_open");
  return PartitionCursor(cursor, &table.codec());
}

// ---------------------------------------------------------------------------------------
// Mutations

Mutation Mutation::Put(Item item, size_t item_size) {
  Mutation m;
  m.kind_ = Kind::kPut;
  m.item_ = std::move(item);
  m.item_size_ = item_size;
  return m;
}

Mutation Mutation::Delete() {
  Mutation m;
  m.kind_ = Kind::kDelete;
  return m;
}

Mutation Mutation::Keep() { return Mutation(); }

// One write transaction of the writer thread, with what it changed in memory-visible state
// (statistics, catalog) deferred until it commits.
class WriteContext {
 public:
  WriteContext(MDB_txn* txn, MDB_dbi stats_dbi) : txn_(txn), stats_dbi_(stats_dbi) {}

  MDB_txn* txn() const { return txn_; }
  // An LMDB call failed: the transaction must abort (the group is then retried job by job).
  bool failed() const { return failed_; }
  Status Fail(int rc, const char* what) { return Abort(LmdbError(rc, what)); }
  Status Abort(Status status) {
    failed_ = true;
    return status;
  }

  // Item-level access to a table's partitions. Get: NotFound is an empty optional.
  Result<std::optional<std::string_view>> Get(const Table& table, std::string_view key) {
    std::string buffer;
    MDB_val k = Val(TreeKeyOf(key, &buffer)), v;
    int rc = mdb_get(txn_, table.dbi(table.PartitionOfKey(key)), &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
    if (rc != 0) return Fail(rc, "mdb_get");
    return std::optional<std::string_view>(View(v));
  }
  Status Put(const Table& table, std::string_view key, std::string_view value) {
    std::string buffer;
    MDB_val k = Val(TreeKeyOf(key, &buffer)), v = Val(value);
    int rc = mdb_put(txn_, table.dbi(table.PartitionOfKey(key)), &k, &v, 0);
    return rc == 0 ? Status() : Fail(rc, "mdb_put");
  }
  Status Delete(const Table& table, std::string_view key) {
    std::string buffer;
    MDB_val k = Val(TreeKeyOf(key, &buffer));
    int rc = mdb_del(txn_, table.dbi(table.PartitionOfKey(key)), &k, nullptr);
    return rc == 0 ? Status() : Fail(rc, "mdb_del");
  }

  // Changes of the table's item count and size, published when the transaction commits.
  void AddDelta(const Table& table, int64_t count, int64_t size) {
    Delta& d = deltas_[table.storage_.get()];
    d.storage = table.storage_;
    d.count += count;
    d.size += size;
  }
  void OnCommit(std::function<void()> fn) { on_commit_.push_back(std::move(fn)); }

  // Writes the new statistics of every table touched; called once, before commit.
  Status FlushStats() {
    for (auto& [ptr, d] : deltas_) {
      std::string key = StorageKey(ptr->storage_id);
      std::string value = StatsValue(ptr->item_count + d.count, ptr->size_bytes + d.size);
      MDB_val k = Val(key), v = Val(value);
      int rc = mdb_put(txn_, stats_dbi_, &k, &v, 0);
      if (rc != 0) return Fail(rc, "mdb_put(stats)");
    }
    return Status();
  }

  // After a successful commit.
  void Committed() {
    for (auto& [ptr, d] : deltas_) {
      ptr->item_count += d.count;
      ptr->size_bytes += d.size;
    }
    for (auto& fn : on_commit_) fn();
  }

 private:
  struct Delta {
    std::shared_ptr<TableStorage> storage;
    int64_t count = 0;
    int64_t size = 0;
  };
  MDB_txn* txn_;
  MDB_dbi stats_dbi_;
  bool failed_ = false;
  std::unordered_map<TableStorage*, Delta> deltas_;
  std::vector<std::function<void()>> on_commit_;
};

// A unit of work for the writer thread.
class Job {
 public:
  virtual ~Job() = default;
  // Catalog changes run alone in their own transaction (they open and close B-tree handles,
  // which LMDB allows only in a transaction that is the process's only user of them).
  virtual bool exclusive() const { return false; }
  // Applies the job in ctx. A non-OK result with !ctx.failed() means the job changed nothing.
  // May run again in a fresh transaction when its group failed.
  virtual Status Apply(WriteContext& ctx) = 0;
  // Runs once, after the job's transaction committed (status from Apply) or failed.
  virtual void Finish(Status status) = 0;
};

namespace {

class BatchJob : public Job {
 public:
  BatchJob(WriteBatch* batch, std::function<void(Status)> done)
      : batch_(batch), done_(std::move(done)) {}

  Status Apply(WriteContext& ctx) override {
    // Phase 1: read current images and decide, writing nothing, so that a failed decision
    // leaves the transaction as it was.
    for (ItemWrite& w : batch_->writes) {
      CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> stored, ctx.Get(*w.table, w.key));
      w.existed = stored.has_value();
      w.old_size = w.existed ? StoredItemSize(*stored) : 0;
      // The current item, decoded straight into old_image when the caller wants it (also
      // when `decide` then fails: ReturnValuesOnConditionCheckFailure).
      std::optional<Item> local;
      std::optional<Item>& current = w.want_old_image ? w.old_image : local;
      current.reset();
      if (w.existed && (w.decide || w.check || w.want_old_image)) {
        CIRRUS_ASSIGN_OR_RETURN(current, DecodeItem(*stored));
      }
      if (w.decide) {
        CIRRUS_ASSIGN_OR_RETURN(w.applied, w.decide(current ? &*current : nullptr));
      } else if (w.check) {
        CIRRUS_RETURN_IF_ERROR(w.check(current ? &*current : nullptr));
      }
    }
    // Phase 2: write. Only LMDB can fail from here on, and then the transaction aborts.
    // Streams and secondary indexes hook in here: both images are at hand, in the txn.
    std::string encoded;
    for (ItemWrite& w : batch_->writes) {
      const Mutation& m = w.decide ? w.applied : w.mutation;
      switch (m.kind()) {
        case Mutation::Kind::kKeep:
          w.new_size = w.old_size;
          break;
        case Mutation::Kind::kPut:
          encoded.clear();
          EncodeItem(m.item(), m.item_size(), &encoded);
          CIRRUS_RETURN_IF_ERROR(ctx.Put(*w.table, w.key, encoded));
          w.new_size = m.item_size();
          ctx.AddDelta(*w.table, w.existed ? 0 : 1,
                       static_cast<int64_t>(w.new_size) - static_cast<int64_t>(w.old_size));
          break;
        case Mutation::Kind::kDelete:
          w.new_size = 0;
          if (w.existed) {
            CIRRUS_RETURN_IF_ERROR(ctx.Delete(*w.table, w.key));
            ctx.AddDelta(*w.table, -1, -static_cast<int64_t>(w.old_size));
          }
          break;
      }
    }
    return Status();
  }

  void Finish(Status status) override { done_(std::move(status)); }

 private:
  WriteBatch* batch_;
  std::function<void(Status)> done_;
};

// A catalog change: runs `apply`, then hands its result to a waiting caller.
class CatalogJob : public Job {
 public:
  using Fn = std::function<Result<std::shared_ptr<const Table>>(WriteContext&)>;
  explicit CatalogJob(Fn fn) : fn_(std::move(fn)) {}

  bool exclusive() const override { return true; }
  Status Apply(WriteContext& ctx) override {
    Result<std::shared_ptr<const Table>> r = fn_(ctx);
    if (!r.ok()) return r.status();
    table_ = *r;
    return Status();
  }
  void Finish(Status status) override {
    if (status.ok()) {
      promise_.set_value(table_);
    } else {
      promise_.set_value(std::move(status));
    }
  }
  std::future<Result<std::shared_ptr<const Table>>> future() { return promise_.get_future(); }

 private:
  Fn fn_;
  std::shared_ptr<const Table> table_;
  std::promise<Result<std::shared_ptr<const Table>>> promise_;
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Database

class Database::Impl {
 public:
  Options options;
  MDB_env* env = nullptr;
  MDB_dbi meta_dbi = 0, catalog_dbi = 0, stats_dbi = 0;

  mutable std::mutex catalog_mu;
  std::map<std::string, std::shared_ptr<const Table>, std::less<>> tables;  // guarded by catalog_mu

  std::mutex readers_mu;
  std::vector<MDB_txn*> free_readers;  // reset read transactions; guarded by readers_mu

  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<std::unique_ptr<Job>> queue;  // guarded by queue_mu
  bool stopping = false;                   // guarded by queue_mu
  std::thread writer;

  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> committed_jobs{0};

  // Writer thread only:
  uint32_t next_storage_id = 1;
  unsigned open_partition_dbs = 0;
  std::vector<std::shared_ptr<TableStorage>> retired;  // deleted; closed once unreferenced

  int lock_fd = -1;  // flock'ed LOCK file when exclusive

  ~Impl() {
    for (MDB_txn* txn : free_readers) mdb_txn_abort(txn);
    if (env) mdb_env_close(env);
    if (lock_fd >= 0) close(lock_fd);  // releases the flock
  }

  Status Load();
  void Enqueue(std::unique_ptr<Job> job);
  void WriterLoop();
  void RunGroup(std::vector<std::unique_ptr<Job>>& jobs);
  void CloseRetired();

  std::shared_ptr<const Table> Find(std::string_view name) const {
    std::lock_guard lock(catalog_mu);
    auto it = tables.find(name);
    return it == tables.end() ? nullptr : it->second;
  }

  Status OpenPartitions(MDB_txn* txn, TableStorage* storage, uint32_t count, bool create) {
    for (uint32_t p = 0; p < count; ++p) {
      MDB_dbi dbi;
      int rc = mdb_dbi_open(txn, PartitionDbName(storage->storage_id, p).c_str(),
                            create ? MDB_CREATE : 0, &dbi);
      if (rc != 0) return LmdbError(rc, "mdb_dbi_open(partition)");
      storage->dbis.push_back(dbi);
    }
    return Status();
  }

  Status PutMeta(MDB_txn* txn, std::string_view key, uint64_t value) {
    std::string v;
    PutFixed64(value, &v);
    MDB_val k = Val(key), mv = Val(v);
    int rc = mdb_put(txn, meta_dbi, &k, &mv, 0);
    return rc == 0 ? Status() : LmdbError(rc, "mdb_put(meta)");
  }
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Database>> Database::Open(const Options& options) {
  if (mkdir(options.path.c_str(), 0755) != 0 && errno != EEXIST) {
    return InternalError("cannot create data directory " + options.path + ": " +
                         std::strerror(errno));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.exclusive) {
    std::string lock_path = options.path + "/LOCK";
    impl->lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (impl->lock_fd < 0) {
      return InternalError("cannot open " + lock_path + ": " + std::strerror(errno));
    }
    if (flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
      return Status(ErrorKind::kResourceInUse,
                    "data directory " + options.path + " is in use by another process");
    }
  }
  int rc = mdb_env_create(&impl->env);
  if (rc != 0) return LmdbError(rc, "mdb_env_create");
  mdb_env_set_maxdbs(impl->env, kMaxDbs);
  mdb_env_set_mapsize(impl->env, options.map_size);
  mdb_env_set_maxreaders(impl->env, 1024);
  // NOTLS: a read transaction may move between threads (pooled); NORDAHEAD: random reads.
  unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
  if (!options.sync) flags |= MDB_NOSYNC;
  rc = mdb_env_open(impl->env, options.path.c_str(), flags, 0644);
  if (rc != 0) return LmdbError(rc, ("mdb_env_open(" + options.path + ")").c_str());
  int dead;
  mdb_reader_check(impl->env, &dead);  // slots left by a crashed process
  CIRRUS_RETURN_IF_ERROR(impl->Load());
  Impl* raw = impl.get();
  raw->writer = std::thread([raw] { raw->WriterLoop(); });
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

Status Database::Impl::Load() {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env, nullptr, 0, &txn);
  if (rc != 0) return LmdbError(rc, "mdb_txn_begin");
  auto fail = [&](Status s) {
    mdb_txn_abort(txn);
    return s;
  };
  if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &meta_dbi)) != 0 ||
      (rc = mdb_dbi_open(txn, "catalog", MDB_CREATE, &catalog_dbi)) != 0 ||
      (rc = mdb_dbi_open(txn, "stats", MDB_CREATE, &stats_dbi)) != 0) {
    return fail(LmdbError(rc, "mdb_dbi_open"));
  }
  auto get_meta = [&](std::string_view key, uint64_t* value) {
    MDB_val k = Val(key), v;
    if (mdb_get(txn, meta_dbi, &k, &v) != 0) return false;
    ByteReader r(View(v));
    return r.Fixed64(value);
  };
  uint64_t version;
  if (!get_meta("format_version", &version)) {
    Status s = PutMeta(txn, "format_version", kFormatVersion);
    if (!s.ok()) return fail(s);
  } else if (version != kFormatVersion) {
    return fail(InternalError("data directory has format version " + std::to_string(version) +
                              "; this build reads version " + std::to_string(kFormatVersion)));
  }
  uint64_t next_id;
  if (get_meta("next_storage_id", &next_id)) next_storage_id = static_cast<uint32_t>(next_id);

  // Tables.
  std::vector<std::string> live_partitions;
  MDB_cursor* cursor;
  if ((rc = mdb_cursor_open(txn, catalog_dbi, &cursor)) != 0) {
    return fail(LmdbError(rc, "cursor(catalog)"));
  }
  MDB_val k, v;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    Result<TableDefinition> def = DecodeTableDefinition(View(v));
    if (!def.ok()) {
      mdb_cursor_close(cursor);
      return fail(def.status());
    }
    auto storage = std::make_shared<TableStorage>();
    storage->storage_id = def->storage_id;
    Status s = OpenPartitions(txn, storage.get(), def->partition_count, /*create=*/true);
    if (!s.ok()) {
      mdb_cursor_close(cursor);
      return fail(s);
    }
    open_partition_dbs += def->partition_count;
    for (uint32_t p = 0; p < def->partition_count; ++p) {
      live_partitions.push_back(PartitionDbName(def->storage_id, p));
    }
    std::string skey = StorageKey(def->storage_id);
    MDB_val sk = Val(skey), sv;
    if (mdb_get(txn, stats_dbi, &sk, &sv) == 0) {
      ByteReader r(View(sv));
      uint64_t count = 0, size = 0;
      r.Fixed64(&count);
      r.Fixed64(&size);
      storage->item_count = static_cast<int64_t>(count);
      storage->size_bytes = static_cast<int64_t>(size);
    }
    std::string name = def->name;
    tables.emplace(std::move(name), std::make_shared<Table>(std::move(*def), std::move(storage)));
  }
  mdb_cursor_close(cursor);

  // Partitions of tables deleted before their B-trees were closed (a crash in between).
  std::vector<std::string> orphans;
  MDB_dbi main_dbi;  // the unnamed database: one record per named database
  if ((rc = mdb_dbi_open(txn, nullptr, 0, &main_dbi)) != 0 ||
      (rc = mdb_cursor_open(txn, main_dbi, &cursor)) != 0) {
    return fail(LmdbError(rc, "cursor(main)"));
  }
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    std::string name(View(k));
    if (name.rfind("p:", 0) == 0 &&
        std::find(live_partitions.begin(), live_partitions.end(), name) == live_partitions.end()) {
      orphans.push_back(std::move(name));
    }
  }
  mdb_cursor_close(cursor);
  for (const std::string& name : orphans) {
    MDB_dbi dbi;
    if (mdb_dbi_open(txn, name.c_str(), 0, &dbi) == 0) mdb_drop(txn, dbi, 1);
  }
  rc = mdb_txn_commit(txn);
  return rc == 0 ? Status() : LmdbError(rc, "mdb_txn_commit");
}

Database::~Database() {
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

void Database::Impl::Enqueue(std::unique_ptr<Job> job) {
  {
    std::lock_guard lock(queue_mu);
    if (!stopping) {
      queue.push_back(std::move(job));
      job = nullptr;
    }
  }
  if (job) {
    job->Finish(InternalError("the database is shutting down"));
    return;
  }
  queue_cv.notify_one();
}

void Database::Impl::WriterLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Job>> jobs;
    {
      std::unique_lock lock(queue_mu);
      if (retired.empty()) {
        queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
      } else {
        queue_cv.wait_for(lock, std::chrono::milliseconds(200),
                          [&] { return stopping || !queue.empty(); });
      }
      if (queue.empty() && stopping) break;
      // A group: the queued batches up to the next catalog change, or that change alone.
      while (!queue.empty() && jobs.size() < options.max_group) {
        bool exclusive = queue.front()->exclusive();
        if (exclusive && !jobs.empty()) break;
        jobs.push_back(std::move(queue.front()));
        queue.pop_front();
        if (exclusive) break;
      }
    }
    if (!jobs.empty()) RunGroup(jobs);
    jobs.clear();  // drop finished jobs' table references before looking at retired tables
    if (!retired.empty()) CloseRetired();
  }
}

void Database::Impl::RunGroup(std::vector<std::unique_ptr<Job>>& jobs) {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env, nullptr, 0, &txn);
  if (rc != 0) {
    for (auto& job : jobs) job->Finish(LmdbError(rc, "mdb_txn_begin"));
    return;
  }
  WriteContext ctx(txn, stats_dbi);
  std::vector<Status> results;
  results.reserve(jobs.size());
  Status failure;
  for (auto& job : jobs) {
    results.push_back(job->Apply(ctx));
    if (ctx.failed()) {
      failure = results.back();
      break;
    }
  }
  if (!ctx.failed()) failure = ctx.FlushStats();
  if (!ctx.failed()) {
    rc = mdb_txn_commit(txn);  // fsyncs unless --sync=none
    if (rc == 0) {
      commits.fetch_add(1, std::memory_order_relaxed);
      committed_jobs.fetch_add(jobs.size(), std::memory_order_relaxed);
      ctx.Committed();
      for (size_t i = 0; i < jobs.size(); ++i) jobs[i]->Finish(std::move(results[i]));
      return;
    }
    failure = LmdbError(rc, "mdb_txn_commit");
  } else {
    mdb_txn_abort(txn);
  }
  // The group failed as a whole (map full, I/O error...): retry each job on its own so that
  // one job's failure is only its own.
  if (jobs.size() == 1) {
    jobs[0]->Finish(std::move(failure));
    return;
  }
  for (auto& job : jobs) {
    std::vector<std::unique_ptr<Job>> single;
    single.push_back(std::move(job));
    RunGroup(single);
  }
}

void Database::Impl::CloseRetired() {
  std::vector<std::shared_ptr<TableStorage>> closable;
  for (auto it = retired.begin(); it != retired.end();) {
    if (it->use_count() == 1) {  // no Table (so no reader) uses its handles any more
      closable.push_back(std::move(*it));
      it = retired.erase(it);
    } else {
      ++it;
    }
  }
  if (closable.empty()) return;
  MDB_txn* txn;
  if (mdb_txn_begin(env, nullptr, 0, &txn) != 0) return;
  for (auto& storage : closable) {
    for (MDB_dbi dbi : storage->dbis) mdb_drop(txn, dbi, 1);  // delete the B-tree, close it
  }
  if (mdb_txn_commit(txn) == 0) {
    for (auto& storage : closable) open_partition_dbs -= storage->dbis.size();
  }
  // On failure the handles stay open and the empty B-trees are dropped at the next start.
}

Result<std::shared_ptr<const Table>> Database::CreateTable(TableDefinition definition) {
  Impl* impl = impl_.get();
  auto job = std::make_unique<CatalogJob>(
      [impl, def = std::move(definition)](
          WriteContext& ctx) mutable -> Result<std::shared_ptr<const Table>> {
        if (impl->Find(def.name)) {
          return Status(ErrorKind::kResourceInUse, "Table already exists: " + def.name);
        }
        assert(def.partition_count > 0 && (def.partition_count & (def.partition_count - 1)) == 0);
        if (impl->open_partition_dbs + def.partition_count + kSystemDbs > kMaxDbs) {
          return Status(ErrorKind::kLimitExceeded,
                        "Too many tables: this data directory holds at most " +
                            std::to_string(kMaxDbs - kSystemDbs) + " table partitions");
        }
        auto storage = std::make_shared<TableStorage>();
        def.storage_id = impl->next_storage_id++;
        storage->storage_id = def.storage_id;
        Status s = impl->PutMeta(ctx.txn(), "next_storage_id", impl->next_storage_id);
        if (s.ok()) s = impl->OpenPartitions(ctx.txn(), storage.get(), def.partition_count, true);
        std::string name = def.name, record = EncodeTableDefinition(def);
        std::string skey = StorageKey(def.storage_id), svalue = StatsValue(0, 0);
        MDB_val k = Val(name), v = Val(record), sk = Val(skey), sv = Val(svalue);
        int rc = 0;
        if (s.ok() && ((rc = mdb_put(ctx.txn(), impl->catalog_dbi, &k, &v, 0)) != 0 ||
                       (rc = mdb_put(ctx.txn(), impl->stats_dbi, &sk, &sv, 0)) != 0)) {
          s = LmdbError(rc, "mdb_put(catalog)");
        }
        if (!s.ok()) return ctx.Abort(std::move(s));
        auto table = std::make_shared<const Table>(std::move(def), std::move(storage));
        ctx.OnCommit([impl, table] {
          impl->open_partition_dbs += table->partition_count();
          std::lock_guard lock(impl->catalog_mu);
          impl->tables[table->name()] = table;
        });
        return table;
      });
  auto future = job->future();
  impl_->Enqueue(std::move(job));
  return future.get();
}

Result<std::shared_ptr<const Table>> Database::UpdateTable(
    std::string_view name, const std::function<Status(TableDefinition&)>& change) {
  Impl* impl = impl_.get();
  auto job = std::make_unique<CatalogJob>(
      [impl, name = std::string(name),
       &change](WriteContext& ctx) -> Result<std::shared_ptr<const Table>> {
        std::shared_ptr<const Table> old = impl->Find(name);
        if (!old) {
          return Status(ErrorKind::kResourceNotFound,
                        "Requested resource not found: Table: " + name + " not found");
        }
        TableDefinition def = old->definition();
        CIRRUS_RETURN_IF_ERROR(change(def));
        // What storage depends on stays as it was.
        def.name = old->definition().name;
        def.key_schema = old->definition().key_schema;
        def.storage_id = old->definition().storage_id;
        def.partition_count = old->definition().partition_count;
        std::string record = EncodeTableDefinition(def);
        MDB_val k = Val(name), v = Val(record);
        int rc = mdb_put(ctx.txn(), impl->catalog_dbi, &k, &v, 0);
        if (rc != 0) return ctx.Fail(rc, "mdb_put(catalog)");
        auto table = std::make_shared<const Table>(std::move(def), old->storage_);
        ctx.OnCommit([impl, table] {
          std::lock_guard lock(impl->catalog_mu);
          impl->tables[table->name()] = table;
        });
        return table;
      });
  auto future = job->future();
  impl_->Enqueue(std::move(job));
  return future.get();
}

Result<std::shared_ptr<const Table>> Database::DeleteTable(std::string_view name) {
  Impl* impl = impl_.get();
  auto job = std::make_unique<CatalogJob>(
      [impl, name = std::string(name)](WriteContext& ctx) -> Result<std::shared_ptr<const Table>> {
        std::shared_ptr<const Table> table = impl->Find(name);
        if (!table) {
          return Status(ErrorKind::kResourceNotFound,
                        "Requested resource not found: Table: " + name + " not found");
        }
        // Empty the partitions now; their handles close once no reader holds the table.
        for (uint32_t p = 0; p < table->partition_count(); ++p) {
          int rc = mdb_drop(ctx.txn(), table->dbi(p), 0);
          if (rc != 0) return ctx.Fail(rc, "mdb_drop");
        }
        std::string skey = StorageKey(table->definition().storage_id);
        MDB_val k = Val(name), sk = Val(skey);
        int rc = mdb_del(ctx.txn(), impl->catalog_dbi, &k, nullptr);
        if (rc != 0) return ctx.Fail(rc, "mdb_del(catalog)");
        rc = mdb_del(ctx.txn(), impl->stats_dbi, &sk, nullptr);
        if (rc != 0 && rc != MDB_NOTFOUND) return ctx.Fail(rc, "mdb_del(stats)");
        ctx.OnCommit([impl, table] {
          {
            std::lock_guard lock(impl->catalog_mu);
            impl->tables.erase(table->name());
          }
          impl->retired.push_back(table->storage_);
        });
        return table;
      });
  auto future = job->future();
  impl_->Enqueue(std::move(job));
  return future.get();
}

std::shared_ptr<const Table> Database::FindTable(std::string_view name) const {
  return impl_->Find(name);
}

std::vector<std::string> Database::TableNames() const {
  std::lock_guard lock(impl_->catalog_mu);
  std::vector<std::string> names;
  names.reserve(impl_->tables.size());
  for (const auto& [name, table] : impl_->tables) names.push_back(name);
  return names;
}

Result<ReadView> Database::Read() {
  MDB_txn* txn = nullptr;
  {
    std::lock_guard lock(impl_->readers_mu);
    if (!impl_->free_readers.empty()) {
      txn = impl_->free_readers.back();
      impl_->free_readers.pop_back();
    }
  }
  if (txn) {
    int rc = mdb_txn_renew(txn);
    if (rc != 0) {
      mdb_txn_abort(txn);
      return LmdbError(rc, "mdb_txn_renew");
    }
  } else {
    int rc = mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &txn);
    if (rc != 0) return LmdbError(rc, "mdb_txn_begin(read)");
  }
  return ReadView(this, txn);
}

void Database::ReleaseReader(MDB_txn* txn) {
  mdb_txn_reset(txn);
  std::lock_guard lock(impl_->readers_mu);
  impl_->free_readers.push_back(txn);
}

void Database::Write(WriteBatch* batch, std::function<void(Status)> done) {
  impl_->Enqueue(std::make_unique<BatchJob>(batch, std::move(done)));
}

Database::WriterStats Database::writer_stats() const {
  return WriterStats{impl_->commits.load(), impl_->committed_jobs.load()};
}

Status Database::WriteSync(WriteBatch* batch) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Write(batch, [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

}  // namespace cirrus::db
