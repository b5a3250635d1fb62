#include "db/database.h"

#include <lmdb.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>
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
constexpr unsigned kSystemDbs = 7;  // meta, catalog, stats, collections, streams, stream_records, settings
// How often an idle writer looks for other processes' changes (Database::Impl::generation).
constexpr std::chrono::milliseconds kPollInterval{250};
constexpr uint64_t kFormatVersion = 1;

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

// "stream_records" key: stream id, shard, sequence number, big-endian so that a shard's
// records sort by sequence number.
std::string RecordKey(uint32_t stream_id, uint32_t shard, uint64_t sequence) {
  std::string key = StorageKey(stream_id) + StorageKey(shard);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(sequence >> shift));
  return key;
}

uint64_t RecordSequence(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = 8; i < 16 && i < key.size(); ++i) v = v << 8 | static_cast<uint8_t>(key[i]);
  return v;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A stream label: its creation time, UTC with milliseconds, "2015-05-20T20:51:10.252".
std::string StreamLabel(int64_t time_us) {
  time_t secs = static_cast<time_t>(time_us / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(time_us / 1000 % 1000));
  return buf;
}

void ReadStats(std::string_view value, int64_t* count, int64_t* size) {
  ByteReader r(value);
  uint64_t c = 0, b = 0;
  r.Fixed64(&c);
  r.Fixed64(&b);
  *count = static_cast<int64_t>(c);
  *size = static_cast<int64_t>(b);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Table

Table::Table(TableDefinition definition, std::shared_ptr<PartitionStorage> storage,
             std::vector<std::shared_ptr<const Index>> indexes)
    : KeySpace(definition.partition_count, storage),
      definition_(std::move(definition)),
      codec_(definition_.key_schema),
      storage_(std::move(storage)),
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

// ---------------------------------------------------------------------------------------
// Reads

PartitionCursor::PartitionCursor(PartitionCursor&& other) noexcept
    : cursor_(std::exchange(other.cursor_, nullptr)),
      space_(other.space_),
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
    Status s = space_->StoredKeyOf(*item, &stored);
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
  if (!(key.empty() ? Raw(MDB_FIRST) : Raw(MDB_SET_RANGE, target)) || !Settle(true)) return false;
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

Result<std::optional<std::string_view>> ReadView::Get(const KeySpace& space,
                                                      std::string_view stored_key) {
  std::string buffer;
  MDB_val k = Val(TreeKeyOf(stored_key, &buffer)), v;
  int rc = mdb_get(txn_, space.dbi(space.PartitionOfKey(stored_key)), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return LmdbError(rc, "mdb_get");
  return std::optional<std::string_view>(View(v));
}

Result<PartitionCursor> ReadView::OpenCursor(const KeySpace& space, uint32_t partition) {
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn_, space.dbi(partition), &cursor);
  if (rc != 0) return LmdbError(rc, "mdb_cursor_open");
  return PartitionCursor(cursor, &space);
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
  WriteContext(MDB_txn* txn, MDB_dbi meta_dbi, MDB_dbi stats_dbi, MDB_dbi collections_dbi,
               MDB_dbi records_dbi)
      : txn_(txn), meta_dbi_(meta_dbi), stats_dbi_(stats_dbi), collections_dbi_(collections_dbi),
        records_dbi_(records_dbi) {}

  MDB_txn* txn() const { return txn_; }
  // An LMDB call failed: the transaction must abort (the group is then retried job by job).
  bool failed() const { return failed_; }
  Status Fail(int rc, const char* what) {
    map_full_ = map_full_ || rc == MDB_MAP_FULL;
    return Abort(LmdbError(rc, what));
  }
  // The transaction failed for want of room in the memory map (growing it may help).
  bool map_full() const { return map_full_; }
  Status Abort(Status status) {
    failed_ = true;
    return status;
  }

  // Item-level access to a table's or an index's partitions. Get: NotFound is nullopt.
  Result<std::optional<std::string_view>> Get(const KeySpace& space, std::string_view key) {
    std::string buffer;
    MDB_val k = Val(TreeKeyOf(key, &buffer)), v;
    int rc = mdb_get(txn_, space.dbi(space.PartitionOfKey(key)), &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
    if (rc != 0) return Fail(rc, "mdb_get");
    return std::optional<std::string_view>(View(v));
  }
  Status Put(const KeySpace& space, std::string_view key, std::string_view value) {
    std::string buffer;
    MDB_val k = Val(TreeKeyOf(key, &buffer)), v = Val(value);
    int rc = mdb_put(txn_, space.dbi(space.PartitionOfKey(key)), &k, &v, 0);
    return rc == 0 ? Status() : Fail(rc, "mdb_put");
  }
  // Puts `value` unless `key` is present; then returns what is there, unchanged.
  Result<std::optional<std::string_view>> PutIfAbsent(const KeySpace& space, std::string_view key,
                                                      std::string_view value) {
    std::string buffer;
    MDB_val k = Val(TreeKeyOf(key, &buffer)), v = Val(value);
    int rc = mdb_put(txn_, space.dbi(space.PartitionOfKey(key)), &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) return std::optional<std::string_view>(View(v));
    if (rc != 0) return Fail(rc, "mdb_put");
    return std::optional<std::string_view>();
  }
  Status Delete(const KeySpace& space, std::string_view key) {
    std::string buffer;
    MDB_val k = Val(TreeKeyOf(key, &buffer));
    int rc = mdb_del(txn_, space.dbi(space.PartitionOfKey(key)), &k, nullptr);
    return rc == 0 ? Status() : Fail(rc, "mdb_del");
  }

  // Changes of a table's or an index's item count and size, published when the transaction
  // commits.
  void AddDelta(const KeySpace& space, int64_t count, int64_t size) {
    Delta& d = deltas_[space.storage_.get()];
    d.storage = space.storage_;
    d.count += count;
    d.size += size;
  }
  void OnCommit(std::function<void()> fn) { on_commit_.push_back(std::move(fn)); }

  // The size of an LSI table's item collection (`collection`: storage id ++ partition
  // prefix), as this transaction left it.
  Result<int64_t> CollectionSize(std::string_view collection) {
    MDB_val k = Val(collection), v;
    int rc = mdb_get(txn_, collections_dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return int64_t{0};
    if (rc != 0) return Fail(rc, "mdb_get(collections)");
    ByteReader r(View(v));
    uint64_t size = 0;
    r.Fixed64(&size);
    return static_cast<int64_t>(size);
  }
  Status SetCollectionSize(std::string_view collection, int64_t size) {
    MDB_val k = Val(collection);
    int rc;
    if (size <= 0) {
      rc = mdb_del(txn_, collections_dbi_, &k, nullptr);
      if (rc == MDB_NOTFOUND) rc = 0;
    } else {
      std::string value;
      PutFixed64(static_cast<uint64_t>(size), &value);
      MDB_val v = Val(value);
      rc = mdb_put(txn_, collections_dbi_, &k, &v, 0);
    }
    return rc == 0 ? Status() : Fail(rc, "mdb_put(collections)");
  }

  // Appends a change record to a stream shard under the next sequence number. The last
  // number given out is kept in meta "stream_seq" (read once per transaction, written back
  // by FlushStats), so every process continues one series.
  Status AppendStreamRecord(uint32_t stream_id, uint32_t shard, std::string_view record) {
    if (!sequence_) {
      MDB_val k = Val("stream_seq"), v;
      int rc = mdb_get(txn_, meta_dbi_, &k, &v);
      if (rc != 0 && rc != MDB_NOTFOUND) return Fail(rc, "mdb_get(stream_seq)");
      uint64_t last = 0;
      if (rc == 0) ByteReader(View(v)).Fixed64(&last);
      sequence_ = last;
    }
    std::string key = RecordKey(stream_id, shard, ++*sequence_);
    MDB_val k = Val(key), v = Val(record);
    int rc = mdb_put(txn_, records_dbi_, &k, &v, 0);
    return rc == 0 ? Status() : Fail(rc, "mdb_put(stream_records)");
  }
  bool streamed() const { return sequence_.has_value(); }
  // The last sequence number in the data directory, as this transaction sees it.
  Result<uint64_t> LastSequence() {
    if (sequence_) return *sequence_;
    MDB_val k = Val("stream_seq"), v;
    int rc = mdb_get(txn_, meta_dbi_, &k, &v);
    if (rc != 0 && rc != MDB_NOTFOUND) return Fail(rc, "mdb_get(stream_seq)");
    uint64_t last = 0;
    if (rc == 0) ByteReader(View(v)).Fixed64(&last);
    return last;
  }

  // Writes the new statistics of every table and index touched; once, before commit. They
  // are read back from the transaction, not from memory: another process (cirrus import)
  // may have written the same table since this one last looked.
  Status FlushStats() {
    for (auto& [ptr, d] : deltas_) {
      std::string key = StorageKey(ptr->storage_id);
      MDB_val k = Val(key), v;
      int rc = mdb_get(txn_, stats_dbi_, &k, &v);
      if (rc != 0 && rc != MDB_NOTFOUND) return Fail(rc, "mdb_get(stats)");
      int64_t count = 0, size = 0;
      if (rc == 0) ReadStats(View(v), &count, &size);
      d.count += count;  // from here on, the totals
      d.size += size;
      std::string value = StatsValue(d.count, d.size);
      v = Val(value);
      rc = mdb_put(txn_, stats_dbi_, &k, &v, 0);
      if (rc != 0) return Fail(rc, "mdb_put(stats)");
    }
    if (sequence_) {
      std::string value;
      PutFixed64(*sequence_, &value);
      MDB_val k = Val("stream_seq"), v = Val(value);
      int rc = mdb_put(txn_, meta_dbi_, &k, &v, 0);
      if (rc != 0) return Fail(rc, "mdb_put(stream_seq)");
    }
    return Status();
  }

  // After a successful commit (and FlushStats).
  void Committed() {
    for (auto& [ptr, d] : deltas_) {
      ptr->item_count = d.count;
      ptr->size_bytes = d.size;
    }
    for (auto& fn : on_commit_) fn();
  }

  // The transaction changes the catalog: other processes must reload theirs.
  void CatalogChanged() { catalog_changed_ = true; }
  bool catalog_changed() const { return catalog_changed_; }

 private:
  struct Delta {
    std::shared_ptr<PartitionStorage> storage;
    int64_t count = 0;
    int64_t size = 0;
  };
  MDB_txn* txn_;
  MDB_dbi meta_dbi_;
  MDB_dbi stats_dbi_;
  MDB_dbi collections_dbi_;
  MDB_dbi records_dbi_;
  std::optional<uint64_t> sequence_;  // the last stream sequence number given out
  bool catalog_changed_ = false;
  bool failed_ = false;
  bool map_full_ = false;
  std::unordered_map<PartitionStorage*, Delta> deltas_;
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

// The key of an LSI table's item collection in "collections".
std::string CollectionKey(const Table& table, std::string_view stored_key) {
  std::string key = StorageKey(table.definition().storage_id);
  // The partition prefix: the hash and the encoded partition key, i.e. the stored key
  // without its sort key. Recomputed from the item would cost a decode; the codec knows.
  Result<Item> decoded = table.codec().DecodeKey(stored_key);
  if (decoded.ok()) key += table.codec().PartitionPrefix(decoded->at(table.codec().schema().partition_key.name));
  return key;
}

// An index entry as stored: the projected item's size and bytes.
struct Entry {
  std::string key;
  int64_t size = 0;
};

// Keeps `index` in step with one item changing from `old_item` to `new_item` (either null
// when absent) under `table_key`; `new_encoded` is the new item as the table stores it (an
// ALL projection's entry is the same bytes). LSI entry sizes are added to *lsi_delta.
Status MaintainIndex(WriteContext& ctx, const Index& index, std::string_view table_key,
                     const Item* old_item, size_t old_size, const Item* new_item, size_t new_size,
                     std::string_view new_encoded, int64_t* lsi_delta) {
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
  // While an index is backfilled, an item the backfill has not reached yet has no entry.
  if (before && index.definition().status == IndexStatus::kCreating) {
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> present, ctx.Get(index, before->key));
    if (!present) {
      before.reset();
    } else {
      before->size = static_cast<int64_t>(StoredItemSize(*present));
    }
  }
  const bool moved = before && (!after || after->key != before->key);
  if (moved) {
    CIRRUS_RETURN_IF_ERROR(ctx.Delete(index, before->key));
    ctx.AddDelta(index, -1, -before->size);
  }
  if (after) {
    std::string projected;
    std::string_view entry = new_encoded;
    if (index.definition().projection != ProjectionType::kAll) {
      EncodeItem(index.Project(*new_item), static_cast<size_t>(after->size), &projected);
      entry = projected;
    }
    CIRRUS_RETURN_IF_ERROR(ctx.Put(index, after->key, entry));
    const bool replaced = before && !moved;
    ctx.AddDelta(index, replaced ? 0 : 1, after->size - (replaced ? before->size : 0));
  }
  if (index.definition().kind == IndexKind::kLocal) {
    *lsi_delta += (after ? after->size : 0) - (before ? before->size : 0);
  }
  return Status();
}

class BatchJob : public Job {
 public:
  using Resolver = std::function<std::shared_ptr<const Table>(std::string_view name)>;
  BatchJob(WriteBatch* batch, std::function<void(Status)> done, int64_t collection_limit,
           Resolver resolve)
      : batch_(batch), done_(std::move(done)), collection_limit_(collection_limit),
        resolve_(std::move(resolve)) {}

  Status Apply(WriteContext& ctx) override {
    // Phase 1: read current images, decide and validate, writing nothing, so that a failed
    // decision leaves the transaction as it was.
    std::vector<std::optional<Item>> locals(batch_->writes.size());
    // Tables with a stream: the current item as stored (the record's old image, and what a
    // put is compared with), copied before any write of the batch moves its page.
    std::vector<std::string> olds(batch_->writes.size());
    for (size_t i = 0; i < batch_->writes.size(); ++i) {
      ItemWrite& w = batch_->writes[i];
      // The table as it is now: an index may have been added since the caller looked it up
      // (by this process or, for cirrus import, by the server), or the table dropped.
      std::shared_ptr<const Table> now = resolve_(w.table->name());
      if (!now || now->definition().storage_id != w.table->definition().storage_id) {
        return Status(ErrorKind::kResourceNotFound,
                      "Requested resource not found: Table: " + w.table->name() + " not found");
      }
      w.table = std::move(now);
      const Table& table = *w.table;
      CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> stored, ctx.Get(table, w.key));
      w.existed = stored.has_value();
      w.old_size = w.existed ? StoredItemSize(*stored) : 0;
      w.collection_size.reset();
      // The current item, decoded straight into old_image when the caller wants it (also
      // when `decide` then fails: ReturnValuesOnConditionCheckFailure).
      std::optional<Item>& current = w.want_old_image ? w.old_image : locals[i];
      current.reset();
      const bool indexed = !table.indexes().empty();
      if (w.existed && table.definition().stream.enabled) olds[i].assign(*stored);
      if (w.existed && (w.decide || w.check || w.want_old_image || indexed)) {
        CIRRUS_ASSIGN_OR_RETURN(current, DecodeItem(*stored));
      }
      if (w.decide) {
        CIRRUS_ASSIGN_OR_RETURN(w.applied, w.decide(current ? &*current : nullptr));
      } else if (w.check) {
        CIRRUS_RETURN_IF_ERROR(w.check(current ? &*current : nullptr));
      }
      const Mutation& m = w.decide ? w.applied : w.mutation;
      if (m.kind() == Mutation::Kind::kPut) {
        // An item of a table with LSIs counts its LSI entries against the item size limit.
        size_t with_local_entries = m.item_size();
        for (const auto& index : table.indexes()) {
          if (!index->maintained()) continue;
          CIRRUS_RETURN_IF_ERROR(index->Validate(m.item()));
          if (index->definition().kind == IndexKind::kLocal && index->Covers(m.item())) {
            with_local_entries += index->definition().projection == ProjectionType::kAll
                                      ? m.item_size()
                                      : ItemSize(index->Project(m.item()));
          }
        }
        if (with_local_entries > kMaxItemSize) {
          return ValidationError(
              "Item size has exceeded the maximum allowed size: the item with its local secondary "
              "index entries is larger than 400 KB");
        }
      }
    }
    // Phase 2: write, with the secondary indexes. Only LMDB can fail from here on (and the
    // item collection limit, which aborts the group: retried alone, the batch fails alone).
    // The change is recorded in the table's stream here too, in the same transaction.
    std::string encoded;
    const int64_t time_us = NowMicros();
    for (size_t i = 0; i < batch_->writes.size(); ++i) {
      ItemWrite& w = batch_->writes[i];
      const Table& table = *w.table;
      const Mutation& m = w.decide ? w.applied : w.mutation;
      const std::optional<Item>& current = w.want_old_image ? w.old_image : locals[i];
      if (m.kind() == Mutation::Kind::kKeep) {
        w.new_size = w.old_size;
        continue;
      }
      const Item* new_item = nullptr;
      if (m.kind() == Mutation::Kind::kPut) {
        encoded.clear();
        EncodeItem(m.item(), m.item_size(), &encoded);
        CIRRUS_RETURN_IF_ERROR(ctx.Put(table, w.key, encoded));
        w.new_size = m.item_size();
        new_item = &m.item();
        ctx.AddDelta(table, w.existed ? 0 : 1,
                     static_cast<int64_t>(w.new_size) - static_cast<int64_t>(w.old_size));
      } else {
        w.new_size = 0;
        if (!w.existed) continue;
        CIRRUS_RETURN_IF_ERROR(ctx.Delete(table, w.key));
        ctx.AddDelta(table, -1, -static_cast<int64_t>(w.old_size));
      }
      int64_t lsi_delta = 0;
      const Item* old_item = current ? &*current : nullptr;
      for (const auto& index : table.indexes()) {
        if (!index->maintained()) continue;
        CIRRUS_RETURN_IF_ERROR(MaintainIndex(ctx, *index, w.key, old_item, w.old_size, new_item,
                                             w.new_size, encoded, &lsi_delta));
      }
      if (table.has_local_indexes()) {
        std::string collection = CollectionKey(table, w.key);
        CIRRUS_ASSIGN_OR_RETURN(int64_t size, ctx.CollectionSize(collection));
        size += static_cast<int64_t>(w.new_size) - static_cast<int64_t>(w.old_size) + lsi_delta;
        if (size > collection_limit_ && m.kind() == Mutation::Kind::kPut) {
          return ctx.Abort(Status(ErrorKind::kItemCollectionSizeLimitExceeded,
                                  "Collection size exceeded."));
        }
        CIRRUS_RETURN_IF_ERROR(ctx.SetCollectionSize(collection, size));
        w.collection_size = size;
      }
      const StreamSettings& stream = table.definition().stream;
      if (stream.enabled) {
        // INSERT, REMOVE, or MODIFY unless the new item equals the old as a value: equal
        // bytes are equal values, and without sets (whose element order the encoding keeps)
        // different bytes are different values; only then do the items need comparing.
        std::optional<ChangeKind> change;
        if (!w.existed) {
          change = ChangeKind::kInsert;
        } else if (!new_item) {
          change = ChangeKind::kRemove;
        } else if (olds[i] != encoded) {
          change = ChangeKind::kModify;
          if (HasSets(*new_item)) {
            std::optional<Item> decoded;
            if (!old_item) {
              CIRRUS_ASSIGN_OR_RETURN(decoded, DecodeItem(olds[i]));
              old_item = &*decoded;
            }
            change = ClassifyChange(old_item, new_item);
          }
        }
        if (!change) continue;
        Item keys;
        if (new_item) {
          keys = KeysOf(*new_item, table.definition().key_schema);
        } else {
          CIRRUS_ASSIGN_OR_RETURN(keys, table.codec().DecodeKey(w.key));
        }
        std::string record = EncodeStreamRecord(stream.view_type, *change, time_us, keys, olds[i], w.old_size,
                                                new_item ? std::string_view(encoded) : std::string_view(), w.new_size);
        CIRRUS_RETURN_IF_ERROR(
            ctx.AppendStreamRecord(stream.stream_id, table.PartitionOfKey(w.key), record));
      }
    }
    return Status();
  }

  void Finish(Status status) override { done_(std::move(status)); }

 private:
  WriteBatch* batch_;
  std::function<void(Status)> done_;
  int64_t collection_limit_;
  Resolver resolve_;
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

// Background work of the writer thread that nobody waits for (backfills, index drops).
class TaskJob : public Job {
 public:
  using Fn = std::function<Status(WriteContext&)>;
  explicit TaskJob(Fn fn) : fn_(std::move(fn)) {}
  bool exclusive() const override { return true; }
  Status Apply(WriteContext& ctx) override { return fn_(ctx); }
  void Finish(Status status) override {
    if (!status.ok()) std::fprintf(stderr, "cirrus db: background task failed: %s\n", status.message().c_str());
  }

 private:
  Fn fn_;
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Database

class Database::Impl {
 public:
  Options options;
  MDB_env* env = nullptr;
  MDB_dbi meta_dbi = 0, catalog_dbi = 0, stats_dbi = 0, collections_dbi = 0;
  MDB_dbi streams_dbi = 0, records_dbi = 0, settings_dbi = 0;

  // Stream change notification (Database::WaitForStreamChange).
  std::mutex stream_mu;
  std::condition_variable stream_cv;
  std::atomic<uint64_t> stream_version{0};
  std::chrono::steady_clock::time_point next_trim{};  // writer thread only

  mutable std::mutex catalog_mu;
  std::map<std::string, std::shared_ptr<const Table>, std::less<>> tables;  // guarded by catalog_mu

  std::mutex readers_mu;
  std::condition_variable readers_cv;
  std::vector<MDB_txn*> free_readers;  // reset read transactions; guarded by readers_mu
  // Read views open, and whether the map is being resized (no view may be open then: their
  // pointers point into the map). Guarded by readers_mu.
  int active_readers = 0;
  bool resizing = false;
  size_t current_map_size = 0;  // writer thread only (after Open)

  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<std::unique_ptr<Job>> queue;  // guarded by queue_mu
  bool stopping = false;                   // guarded by queue_mu
  std::thread writer;

  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> committed_jobs{0};

  // Other processes (cirrus import) may write the same environment. Every transaction that
  // changes the catalog, and every commit of a non-exclusive process, bumps the meta
  // counter "generation"; a process whose last seen generation differs reloads its catalog
  // and statistics (Refresh) before it writes, and at least every kPollInterval.
  std::atomic<uint64_t> generation{0};

  // Writer thread only:
  uint32_t next_storage_id = 1;
  unsigned open_partition_dbs = 0;
  std::vector<std::shared_ptr<PartitionStorage>> retired;  // deleted; closed once unreferenced

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
  bool GrowMap();
  bool ResizeMap(size_t size);
  void AdoptMapSize();
  Status Refresh(MDB_txn* txn, std::map<std::string, std::shared_ptr<const Table>, std::less<>>* fresh);
  // Reloads the catalog in a transaction of its own when another process changed it; then
  // *txn is a fresh write transaction (or null with an error).
  Status RefreshIfChanged(MDB_txn** txn);
  void PollForeignChanges();
  // Has the writer thread catch up with other processes' changes, and waits for it.
  void SyncWithWriter();
  void CloseRetired();

  std::shared_ptr<const Table> Find(std::string_view name) const {
    std::lock_guard lock(catalog_mu);
    auto it = tables.find(name);
    return it == tables.end() ? nullptr : it->second;
  }

  // Opens (creating when asked) the partition B-trees of a storage id and reads its stats.
  Result<std::shared_ptr<PartitionStorage>> OpenStorage(MDB_txn* txn, uint32_t storage_id,
                                                        uint32_t count, bool create) {
    auto storage = std::make_shared<PartitionStorage>();
    storage->storage_id = storage_id;
    for (uint32_t p = 0; p < count; ++p) {
      MDB_dbi dbi;
      int rc = mdb_dbi_open(txn, PartitionDbName(storage_id, p).c_str(), create ? MDB_CREATE : 0, &dbi);
      if (rc != 0) return LmdbError(rc, "mdb_dbi_open(partition)");
      storage->dbis.push_back(dbi);
    }
    std::string skey = StorageKey(storage_id);
    MDB_val sk = Val(skey), sv;
    if (mdb_get(txn, stats_dbi, &sk, &sv) == 0) {
      int64_t count, size;
      ReadStats(View(sv), &count, &size);
      storage->item_count = count;
      storage->size_bytes = size;
    }
    return storage;
  }

  // kLimitExceeded unless the environment has room for `count` more partition B-trees.
  Status CheckRoom(unsigned count) const {
    if (open_partition_dbs + count + kSystemDbs > kMaxDbs) {
      return Status(ErrorKind::kLimitExceeded,
                    "Too many tables and indexes: this data directory holds at most " +
                        std::to_string(kMaxDbs - kSystemDbs) + " partitions");
    }
    return Status();
  }

  // A fresh storage id, persisted, with zeroed stats and its B-trees created.
  // REQUIRES: CheckRoom(count) passed for this and the other storages of the transaction.
  Result<std::shared_ptr<PartitionStorage>> NewStorage(MDB_txn* txn, uint32_t count) {
    uint64_t stored_next;  // another process may have taken ids since this one loaded
    if (GetMeta(txn, "next_storage_id", &stored_next)) {
      next_storage_id = std::max(next_storage_id, static_cast<uint32_t>(stored_next));
    }
    uint32_t id = next_storage_id++;
    CIRRUS_RETURN_IF_ERROR(PutMeta(txn, "next_storage_id", next_storage_id));
    std::string skey = StorageKey(id), svalue = StatsValue(0, 0);
    MDB_val sk = Val(skey), sv = Val(svalue);
    int rc = mdb_put(txn, stats_dbi, &sk, &sv, 0);
    if (rc != 0) return LmdbError(rc, "mdb_put(stats)");
    return OpenStorage(txn, id, count, /*create=*/true);
  }

  // A Table over `storage` with Index objects for the definition's indexes, reusing the
  // storages of `previous` (the table's current version) and `extra` (new ones).
  std::shared_ptr<const Table> MakeTable(TableDefinition def, std::shared_ptr<PartitionStorage> storage,
                                         const Table* previous,
                                         const std::map<uint32_t, std::shared_ptr<PartitionStorage>>& extra) {
    std::vector<std::shared_ptr<const Index>> indexes;
    for (const IndexDefinition& x : def.indexes) {
      std::shared_ptr<PartitionStorage> index_storage;
      auto it = extra.find(x.storage_id);
      if (it != extra.end()) index_storage = it->second;
      if (!index_storage && previous) {
        for (const auto& old : previous->indexes()) {
          if (old->definition().storage_id == x.storage_id) index_storage = old->storage_;
        }
      }
      assert(index_storage);
      indexes.push_back(std::make_shared<const Index>(x, def.key_schema, std::move(index_storage)));
    }
    return std::make_shared<const Table>(std::move(def), std::move(storage), std::move(indexes));
  }

  Status PutCatalog(WriteContext& ctx, const TableDefinition& def) {
    ctx.CatalogChanged();
    std::string record = EncodeTableDefinition(def);
    MDB_val k = Val(def.name), v = Val(record);
    int rc = mdb_put(ctx.txn(), catalog_dbi, &k, &v, 0);
    return rc == 0 ? Status() : LmdbError(rc, "mdb_put(catalog)");
  }

  void Publish(WriteContext& ctx, std::shared_ptr<const Table> table) {
    ctx.OnCommit([this, table = std::move(table)] {
      std::lock_guard lock(catalog_mu);
      tables[table->name()] = table;
    });
  }

  bool GetMeta(MDB_txn* txn, std::string_view key, uint64_t* value) {
    MDB_val k = Val(key), v;
    if (mdb_get(txn, meta_dbi, &k, &v) != 0) return false;
    ByteReader r(View(v));
    return r.Fixed64(value);
  }

  Status PutMeta(MDB_txn* txn, std::string_view key, uint64_t value) {
    std::string v;
    PutFixed64(value, &v);
    MDB_val k = Val(key), mv = Val(v);
    int rc = mdb_put(txn, meta_dbi, &k, &mv, 0);
    return rc == 0 ? Status() : LmdbError(rc, "mdb_put(meta)");
  }

  // Empties a storage's B-trees and forgets its stats; its handles close once unreferenced.
  Status DropStorage(WriteContext& ctx, const std::shared_ptr<PartitionStorage>& storage) {
    for (MDB_dbi dbi : storage->dbis) {
      int rc = mdb_drop(ctx.txn(), dbi, 0);
      if (rc != 0) return ctx.Fail(rc, "mdb_drop");
    }
    std::string skey = StorageKey(storage->storage_id);
    MDB_val sk = Val(skey);
    int rc = mdb_del(ctx.txn(), stats_dbi, &sk, nullptr);
    if (rc != 0 && rc != MDB_NOTFOUND) return ctx.Fail(rc, "mdb_del(stats)");
    ctx.OnCommit([this, storage] { retired.push_back(storage); });
    return Status();
  }

  // GSI backfill: indexes up to options.backfill_chunk items of the table's partition
  // `partition` after tree key `after`, then queues the next chunk, or marks the index active.
  Status BackfillChunk(WriteContext& ctx, const std::string& table_name, uint32_t index_storage,
                       uint32_t partition, const std::string& after);
  void StartBackfill(const std::string& table_name, uint32_t index_storage) {
    Enqueue(std::make_unique<TaskJob>([this, table_name, index_storage](WriteContext& ctx) {
      return BackfillChunk(ctx, table_name, index_storage, 0, "");
    }));
  }
  // Drops a kDeleting index's entries and removes it from its table.
  Status FinishIndexDeletion(WriteContext& ctx, const std::string& table_name, uint32_t index_storage);
  void StartIndexDeletion(const std::string& table_name, uint32_t index_storage) {
    Enqueue(std::make_unique<TaskJob>([this, table_name, index_storage](WriteContext& ctx) {
      return FinishIndexDeletion(ctx, table_name, index_storage);
    }));
  }

  Status PutStream(WriteContext& ctx, const StreamDefinition& def) {
    std::string key = StorageKey(def.stream_id), record = EncodeStreamDefinition(def);
    MDB_val k = Val(key), v = Val(record);
    int rc = mdb_put(ctx.txn(), streams_dbi, &k, &v, 0);
    return rc == 0 ? Status() : ctx.Fail(rc, "mdb_put(streams)");
  }
  Result<std::optional<StreamDefinition>> GetStream(MDB_txn* txn, uint32_t stream_id) {
    std::string key = StorageKey(stream_id);
    MDB_val k = Val(key), v;
    int rc = mdb_get(txn, streams_dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<StreamDefinition>();
    if (rc != 0) return LmdbError(rc, "mdb_get(streams)");
    CIRRUS_ASSIGN_OR_RETURN(StreamDefinition def, DecodeStreamDefinition(View(v)));
    return std::optional<StreamDefinition>(std::move(def));
  }

  // Starts a new stream for `def` (which has stream.enabled and its view type set): a
  // fresh id and label, recorded in "streams".
  Status OpenStream(WriteContext& ctx, TableDefinition& def, const std::string& previous_label) {
    uint64_t next = 1;
    GetMeta(ctx.txn(), "next_stream_id", &next);
    CIRRUS_RETURN_IF_ERROR(PutMeta(ctx.txn(), "next_stream_id", next + 1));
    StreamDefinition stream;
    stream.stream_id = static_cast<uint32_t>(next);
    stream.table_name = def.name;
    stream.table_id = def.table_id;
    stream.created_us = NowMicros();
    stream.label = StreamLabel(stream.created_us);
    // Labels, and so ARNs, of a table name never repeat, also across a delete and recreate.
    std::string latest = previous_label;
    MDB_cursor* cursor;
    if (mdb_cursor_open(ctx.txn(), streams_dbi, &cursor) == 0) {
      MDB_val k, v;
      for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
        Result<StreamDefinition> other = DecodeStreamDefinition(View(v));
        if (other.ok() && other->table_name == def.name) latest = std::max(latest, other->label);
      }
      mdb_cursor_close(cursor);
    }
    while (stream.label <= latest) {
      stream.created_us += 1000;
      stream.label = StreamLabel(stream.created_us);
    }
    stream.view_type = def.stream.view_type;
    stream.key_schema = def.key_schema;
    stream.shard_count = def.partition_count;
    CIRRUS_ASSIGN_OR_RETURN(uint64_t last, ctx.LastSequence());
    stream.start_sequence = last + 1;
    def.stream.stream_id = stream.stream_id;
    def.stream.label = stream.label;
    return PutStream(ctx, stream);
  }
  // Stops recording into a stream; its records stay readable for the retention period.
  Status CloseStream(WriteContext& ctx, uint32_t stream_id) {
    Result<std::optional<StreamDefinition>> stream = GetStream(ctx.txn(), stream_id);
    if (!stream.ok()) return ctx.Abort(stream.status());
    if (!*stream || (*stream)->closed_us != 0) return Status();
    StreamDefinition closed = std::move(**stream);
    closed.closed_us = NowMicros();
    return PutStream(ctx, closed);
  }
  // Removes stream records older than the retention period, and closed streams that are
  // empty and that old; at most `budget` records per call. *more: work is left.
  Status TrimStreams(WriteContext& ctx, size_t budget, bool* more);
  void MaybeScheduleTrim();
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
  mdb_env_set_maxreaders(impl->env, 1024);
  // NOTLS: a read transaction may move between threads (pooled); NORDAHEAD: random reads.
  // WRITEMAP: a write transaction builds its pages in the map itself rather than in heap
  // copies written back with pwrite at commit; writes that touch many pages (indexed items,
  // batches) cost half as much or less (benchmarks/micro/index_bench.cc). LMDB then sizes
  // the file to the map, which is why the map starts small and grows (GrowMap). Only the
  // process holding the directory maps it writable: another (cirrus tables) must not resize
  // the file under it.
  unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
  if (options.exclusive) flags |= MDB_WRITEMAP;
  impl->current_map_size = std::min(options.map_size, options.initial_map_size);
  if (!options.sync) flags |= MDB_NOSYNC;
  mdb_env_set_mapsize(impl->env, impl->current_map_size);
  rc = mdb_env_open(impl->env, options.path.c_str(), flags, 0644);
  if (rc != 0) return LmdbError(rc, ("mdb_env_open(" + options.path + ")").c_str());
  MDB_envinfo info;
  mdb_env_info(impl->env, &info);
  impl->current_map_size = info.me_mapsize;  // at least what the data already needs
  int dead;
  mdb_reader_check(impl->env, &dead);  // slots left by a crashed process
  CIRRUS_RETURN_IF_ERROR(impl->Load());
  Impl* raw = impl.get();
  raw->writer = std::thread([raw] { raw->WriterLoop(); });
  // Index work a stop interrupted starts over (backfills are idempotent); it is the work of
  // the process owning the directory.
  if (options.exclusive) {
    std::lock_guard lock(raw->catalog_mu);
    for (const auto& [name, table] : raw->tables) {
      for (const auto& index : table->indexes()) {
        if (index->definition().status == IndexStatus::kCreating) {
          raw->StartBackfill(name, index->definition().storage_id);
        } else if (index->definition().status == IndexStatus::kDeleting) {
          raw->StartIndexDeletion(name, index->definition().storage_id);
        }
      }
    }
  }
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
      (rc = mdb_dbi_open(txn, "stats", MDB_CREATE, &stats_dbi)) != 0 ||
      (rc = mdb_dbi_open(txn, "collections", MDB_CREATE, &collections_dbi)) != 0 ||
      (rc = mdb_dbi_open(txn, "streams", MDB_CREATE, &streams_dbi)) != 0 ||
      (rc = mdb_dbi_open(txn, "stream_records", MDB_CREATE, &records_dbi)) != 0 ||
      (rc = mdb_dbi_open(txn, "settings", MDB_CREATE, &settings_dbi)) != 0) {
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
  uint64_t next_id, seen_generation = 0;
  if (get_meta("next_storage_id", &next_id)) next_storage_id = static_cast<uint32_t>(next_id);
  get_meta("generation", &seen_generation);
  generation = seen_generation;

  // Tables and their indexes.
  std::vector<TableDefinition> definitions;
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
    definitions.push_back(std::move(*def));
  }
  mdb_cursor_close(cursor);
  std::vector<std::string> live_partitions;
  for (TableDefinition& def : definitions) {
    std::map<uint32_t, std::shared_ptr<PartitionStorage>> storages;
    std::vector<std::pair<uint32_t, uint32_t>> ids = {{def.storage_id, def.partition_count}};
    for (const IndexDefinition& x : def.indexes) ids.emplace_back(x.storage_id, x.partition_count);
    for (const auto& [id, count] : ids) {
      Result<std::shared_ptr<PartitionStorage>> storage = OpenStorage(txn, id, count, /*create=*/true);
      if (!storage.ok()) return fail(storage.status());
      storages[id] = std::move(*storage);
      open_partition_dbs += count;
      for (uint32_t p = 0; p < count; ++p) live_partitions.push_back(PartitionDbName(id, p));
    }
    std::shared_ptr<PartitionStorage> table_storage = storages[def.storage_id];
    std::string name = def.name;
    tables.emplace(std::move(name), MakeTable(std::move(def), std::move(table_storage), nullptr, storages));
  }

  // Partitions of tables deleted before their B-trees were closed (a crash in between);
  // only the process owning the directory looks (for another, they may be in use).
  std::vector<std::string> orphans;
  if (!options.exclusive) {
    rc = mdb_txn_commit(txn);
    return rc == 0 ? Status() : LmdbError(rc, "mdb_txn_commit");
  }
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

Status Database::Impl::BackfillChunk(WriteContext& ctx, const std::string& table_name,
                                     uint32_t index_storage, uint32_t partition,
                                     const std::string& after) {
  std::shared_ptr<const Table> table = Find(table_name);
  if (!table) return Status();  // deleted meanwhile
  const IndexDefinition* def = nullptr;
  std::shared_ptr<const Index> index;
  for (const auto& x : table->indexes()) {
    if (x->definition().storage_id == index_storage) {
      index = x;
      def = &x->definition();
    }
  }
  if (!index || def->status != IndexStatus::kCreating) return Status();  // deleted meanwhile

  MDB_cursor* cursor;
  int rc = mdb_cursor_open(ctx.txn(), table->dbi(partition), &cursor);
  if (rc != 0) return ctx.Fail(rc, "mdb_cursor_open(backfill)");
  MDB_val k = Val(after), v;
  rc = after.empty() ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
                     : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && !after.empty() && View(k) == after) rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  // Only the attributes the entry needs are decoded; an ALL projection reuses the stored bytes.
  std::set<std::string, std::less<>> wanted(index->key_attributes().begin(), index->key_attributes().end());
  const bool all = def->projection == ProjectionType::kAll;
  if (def->projection == ProjectionType::kInclude) {
    wanted.insert(def->non_key_attributes.begin(), def->non_key_attributes.end());
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
  for (; rc == 0 && done < options.backfill_chunk; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
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
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND && status.ok()) return ctx.Fail(rc, "mdb_cursor_get(backfill)");
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
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
  Status s = PutCatalog(ctx, updated);
  if (!s.ok()) return ctx.Abort(s);
  Publish(ctx, MakeTable(std::move(updated), table->storage_, table.get(), {}));
  return Status();
}

Status Database::Impl::FinishIndexDeletion(WriteContext& ctx, const std::string& table_name,
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
      CIRRUS_RETURN_IF_ERROR(DropStorage(ctx, index->storage_));
    }
  }
  Status s = PutCatalog(ctx, updated);
  if (!s.ok()) return ctx.Abort(s);
  Publish(ctx, MakeTable(std::move(updated), table->storage_, table.get(), {}));
  return Status();
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
      queue_cv.wait_for(lock, kPollInterval, [&] { return stopping || !queue.empty(); });
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
    if (!jobs.empty()) {
      RunGroup(jobs);
    } else {
      PollForeignChanges();
    }
    if (options.exclusive) MaybeScheduleTrim();
    jobs.clear();  // drop finished jobs' table references before looking at retired tables
    if (!retired.empty()) CloseRetired();
  }
}

void Database::Impl::RunGroup(std::vector<std::unique_ptr<Job>>& jobs) {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env, nullptr, 0, &txn);
  if (rc == MDB_MAP_RESIZED) {  // another process grew the data past this process's map
    AdoptMapSize();
    rc = mdb_txn_begin(env, nullptr, 0, &txn);
  }
  if (rc != 0) {
    for (auto& job : jobs) job->Finish(LmdbError(rc, "mdb_txn_begin"));
    return;
  }
  if (Status s = RefreshIfChanged(&txn); !s.ok()) {
    for (auto& job : jobs) job->Finish(s);
    return;
  }
  WriteContext ctx(txn, meta_dbi, stats_dbi, collections_dbi, records_dbi);
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
  uint64_t bumped = 0;
  if (!ctx.failed() && (ctx.catalog_changed() || !options.exclusive)) {
    uint64_t seen = 0;
    GetMeta(txn, "generation", &seen);
    std::string value;
    PutFixed64(seen + 1, &value);
    MDB_val k = Val("generation"), v = Val(value);
    rc = mdb_put(txn, meta_dbi, &k, &v, 0);
    if (rc != 0) {
      failure = ctx.Fail(rc, "mdb_put(generation)");
    } else {
      bumped = seen + 1;
    }
  }
  if (!ctx.failed()) {
    rc = mdb_txn_commit(txn);  // fsyncs unless --sync=none
    if (rc == 0) {
      if (bumped) generation = bumped;
      commits.fetch_add(1, std::memory_order_relaxed);
      committed_jobs.fetch_add(jobs.size(), std::memory_order_relaxed);
      ctx.Committed();
      if (ctx.streamed()) {
        std::lock_guard lock(stream_mu);
        stream_version.fetch_add(1);
        stream_cv.notify_all();
      }
      for (size_t i = 0; i < jobs.size(); ++i) jobs[i]->Finish(std::move(results[i]));
      return;
    }
    failure = LmdbError(rc, "mdb_txn_commit");
  } else {
    mdb_txn_abort(txn);
  }
  if ((ctx.map_full() || rc == MDB_MAP_FULL) && GrowMap()) {
    RunGroup(jobs);  // the same jobs, with room
    return;
  }
  // The group failed as a whole (map full, I/O error, an item collection over its limit):
  // retry each job on its own so that one job's failure is only its own.
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

bool Database::Impl::GrowMap() {
  if (current_map_size >= options.map_size) return false;
  return ResizeMap(std::min(options.map_size, current_map_size * 2));
}

void Database::Impl::AdoptMapSize() { ResizeMap(0); }

// Writer thread only (so no write transaction is open); waits until no read view is.
// `size` 0 adopts the size another process left in the environment.
bool Database::Impl::ResizeMap(size_t size) {
  std::unique_lock lock(readers_mu);
  resizing = true;
  readers_cv.wait(lock, [&] { return active_readers == 0; });
  int rc = mdb_env_set_mapsize(env, size);
  resizing = false;
  readers_cv.notify_all();
  if (rc != 0) {
    std::fprintf(stderr, "cirrus db: cannot resize the map to %zu bytes: %s\n", size, mdb_strerror(rc));
    return false;
  }
  MDB_envinfo info;
  mdb_env_info(env, &info);
  current_map_size = info.me_mapsize;
  return true;
}

Status Database::Impl::RefreshIfChanged(MDB_txn** txn) {
  for (;;) {
    uint64_t seen = 0;
    GetMeta(*txn, "generation", &seen);
    if (seen == generation) return Status();
    // Handles opened in a transaction that aborts are closed: this one commits, and only
    // then are the tables it opened published.
    std::map<std::string, std::shared_ptr<const Table>, std::less<>> fresh;
    Status s = Refresh(*txn, &fresh);
    int rc = s.ok() ? mdb_txn_commit(*txn) : (mdb_txn_abort(*txn), 0);
    *txn = nullptr;
    if (!s.ok()) return s;
    if (rc != 0) return LmdbError(rc, "mdb_txn_commit(refresh)");
    {
      std::lock_guard lock(catalog_mu);
      tables.swap(fresh);
    }
    generation = seen;
    fresh.clear();  // the replaced tables; a storage no longer listed is another process's to drop
    rc = mdb_txn_begin(env, nullptr, 0, txn);
    if (rc == MDB_MAP_RESIZED) {
      AdoptMapSize();
      rc = mdb_txn_begin(env, nullptr, 0, txn);
    }
    if (rc != 0) {
      *txn = nullptr;
      return LmdbError(rc, "mdb_txn_begin");
    }
  }
}

// Reads the catalog and the statistics as another process left them into *fresh, reusing
// this process's Table objects (and B-tree handles) for what did not change.
Status Database::Impl::Refresh(MDB_txn* txn, std::map<std::string, std::shared_ptr<const Table>, std::less<>>* fresh) {
  std::map<std::string, std::shared_ptr<const Table>, std::less<>> current;
  {
    std::lock_guard lock(catalog_mu);
    current = tables;
  }
  std::map<uint32_t, std::shared_ptr<PartitionStorage>> known;
  for (const auto& [name, table] : current) {
    known[table->definition().storage_id] = table->storage_;
    for (const auto& index : table->indexes()) known[index->definition().storage_id] = index->storage_;
  }
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn, catalog_dbi, &cursor);
  if (rc != 0) return LmdbError(rc, "cursor(catalog)");
  MDB_val k, v;
  Status status;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0 && status.ok();
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    std::string name(View(k));
    auto old = current.find(name);
    if (old != current.end() && EncodeTableDefinition(old->second->definition()) == View(v)) {
      (*fresh)[name] = old->second;
      continue;
    }
    Result<TableDefinition> def = DecodeTableDefinition(View(v));
    if (!def.ok()) {
      status = def.status();
      break;
    }
    std::map<uint32_t, std::shared_ptr<PartitionStorage>> storages;
    std::vector<std::pair<uint32_t, uint32_t>> ids = {{def->storage_id, def->partition_count}};
    for (const IndexDefinition& x : def->indexes) ids.emplace_back(x.storage_id, x.partition_count);
    for (const auto& [id, count] : ids) {
      auto it = known.find(id);
      if (it != known.end()) {
        storages[id] = it->second;
        continue;
      }
      Result<std::shared_ptr<PartitionStorage>> storage = OpenStorage(txn, id, count, /*create=*/false);
      if (!storage.ok()) {
        status = storage.status();
        break;
      }
      storages[id] = *storage;
    }
    if (!status.ok()) break;
    const Table* previous = old != current.end() && old->second->definition().storage_id == def->storage_id
                                ? old->second.get() : nullptr;
    std::shared_ptr<PartitionStorage> table_storage = storages[def->storage_id];
    (*fresh)[name] = MakeTable(std::move(*def), std::move(table_storage), previous, storages);
  }
  mdb_cursor_close(cursor);
  if (!status.ok()) return status;
  if (rc != MDB_NOTFOUND) return LmdbError(rc, "cursor(catalog)");
  // Statistics of everything, and the handle count.
  unsigned handles = 0;
  for (const auto& [name, table] : *fresh) {
    std::vector<PartitionStorage*> all = {table->storage_.get()};
    for (const auto& index : table->indexes()) all.push_back(index->storage_.get());
    for (PartitionStorage* storage : all) {
      handles += static_cast<unsigned>(storage->dbis.size());
      std::string key = StorageKey(storage->storage_id);
      MDB_val sk = Val(key), sv;
      if (mdb_get(txn, stats_dbi, &sk, &sv) == 0) {
        int64_t count, size;
        ReadStats(View(sv), &count, &size);
        storage->item_count = count;
        storage->size_bytes = size;
      }
    }
  }
  for (const auto& storage : retired) handles += static_cast<unsigned>(storage->dbis.size());
  open_partition_dbs = handles;
  return Status();
}

void Database::Impl::PollForeignChanges() {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  if (rc == MDB_MAP_RESIZED) {
    AdoptMapSize();
    rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  }
  if (rc != 0) return;
  uint64_t seen = 0;
  GetMeta(txn, "generation", &seen);
  mdb_txn_abort(txn);
  if (seen == generation) return;
  if (mdb_txn_begin(env, nullptr, 0, &txn) != 0) return;
  Status s = RefreshIfChanged(&txn);
  if (!s.ok()) std::fprintf(stderr, "cirrus db: cannot reload the catalog: %s\n", s.message().c_str());
  if (txn) mdb_txn_abort(txn);
}

void Database::Impl::SyncWithWriter() {
  // An exclusive job runs alone at the start of a group, which adopts a grown map and
  // reloads what changed.
  auto job = std::make_unique<CatalogJob>([](WriteContext&) -> Result<std::shared_ptr<const Table>> {
    return std::shared_ptr<const Table>();
  });
  auto future = job->future();
  Enqueue(std::move(job));
  (void)future.get();
}

void Database::Impl::CloseRetired() {
  std::vector<std::shared_ptr<PartitionStorage>> closable;
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
        unsigned partitions = def.partition_count;
        for (const IndexDefinition& x : def.indexes) partitions += x.partition_count;
        CIRRUS_RETURN_IF_ERROR(impl->CheckRoom(partitions));
        Result<std::shared_ptr<PartitionStorage>> storage = impl->NewStorage(ctx.txn(), def.partition_count);
        if (!storage.ok()) return ctx.Abort(storage.status());
        def.storage_id = (*storage)->storage_id;
        std::map<uint32_t, std::shared_ptr<PartitionStorage>> index_storages;
        for (IndexDefinition& x : def.indexes) {
          Result<std::shared_ptr<PartitionStorage>> s = impl->NewStorage(ctx.txn(), x.partition_count);
          if (!s.ok()) return ctx.Abort(s.status());
          x.storage_id = (*s)->storage_id;
          x.status = IndexStatus::kActive;
          index_storages[x.storage_id] = std::move(*s);
        }
        if (def.stream.enabled) {
          if (Status s = impl->OpenStream(ctx, def, ""); !s.ok()) return ctx.Abort(s);
        }
        Status s = impl->PutCatalog(ctx, def);
        if (!s.ok()) return ctx.Abort(std::move(s));
        auto table = impl->MakeTable(std::move(def), std::move(*storage), nullptr, index_storages);
        ctx.OnCommit([impl, partitions] { impl->open_partition_dbs += partitions; });
        impl->Publish(ctx, table);
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
          if (Status s = impl->OpenStream(ctx, def, was.label); !s.ok()) return ctx.Abort(s);
        } else if (!def.stream.enabled && was.enabled) {
          if (Status s = impl->CloseStream(ctx, was.stream_id); !s.ok()) return ctx.Abort(s);
          def.stream = was;
          def.stream.enabled = false;
        } else {
          bool enabled = def.stream.enabled;
          def.stream = was;
          def.stream.enabled = enabled;
        }
        Status s = impl->PutCatalog(ctx, def);
        if (!s.ok()) return ctx.Abort(s);
        auto table = impl->MakeTable(std::move(def), old->storage_, old.get(), {});
        impl->Publish(ctx, table);
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
        CIRRUS_RETURN_IF_ERROR(impl->DropStorage(ctx, table->storage_));
        for (const auto& index : table->indexes()) {
          CIRRUS_RETURN_IF_ERROR(impl->DropStorage(ctx, index->storage_));
        }
        if (table->has_local_indexes()) {  // its item collection sizes
          std::string prefix = StorageKey(table->definition().storage_id);
          MDB_cursor* cursor;
          int rc = mdb_cursor_open(ctx.txn(), impl->collections_dbi, &cursor);
          if (rc != 0) return ctx.Fail(rc, "cursor(collections)");
          MDB_val k = Val(prefix), v;
          for (rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
               rc == 0 && View(k).substr(0, prefix.size()) == prefix;
               rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
            mdb_cursor_del(cursor, 0);
          }
          mdb_cursor_close(cursor);
        }
        if (table->definition().stream.enabled) {
          CIRRUS_RETURN_IF_ERROR(impl->CloseStream(ctx, table->definition().stream.stream_id));
        }
        MDB_val k = Val(name);
        ctx.CatalogChanged();
        int rc = mdb_del(ctx.txn(), impl->catalog_dbi, &k, nullptr);
        if (rc != 0) return ctx.Fail(rc, "mdb_del(catalog)");
        ctx.OnCommit([impl, table] {
          std::lock_guard lock(impl->catalog_mu);
          impl->tables.erase(table->name());
        });
        return table;
      });
  auto future = job->future();
  impl_->Enqueue(std::move(job));
  return future.get();
}

Result<std::shared_ptr<const Table>> Database::CreateIndex(std::string_view table_name,
                                                           IndexDefinition definition) {
  Impl* impl = impl_.get();
  auto job = std::make_unique<CatalogJob>(
      [impl, name = std::string(table_name), x = std::move(definition)](
          WriteContext& ctx) mutable -> Result<std::shared_ptr<const Table>> {
        std::shared_ptr<const Table> old = impl->Find(name);
        if (!old) {
          return Status(ErrorKind::kResourceNotFound,
                        "Requested resource not found: Table: " + name + " not found");
        }
        if (old->FindIndex(x.name)) {
          return Status(ErrorKind::kValidation,
                        "Attempting to create an index which already exists");
        }
        CIRRUS_RETURN_IF_ERROR(impl->CheckRoom(x.partition_count));
        Result<std::shared_ptr<PartitionStorage>> storage = impl->NewStorage(ctx.txn(), x.partition_count);
        if (!storage.ok()) return ctx.Abort(storage.status());
        x.storage_id = (*storage)->storage_id;
        x.status = IndexStatus::kCreating;
        TableDefinition def = old->definition();
        def.indexes.push_back(x);
        def.SyncAttributeDefinitions();
        Status s = impl->PutCatalog(ctx, def);
        if (!s.ok()) return ctx.Abort(s);
        const uint32_t partitions = x.partition_count, storage_id = x.storage_id;
        auto table = impl->MakeTable(std::move(def), old->storage_, old.get(), {{storage_id, *storage}});
        impl->Publish(ctx, table);
        ctx.OnCommit([impl, name, partitions, storage_id] {
          impl->open_partition_dbs += partitions;
          impl->StartBackfill(name, storage_id);
        });
        return table;
      });
  auto future = job->future();
  impl_->Enqueue(std::move(job));
  return future.get();
}

Result<std::shared_ptr<const Table>> Database::DeleteIndex(std::string_view table_name,
                                                           std::string_view index_name) {
  Impl* impl = impl_.get();
  auto job = std::make_unique<CatalogJob>(
      [impl, name = std::string(table_name), index_name = std::string(index_name)](
          WriteContext& ctx) -> Result<std::shared_ptr<const Table>> {
        std::shared_ptr<const Table> old = impl->Find(name);
        if (!old) {
          return Status(ErrorKind::kResourceNotFound,
                        "Requested resource not found: Table: " + name + " not found");
        }
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
        Status s = impl->PutCatalog(ctx, def);
        if (!s.ok()) return ctx.Abort(s);
        auto table = impl->MakeTable(std::move(def), old->storage_, old.get(), {});
        impl->Publish(ctx, table);
        ctx.OnCommit([impl, name, storage_id] { impl->StartIndexDeletion(name, storage_id); });
        return table;
      });
  auto future = job->future();
  impl_->Enqueue(std::move(job));
  return future.get();
}

std::shared_ptr<const Table> Database::FindTable(std::string_view name) const {
  std::shared_ptr<const Table> table = impl_->Find(name);
  if (table) return table;
  // E.g. a table cirrus import just created. (Looking may itself have the writer catch up:
  // a read after another process grew the map does.)
  if (ForeignChanges()) impl_->SyncWithWriter();
  return impl_->Find(name);
}

bool Database::ForeignChanges() const {
  Result<ReadView> view = const_cast<Database*>(this)->Read();
  uint64_t seen = 0;
  if (!view.ok() || !impl_->GetMeta(view->txn_, "generation", &seen)) return false;
  return seen != impl_->generation;
}

std::vector<std::string> Database::TableNames() const {
  if (ForeignChanges()) impl_->SyncWithWriter();
  std::lock_guard lock(impl_->catalog_mu);
  std::vector<std::string> names;
  names.reserve(impl_->tables.size());
  for (const auto& [name, table] : impl_->tables) names.push_back(name);
  return names;
}

Result<ReadView> Database::Read() {
  for (int attempt = 0;; ++attempt) {
    int rc = 0;
    Result<ReadView> view = TryRead(&rc);
    // Another process grew the data past this process's map: the writer adopts its size.
    if (rc != MDB_MAP_RESIZED || attempt > 0) return view;
    impl_->SyncWithWriter();
  }
}

Result<ReadView> Database::TryRead(int* lmdb_rc) {
  MDB_txn* txn = nullptr;
  {
    std::unique_lock lock(impl_->readers_mu);
    impl_->readers_cv.wait(lock, [&] { return !impl_->resizing; });
    ++impl_->active_readers;
    if (!impl_->free_readers.empty()) {
      txn = impl_->free_readers.back();
      impl_->free_readers.pop_back();
    }
  }
  int rc = txn ? mdb_txn_renew(txn) : mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &txn);
  *lmdb_rc = rc;
  if (rc != 0) {
    if (txn) mdb_txn_abort(txn);
    ReleaseReader(nullptr);  // not open after all
    return LmdbError(rc, "mdb_txn_begin(read)");
  }
  return ReadView(this, txn);
}

void Database::ReleaseReader(MDB_txn* txn) {
  if (txn) mdb_txn_reset(txn);
  std::lock_guard lock(impl_->readers_mu);
  if (txn) impl_->free_readers.push_back(txn);
  if (--impl_->active_readers == 0 && impl_->resizing) impl_->readers_cv.notify_all();
}

void Database::Write(WriteBatch* batch, std::function<void(Status)> done) {
  Impl* impl = impl_.get();
  impl_->Enqueue(std::make_unique<BatchJob>(batch, std::move(done), impl_->options.item_collection_limit,
                                            [impl](std::string_view name) { return impl->Find(name); }));
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

// ---------------------------------------------------------------------------------------
// Streams and settings

Status Database::Impl::TrimStreams(WriteContext& ctx, size_t budget, bool* more) {
  *more = false;
  const int64_t cutoff = NowMicros() - options.stream_retention.count();
  std::vector<StreamDefinition> streams;
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(ctx.txn(), streams_dbi, &cursor);
  if (rc != 0) return ctx.Fail(rc, "cursor(streams)");
  MDB_val k, v;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    Result<StreamDefinition> def = DecodeStreamDefinition(View(v));
    if (def.ok()) streams.push_back(std::move(*def));
  }
  mdb_cursor_close(cursor);
  if ((rc = mdb_cursor_open(ctx.txn(), records_dbi, &cursor)) != 0) return ctx.Fail(rc, "cursor(stream_records)");
  Status status;
  for (StreamDefinition& def : streams) {
    std::vector<uint64_t> trimmed(def.shard_count);
    for (uint32_t shard = 0; shard < def.shard_count; ++shard) trimmed[shard] = def.TrimmedThrough(shard);
    bool empty = true;
    for (uint32_t shard = 0; shard < def.shard_count && status.ok(); ++shard) {
      const std::string first = RecordKey(def.stream_id, shard, 0);
      const std::string_view prefix = std::string_view(first).substr(0, 8);
      for (;;) {
        k = Val(first);
        rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
        if (rc == MDB_NOTFOUND || (rc == 0 && View(k).substr(0, 8) != prefix)) break;
        if (rc != 0) {
          status = ctx.Fail(rc, "mdb_cursor_get(stream_records)");
          break;
        }
        if (StreamRecordTime(View(v)) >= cutoff || budget == 0) {
          empty = false;
          *more = *more || budget == 0;
          break;
        }
        trimmed[shard] = std::max(trimmed[shard], RecordSequence(View(k)));
        if ((rc = mdb_cursor_del(cursor, 0)) != 0) {
          status = ctx.Fail(rc, "mdb_cursor_del(stream_records)");
          break;
        }
        --budget;
      }
    }
    if (!status.ok()) break;
    if (def.closed_us != 0 && def.closed_us < cutoff && empty) {
      std::string key = StorageKey(def.stream_id);
      MDB_val sk = Val(key);
      rc = mdb_del(ctx.txn(), streams_dbi, &sk, nullptr);
      if (rc != 0) status = ctx.Fail(rc, "mdb_del(streams)");
    } else if (trimmed != def.trimmed) {
      def.trimmed = std::move(trimmed);
      status = PutStream(ctx, def);
    }
    if (!status.ok()) break;
  }
  mdb_cursor_close(cursor);
  return status;
}

void Database::Impl::MaybeScheduleTrim() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_trim) return;
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::clamp<std::chrono::microseconds>(options.stream_retention / 10, std::chrono::seconds(1),
                                            std::chrono::seconds(60)));
  next_trim = now + interval;
  struct Trim {
    static void Run(Impl* impl) {
      impl->Enqueue(std::make_unique<TaskJob>([impl](WriteContext& ctx) {
        bool more = false;
        Status s = impl->TrimStreams(ctx, 5000, &more);
        if (s.ok() && more) ctx.OnCommit([impl] { Run(impl); });  // the rest after waiting writes
        return s;
      }));
    }
  };
  // Nothing to trim, nothing to commit: look first.
  MDB_txn* txn;
  if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) != 0) return;
  MDB_stat stat;
  bool any = mdb_stat(txn, streams_dbi, &stat) == 0 && stat.ms_entries > 0;
  mdb_txn_abort(txn);
  if (any) Trim::Run(this);
}

Result<std::vector<StreamDefinition>> ReadView::Streams() {
  std::vector<StreamDefinition> out;
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn_, db_->impl_->streams_dbi, &cursor);
  if (rc != 0) return LmdbError(rc, "cursor(streams)");
  MDB_val k, v;
  Status status;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    Result<StreamDefinition> def = DecodeStreamDefinition(View(v));
    if (!def.ok()) {
      status = def.status();
      break;
    }
    out.push_back(std::move(*def));
  }
  mdb_cursor_close(cursor);
  if (!status.ok()) return status;
  return out;
}

Result<std::optional<StreamDefinition>> ReadView::FindStream(uint32_t stream_id) {
  return db_->impl_->GetStream(txn_, stream_id);
}

Result<std::pair<uint64_t, uint64_t>> ReadView::ShardBounds(uint32_t stream_id, uint32_t shard) {
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn_, db_->impl_->records_dbi, &cursor);
  if (rc != 0) return LmdbError(rc, "cursor(stream_records)");
  std::pair<uint64_t, uint64_t> bounds{0, 0};
  std::string first = RecordKey(stream_id, shard, 0), after = RecordKey(stream_id, shard + 1, 0);
  if (shard == UINT32_MAX) after = RecordKey(stream_id + 1, 0, 0);
  MDB_val k = Val(first), v;
  rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && View(k).substr(0, 8) == std::string_view(first).substr(0, 8)) {
    bounds.first = RecordSequence(View(k));
    k = Val(after);
    rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    rc = rc == 0 ? mdb_cursor_get(cursor, &k, &v, MDB_PREV) : mdb_cursor_get(cursor, &k, &v, MDB_LAST);
    if (rc == 0) bounds.second = RecordSequence(View(k));
    rc = 0;
  }
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(rc, "mdb_cursor_get(stream_records)");
  return bounds;
}

Status ReadView::ReadStream(uint32_t stream_id, uint32_t shard, uint64_t from, size_t limit,
                            size_t max_bytes, std::vector<StreamRecord>* out) {
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn_, db_->impl_->records_dbi, &cursor);
  if (rc != 0) return LmdbError(rc, "cursor(stream_records)");
  std::string start = RecordKey(stream_id, shard, from);
  const std::string_view prefix = std::string_view(start).substr(0, 8);
  MDB_val k = Val(start), v;
  size_t bytes = 0, taken = 0;
  Status status;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
       rc == 0 && taken < limit && View(k).substr(0, 8) == prefix && (taken == 0 || bytes < max_bytes);
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    Result<StreamRecord> record = DecodeStreamRecord(View(v));
    if (!record.ok()) {
      status = record.status();
      break;
    }
    record->sequence = RecordSequence(View(k));
    record->shard = shard;
    bytes += record->size_bytes;
    ++taken;
    out->push_back(std::move(*record));
  }
  mdb_cursor_close(cursor);
  if (status.ok() && rc != 0 && rc != MDB_NOTFOUND) status = LmdbError(rc, "mdb_cursor_get(stream_records)");
  return status;
}

Result<uint64_t> ReadView::LastSequence() {
  uint64_t last = 0;
  db_->impl_->GetMeta(txn_, "stream_seq", &last);
  return last;
}

Result<std::optional<std::string>> ReadView::GetSetting(std::string_view key) {
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn_, db_->impl_->settings_dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return LmdbError(rc, "mdb_get(settings)");
  return std::optional<std::string>(std::string(View(v)));
}

Result<std::vector<std::pair<std::string, std::string>>> ReadView::ListSettings(std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn_, db_->impl_->settings_dbi, &cursor);
  if (rc != 0) return LmdbError(rc, "cursor(settings)");
  MDB_val k = Val(prefix), v;
  for (rc = prefix.empty() ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST) : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
       rc == 0 && View(k).substr(0, prefix.size()) == prefix; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    out.emplace_back(std::string(View(k)), std::string(View(v)));
  }
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(rc, "mdb_cursor_get(settings)");
  return out;
}

namespace {

// Writes settings; waits for the commit.
class SettingsJob : public Job {
 public:
  SettingsJob(MDB_dbi dbi, std::vector<std::pair<std::string, std::optional<std::string>>> changes)
      : dbi_(dbi), changes_(std::move(changes)) {}
  Status Apply(WriteContext& ctx) override {
    for (const auto& [key, value] : changes_) {
      MDB_val k = Val(key);
      int rc;
      if (value) {
        MDB_val v = Val(*value);
        rc = mdb_put(ctx.txn(), dbi_, &k, &v, 0);
      } else {
        rc = mdb_del(ctx.txn(), dbi_, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      }
      if (rc != 0) return ctx.Fail(rc, "mdb_put(settings)");
    }
    return Status();
  }
  void Finish(Status status) override { promise_.set_value(std::move(status)); }
  std::future<Status> future() { return promise_.get_future(); }

 private:
  MDB_dbi dbi_;
  std::vector<std::pair<std::string, std::optional<std::string>>> changes_;
  std::promise<Status> promise_;
};

}  // namespace

Status Database::WriteSettings(std::vector<std::pair<std::string, std::optional<std::string>>> changes) {
  auto job = std::make_unique<SettingsJob>(impl_->settings_dbi, std::move(changes));
  auto future = job->future();
  impl_->Enqueue(std::move(job));
  return future.get();
}

uint64_t Database::stream_version() const { return impl_->stream_version.load(); }

uint64_t Database::WaitForStreamChange(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->stream_mu);
  impl_->stream_cv.wait_for(lock, timeout, [&] { return impl_->stream_version.load() != seen; });
  return impl_->stream_version.load();
}

}  // namespace cirrus::db
