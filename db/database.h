#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/catalog.h"
#include "db/index.h"
#include "db/item/attribute_value.h"
#include "db/item/status.h"
#include "db/key_codec.h"
#include "db/key_space.h"
#include "db/stream.h"
#include "db/table.h"
#include "db/write_batch.h"

namespace cirrus::db {

// The storage engine interface: everything above db/ reads and writes through Database,
// ReadView and PartitionCursor, at the level of items, and never sees how an engine keeps
// them. db/lmdb/ is the one engine today (ARCHITECTURE.md: an LMDB environment, a B-tree per
// partition, one writer thread with group commit). A second engine (a distributed object
// store, where a partition is an object and items are keys of its sorted map) implements the
// same three classes; nothing above db/ changes.
//
// What every engine promises:
// - Items are addressed by (KeySpace, stored key). A KeySpace is a table or a secondary index;
//   its partitions are the hash ranges of its stored keys (PartitionOf). Within a partition,
//   stored keys sort as bytes, which is DynamoDB's key order (key_codec.h).
// - A WriteBatch is atomic: its writes, their secondary index entries, item collection sizes
//   and stream records all commit together or not at all (ApplyWriteBatch decides them
//   inside the engine's atomic write). Writes are durable when acknowledged if
//   Options::sync. Batches commit in some serial order; `done` callbacks run in that order.
// - A ReadView is a consistent snapshot of everything (items, streams, settings): it sees
//   every batch acknowledged before it was opened and nothing of one committed after.
// - Stream sequence numbers grow with commit order across the whole data directory.

class Snapshot;
class Cursor;

// Iterates the stored items of one partition in stored-key order. Dies with its ReadView.
// A cursor moves one way: Next after SeekForward, Prev after SeekBackward.
class PartitionCursor {
 public:
  explicit PartitionCursor(std::unique_ptr<Cursor> cursor);
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

  bool valid() const;
  // REQUIRES: valid(). The stored key (key_codec.h) and the stored item (item_codec.h); the
  // item is a view into the snapshot, valid until the ReadView ends.
  std::string_view key() const;
  std::string_view value() const;
  // Status of the last move: OK unless the engine failed or an item is corrupt (then
  // !valid()).
  const Status& status() const;

 private:
  std::unique_ptr<Cursor> cursor_;
};

// A consistent snapshot of the whole database. Never blocks writers. Not thread-safe: one
// request uses it, on one thread, and ends it before waiting on anything (an open snapshot
// may pin storage the engine would otherwise reuse, or hold up a resize).
class ReadView {
 public:
  explicit ReadView(Snapshot* snapshot);  // takes it; the engine's Read() makes them
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

  // A setting (Database::WriteSettings, WriteBatch::settings), or nullopt; the settings whose
  // key starts with `prefix`, in key order: at most `limit`, from the first key after `after`
  // (empty: from the first).
  Result<std::optional<std::string>> GetSetting(std::string_view key);
  Result<std::vector<std::pair<std::string, std::string>>> ListSettings(
      std::string_view prefix, size_t limit = SIZE_MAX, std::string_view after = {});

 private:
  Snapshot* snapshot_;  // owned: released to its engine when the view ends
};

struct Options {
  std::string path;  // data directory, created if missing
  bool sync = true;  // fsync each commit (--sync=full)
  // The largest the data file may grow. The memory map starts at initial_map_size (or what
  // the data needs) and doubles when full, up to map_size: the data file, a sparse file as
  // large as the map, stays within twice its contents.
  size_t map_size = size_t{256} << 30;
  size_t initial_map_size = size_t{1} << 30;
  size_t max_group = 1024;  // write batches per group commit
  // Hold the data directory's lock (the file LOCK beside LMDB's files) for the Database's
  // life, so that a second writer process is refused instead of working from a stale
  // catalog. Off for the tools, which work beside a serving cirrusd.
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

// The storage engine of a data directory. Thread-safe.
class Database {
 public:
  // Opens the data directory with the LMDB engine (db/lmdb/engine.h). kResourceInUse when
  // `exclusive` and another process holds the directory.
  static Result<std::unique_ptr<Database>> Open(const Options& options);
  virtual ~Database();  // finishes queued writes, then closes the storage

  // Control plane; each runs alone in its own committed transaction and blocks until then.
  // CreateTable assigns storage_id; kResourceInUse if the name exists, kLimitExceeded if
  // the storage has no room for more partitions.
  virtual Result<std::shared_ptr<const Table>> CreateTable(TableDefinition definition) = 0;
  // Applies `change` to the current definition (name, keys and storage are kept). Turning
  // definition.stream.enabled on starts a new stream (with the view type it sets); off
  // closes the stream. CreateTable starts one when it is on; DeleteTable closes it.
  virtual Result<std::shared_ptr<const Table>> UpdateTable(
      std::string_view name, const std::function<Status(TableDefinition&)>& change) = 0;
  // Removes the table and its items; returns it as it was.
  virtual Result<std::shared_ptr<const Table>> DeleteTable(std::string_view name) = 0;

  // Adds a global secondary index (definition.storage_id is assigned) in status kCreating and
  // fills it in the background, between writes, in chunks; writes meanwhile maintain it. It
  // becomes kActive when filled. kValidation if the name is taken.
  virtual Result<std::shared_ptr<const Table>> CreateIndex(std::string_view table,
                                                           IndexDefinition definition) = 0;
  // Marks the index kDeleting, then drops its entries in the background and removes it.
  virtual Result<std::shared_ptr<const Table>> DeleteIndex(std::string_view table,
                                                           std::string_view index) = 0;

  // A table other processes created is found too (the catalog is reloaded when it changed).
  virtual std::shared_ptr<const Table> FindTable(std::string_view name) const = 0;  // null: none
  virtual std::vector<std::string> TableNames() const = 0;                          // ascending

  virtual Result<ReadView> Read() = 0;

  // Queues `batch`; `done` runs on the engine's writer thread after the batch committed (OK)
  // or failed, and must not block. REQUIRES: *batch outlives `done`'s call.
  virtual void Write(WriteBatch* batch, std::function<void(Status)> done) = 0;
  Status WriteSync(WriteBatch* batch);  // Write, waiting for `done`

  // Group commit at work: batches committed and the transactions that carried them.
  struct WriterStats {
    uint64_t commits = 0;
    uint64_t batches = 0;
    double commit_seconds = 0;  // spent committing, syncs included
    uint64_t map_bytes = 0;     // the storage's size now (LMDB: its memory map)
    uint64_t used_bytes = 0;    // of which in use (LMDB: pages up to the last one written)
  };
  virtual WriterStats writer_stats() const = 0;

  // Small durable records of other modules (streams/: functions, event source mappings,
  // checkpoints), written atomically in one commit; a nullopt value deletes the key. Blocks
  // until committed; also ordered after every batch queued before it.
  virtual Status WriteSettings(
      std::vector<std::pair<std::string, std::optional<std::string>>> changes) = 0;

  // Grows after every commit of this process that recorded stream records, and when the
  // engine notices that another process committed (within its poll interval).
  virtual uint64_t stream_version() const = 0;
  // Waits until stream_version() != seen, *cancel is true (when given), or `timeout`; returns
  // stream_version().
  virtual uint64_t WaitForStreamChange(uint64_t seen, std::chrono::milliseconds timeout,
                                       const std::atomic<bool>* cancel = nullptr) = 0;
  // Has every WaitForStreamChange look at its cancel flag now: call it after raising one.
  virtual void WakeStreamWaiters() = 0;
};

// The engine's side of a ReadView: one consistent snapshot. Made by Database::Read; Release
// ends it (the engine may keep the object for the next snapshot).
class Snapshot {
 public:
  virtual void Release() = 0;

  virtual Result<std::optional<std::string_view>> Get(const KeySpace& space,
                                                      std::string_view stored_key) = 0;
  virtual Result<std::unique_ptr<Cursor>> OpenCursor(const KeySpace& space, uint32_t partition) = 0;
  virtual Result<std::vector<StreamDefinition>> Streams() = 0;
  virtual Result<std::optional<StreamDefinition>> FindStream(uint32_t stream_id) = 0;
  virtual Result<std::pair<uint64_t, uint64_t>> ShardBounds(uint32_t stream_id, uint32_t shard) = 0;
  virtual Status ReadStream(uint32_t stream_id, uint32_t shard, uint64_t from, size_t limit,
                            size_t max_bytes, std::vector<StreamRecord>* out) = 0;
  virtual Result<uint64_t> LastSequence() = 0;
  virtual Result<std::optional<std::string>> GetSetting(std::string_view key) = 0;
  virtual Result<std::vector<std::pair<std::string, std::string>>> ListSettings(
      std::string_view prefix, size_t limit, std::string_view after) = 0;

 protected:
  ~Snapshot() = default;  // Release() ends a snapshot
};

// The engine's side of a PartitionCursor (same contract).
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual bool SeekForward(std::string_view key, bool inclusive) = 0;
  virtual bool SeekBackward(std::string_view key, bool inclusive) = 0;
  virtual bool Next() = 0;
  virtual bool Prev() = 0;
  virtual bool valid() const = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual const Status& status() const = 0;
};

}  // namespace cirrus::db
