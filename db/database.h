#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/catalog.h"
#include "db/index.h"
#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "db/key_codec.h"
#include "db/key_space.h"
#include "db/stream.h"

struct MDB_env;
struct MDB_txn;
struct MDB_cursor;

namespace cirrus::db {

class Database;

// One table: its definition, its partitions (one LMDB named database each, holding the keys
// whose hash falls in the partition's range, see PartitionOf) and its secondary indexes.
// Immutable once published; UpdateTable publishes a new Table sharing the same storage.
// Thread-safe. Holding a shared_ptr<const Table> keeps its B-tree handles valid.
class Table : public KeySpace {
 public:
  Table(TableDefinition definition, std::shared_ptr<PartitionStorage> storage,
        std::vector<std::shared_ptr<const Index>> indexes);
  ~Table() override;

  const TableDefinition& definition() const { return definition_; }
  const std::string& name() const { return definition_.name; }
  const KeyCodec& codec() const { return codec_; }
  const std::vector<std::shared_ptr<const Index>>& indexes() const { return indexes_; }
  std::shared_ptr<const Index> FindIndex(std::string_view name) const;  // null when none
  bool has_local_indexes() const;

  Status StoredKeyOf(const Item& item, std::string* out) const override {
    return codec_.EncodeKeyOf(item, out);
  }

 private:
  friend class Database;
  friend class WriteContext;
  const std::shared_ptr<PartitionStorage>& storage() const { return storage_; }

  TableDefinition definition_;
  KeyCodec codec_;
  std::shared_ptr<PartitionStorage> storage_;
  std::vector<std::shared_ptr<const Index>> indexes_;
};

// Iterates the stored items of one partition in stored-key order. Dies with its ReadView.
// A cursor moves one way: Next after SeekForward, Prev after SeekBackward.
class PartitionCursor {
 public:
  PartitionCursor(PartitionCursor&& other) noexcept;
  PartitionCursor& operator=(PartitionCursor&&) = delete;
  ~PartitionCursor();

  // Positions at the first stored key >= `key` (> `key` when !inclusive); an empty `key`
  // means the partition's first key. False when none.
  bool SeekForward(std::string_view key, bool inclusive);
  // Positions at the last stored key <= `key` (< `key` when !inclusive); an empty `key`
  // means the partition's last key. False when none.
  bool SeekBackward(std::string_view key, bool inclusive);
  bool Next();
  bool Prev();

  bool valid() const { return valid_; }
  // REQUIRES: valid(). The stored key (key_codec.h) and the stored item; the item is a view
  // into the snapshot, valid until the ReadView ends.
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  // Status of the last move: OK unless LMDB failed or an item is corrupt (then !valid()).
  const Status& status() const { return status_; }

 private:
  friend class ReadView;
  PartitionCursor(MDB_cursor* cursor, const KeySpace* space) : cursor_(cursor), space_(space) {}
  // Moves the LMDB cursor (tree keys); false at either end or on error.
  bool Raw(int op, std::string_view tree_key = {});
  // After a raw move: exposes the entry, reading a whole run of digest keys (tree_key.h) in
  // stored-key order when it lands on one, positioned at its first (forward) or last entry.
  bool Settle(bool forward);
  bool Invalid(Status status);

  MDB_cursor* cursor_ = nullptr;
  const KeySpace* space_;
  bool valid_ = false;
  std::string_view raw_key_;  // tree key under the LMDB cursor
  std::string_view raw_value_;
  std::string_view key_;
  std::string_view value_;
  // The run being read: stored keys (sorted) and items; run_pos_ indexes the current one.
  std::vector<std::pair<std::string, std::string_view>> run_;
  size_t run_pos_ = 0;
  Status status_;
};

// A consistent snapshot of the whole database (an LMDB read transaction). Never blocks
// writers. Not thread-safe: one request uses it, on one thread, and ends it before waiting
// on anything (an open snapshot pins pages).
class ReadView {
 public:
  ReadView(ReadView&& other) noexcept;
  ReadView& operator=(ReadView&&) = delete;
  ~ReadView();

  // The stored item under `stored_key` in a table (or an index entry), or nullopt. The view
  // is valid until *this ends.
  Result<std::optional<std::string_view>> Get(const KeySpace& space, std::string_view stored_key);
  Result<PartitionCursor> OpenCursor(const KeySpace& space, uint32_t partition);

  // Change streams (db/stream.h): every stream still kept (open, or closed within the
  // retention period), by id; one of them.
  Result<std::vector<StreamDefinition>> Streams();
  Result<std::optional<StreamDefinition>> FindStream(uint32_t stream_id);
  // The sequence numbers of the first and last records a shard keeps; {0, 0} when none.
  Result<std::pair<uint64_t, uint64_t>> ShardBounds(uint32_t stream_id, uint32_t shard);
  // Appends the shard's records with sequence number >= `from`, in order: at most `limit`,
  // and no more once their sizes reach `max_bytes` (the first is always taken).
  Status ReadStream(uint32_t stream_id, uint32_t shard, uint64_t from, size_t limit,
                    size_t max_bytes, std::vector<StreamRecord>* out);
  // The sequence number of the last record committed to any stream (0: none yet). Records
  // committed later have larger ones.
  Result<uint64_t> LastSequence();

  // A setting (Database::WriteSettings), or nullopt; all settings whose key starts with
  // `prefix`, in key order.
  Result<std::optional<std::string>> GetSetting(std::string_view key);
  Result<std::vector<std::pair<std::string, std::string>>> ListSettings(std::string_view prefix);

 private:
  friend class Database;
  ReadView(Database* db, MDB_txn* txn) : db_(db), txn_(txn) {}

  Database* db_;
  MDB_txn* txn_;
};

// What a write does to one item, decided from its current image.
class Mutation {
 public:
  enum class Kind : uint8_t { kKeep, kPut, kDelete };
  // REQUIRES: item_size == ItemSize(item); the item holds the key it is written under.
  static Mutation Put(Item item, size_t item_size);
  static Mutation Delete();
  static Mutation Keep();  // leave the item as it is

  Kind kind() const { return kind_; }
  const Item& item() const { return item_; }
  size_t item_size() const { return item_size_; }

 private:
  Kind kind_ = Kind::kKeep;
  Item item_;
  size_t item_size_ = 0;
};

// One item's part in a WriteBatch, with its outcome filled in by the writer.
struct ItemWrite {
  std::shared_ptr<const Table> table;
  std::string key;  // the stored key (KeyCodec)

  // The change: `decide`, when set, picks it from the current item (nullptr when absent)
  // inside the write transaction; it may run more than once (a failed group is retried job
  // by job) and must touch only its arguments. Without `decide`, `mutation` applies as is.
  std::function<Result<Mutation>(const Item* current)> decide;
  Mutation mutation;
  // Without `decide`: when set, `mutation` applies only if this accepts the current item
  // (a conditional write); its error is the batch's. Same rules as `decide`.
  std::function<Status(const Item* current)> check;
  bool want_old_image = false;  // fill old_image (ReturnValues ALL_OLD)

  // Outcome, valid once the batch committed; existed, old_size and old_image also when its
  // `decide` failed (a failed condition reports the item it saw).
  bool existed = false;
  size_t old_size = 0;  // DynamoDB item size before, 0 when absent
  size_t new_size = 0;  // after, 0 when absent
  std::optional<Item> old_image;
  Mutation applied;  // what `decide` chose
  // Tables with local secondary indexes: the size of the item collection (the items with
  // this partition key, with their LSI entries) after the write.
  std::optional<int64_t> collection_size;
};

// The writes of one request: applied atomically, all or none, in one write transaction.
// If any `decide` fails, nothing of the batch is written and its status is the result.
// REQUIRES: no two writes with the same table and key.
struct WriteBatch {
  std::vector<ItemWrite> writes;
};

struct Options {
  std::string path;              // data directory, created if missing
  bool sync = true;              // fsync each commit (--sync=full)
  // The largest the data file may grow. The memory map starts at initial_map_size (or what
  // the data needs) and doubles when full, up to map_size: the data file, a sparse file as
  // large as the map, stays within twice its contents.
  size_t map_size = size_t{256} << 30;
  size_t initial_map_size = size_t{1} << 30;
  size_t max_group = 1024;       // write batches per group commit
  // Hold the data directory's lock (the file LOCK beside LMDB's files) for the Database's
  // life, so that a second writer process is refused instead of working from a stale
  // catalog. Off only for readers that load the catalog once (cirrus tables).
  bool exclusive = true;
  // Largest item collection (items of one partition key and their LSI entries) in tables
  // with local secondary indexes: ItemCollectionSizeLimitExceeded past it.
  int64_t item_collection_limit = int64_t{10} << 30;
  // Items a GSI backfill indexes per write transaction; the writer serves queued writes
  // between two such chunks.
  size_t backfill_chunk = 2000;
  // How long stream records are kept; older ones are removed in the background, between
  // writes. A closed stream is forgotten once it is that old and empty.
  std::chrono::microseconds stream_retention = std::chrono::hours(24);
};

// The storage engine: one LMDB environment per data directory, holding
//   "meta"     format version and the next storage id,
//   "catalog"  table name -> TableDefinition (catalog.h),
//   "stats"    storage id -> item count and size (tables and indexes),
//   "collections"  LSI tables: table storage id ++ partition prefix -> item collection size,
//   "streams"  stream id -> StreamDefinition (catalog.h),
//   "stream_records"  stream id:u32 ++ shard:u32 ++ sequence:u64 (big-endian) -> record
//              (stream.h), written in the transaction of the change it records,
//   "settings" key -> value, small records of other modules (WriteSettings),
//   "p:<storage id>:<partition>"  one B-tree per table or index partition: tree key
//              (tree_key.h) -> stored item (a table's) or entry item (an index's).
// A write maintains the table's indexes in its own transaction.
// Writes go through one writer thread that applies the batches queued while the previous
// commit ran in one transaction (group commit) and acknowledges them after it commits, so
// durable throughput grows with concurrency. Reads are snapshots that never block.
// Thread-safe.
class Database {
 public:
  // kResourceInUse when `exclusive` and another process holds the directory.
  static Result<std::unique_ptr<Database>> Open(const Options& options);
  ~Database();  // finishes queued writes, then closes the environment

  // Control plane; each runs alone in its own committed transaction and blocks until then.
  // CreateTable assigns storage_id; kResourceInUse if the name exists, kLimitExceeded if
  // the environment has no room for more B-trees.
  Result<std::shared_ptr<const Table>> CreateTable(TableDefinition definition);
  // Applies `change` to the current definition (name, keys and storage are kept). Turning
  // definition.stream.enabled on starts a new stream (with the view type it sets); off
  // closes the stream. CreateTable starts one when it is on; DeleteTable closes it.
  Result<std::shared_ptr<const Table>> UpdateTable(
      std::string_view name, const std::function<Status(TableDefinition&)>& change);
  // Removes the table and its items; returns it as it was.
  Result<std::shared_ptr<const Table>> DeleteTable(std::string_view name);

  // Adds a global secondary index (definition.storage_id is assigned) in status kCreating and
  // fills it in the background, between writes, in chunks; writes meanwhile maintain it. It
  // becomes kActive when filled. kResourceInUse if the name is taken.
  Result<std::shared_ptr<const Table>> CreateIndex(std::string_view table,
                                                   IndexDefinition definition);
  // Marks the index kDeleting, then drops its entries in the background and removes it.
  Result<std::shared_ptr<const Table>> DeleteIndex(std::string_view table, std::string_view index);

  std::shared_ptr<const Table> FindTable(std::string_view name) const;  // null when none
  std::vector<std::string> TableNames() const;                        // ascending

  Result<ReadView> Read();

  // Queues `batch` for the writer; `done` runs on the writer thread after the batch
  // committed (OK) or failed, and must not block. REQUIRES: *batch outlives `done`'s call.
  void Write(WriteBatch* batch, std::function<void(Status)> done);
  Status WriteSync(WriteBatch* batch);  // Write, waiting for `done`

  // Group commit at work: batches committed and the transactions that carried them.
  struct WriterStats {
    uint64_t commits = 0;
    uint64_t batches = 0;
  };
  WriterStats writer_stats() const;

  // Small durable records of other modules (streams/: functions, event source mappings,
  // checkpoints), written atomically through the writer; a nullopt value deletes the key.
  Status WriteSettings(std::vector<std::pair<std::string, std::optional<std::string>>> changes);

  // Grows after every commit of this process that recorded stream records.
  uint64_t stream_version() const;
  // Waits until stream_version() != seen, or `timeout`; returns stream_version().
  uint64_t WaitForStreamChange(uint64_t seen, std::chrono::milliseconds timeout);

 private:
  class Impl;
  friend class ReadView;
  explicit Database(std::unique_ptr<Impl> impl);
  void ReleaseReader(MDB_txn* txn);
  Result<ReadView> TryRead(int* lmdb_rc);  // *lmdb_rc: LMDB's error, if any
  // Has another process changed the catalog since this one last loaded it?
  bool ForeignChanges() const;

  std::unique_ptr<Impl> impl_;
};

}  // namespace cirrus::db
