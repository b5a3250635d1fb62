#pragma once
// The LMDB storage engine: db/database.h's interface over one LMDB environment per data
// directory, holding
//   "meta"     format version, id counters, the catalog generation, the last stream sequence
//              number (system_keys.h),
//   "catalog"  table name -> TableDefinition (db/catalog.h),
//   "stats"    storage id -> item count and size (tables and indexes),
//   "collections"  LSI tables: table storage id ++ partition prefix -> item collection size,
//   "streams"  stream id -> StreamDefinition (db/catalog.h),
//   "stream_records"  stream id:u32 ++ shard:u32 ++ sequence:u64 (big-endian) -> record
//              (db/stream.h), written in the transaction of the change it records,
//   "settings" key -> value, small records of other modules (WriteSettings),
//   "p:<storage id>:<partition>"  one B-tree per table or index partition: tree key
//              (tree_key.h) -> stored item (a table's) or entry item (an index's).
// Writes go through one writer thread that applies the jobs queued while the previous commit
// ran in one transaction (group commit) and acknowledges them after it commits, so durable
// throughput grows with concurrency. Reads are LMDB read transactions that never wait
// for writers (only for a map resize, which is rare: snapshot.cc).
//
// Where each part lives:
//   engine.cc          Open, Load, the small public calls
//   snapshot.cc        ReadView's snapshots and partition cursors
//   write_context.cc   one write transaction as an ItemTransaction
//   writer.cc          the job queue, group commit, map growth
//   control_plane.cc   tables and indexes: create, update, delete; storages
//   backfill.cc        GSI backfill and index removal, in the background
//   foreign_changes.cc changes other processes made (cirrus import beside cirrusd)
//   stream_store.cc    streams: open, close, retention, reads
//   settings.cc        settings records
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "db/database.h"
#include "db/lmdb/util.h"

namespace cirrus::db::lmdb {

class Job;
class WriteContext;
class LmdbSnapshot;

// A table's or index's partition B-trees (db/key_space.h's PartitionStorage, LMDB's part).
struct LmdbStorage : PartitionStorage {
  std::vector<MDB_dbi> dbis;  // one per partition; valid while referenced
};
inline MDB_dbi DbiOf(const KeySpace& space, uint32_t partition) {
  return static_cast<const LmdbStorage&>(*space.storage()).dbis[partition];
}

// The system B-trees. Const after Open.
struct SystemDbs {
  MDB_dbi meta = 0, catalog = 0, stats = 0, collections = 0, streams = 0, records = 0, settings = 0;
};

// Named databases the environment may hold: partitions of all tables plus the system ones.
// LMDB sizes per-transaction arrays by this number (8 KB-ish of copying per write transaction).
inline constexpr unsigned kMaxDbs = 8192;
inline constexpr unsigned kSystemDbs = 7;
// How often an idle writer looks for other processes' changes (generation).
inline constexpr std::chrono::milliseconds kPollInterval{250};
inline constexpr uint64_t kFormatVersion = 1;

using TableMap = std::map<std::string, std::shared_ptr<const Table>, std::less<>>;

class LmdbDatabase final : public Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const Options& options);
  ~LmdbDatabase() override;  // finishes queued jobs, then closes the environment

  Result<std::shared_ptr<const Table>> CreateTable(TableDefinition definition) override;
  Result<std::shared_ptr<const Table>> UpdateTable(
      std::string_view name, const std::function<Status(TableDefinition&)>& change) override;
  Result<std::shared_ptr<const Table>> DeleteTable(std::string_view name) override;
  Result<std::shared_ptr<const Table>> CreateIndex(std::string_view table,
                                                   IndexDefinition definition) override;
  Result<std::shared_ptr<const Table>> DeleteIndex(std::string_view table,
                                                   std::string_view index) override;
  std::shared_ptr<const Table> FindTable(std::string_view name) const override;
  std::vector<std::string> TableNames() const override;
  Result<ReadView> Read() override;
  void Write(WriteBatch* batch, std::function<void(Status)> done) override;
  WriterStats writer_stats() const override;
  Status WriteSettings(
      std::vector<std::pair<std::string, std::optional<std::string>>> changes) override;
  uint64_t stream_version() const override;
  uint64_t WaitForStreamChange(uint64_t seen, std::chrono::milliseconds timeout,
                               const std::atomic<bool>* cancel) override;
  void WakeStreamWaiters() override;

  // --- For the engine's own files. ---------------------------------------------------------

  // engine.cc
  std::shared_ptr<const Table> Find(std::string_view name) const;  // this process's catalog
  bool GetMeta(MDB_txn* txn, std::string_view key, uint64_t* value) const;
  Status PutMeta(MDB_txn* txn, std::string_view key, uint64_t value) const;
  const SystemDbs& dbs() const { return dbs_; }
  const Options& options() const { return options_; }

  // snapshot.cc: a snapshot from the pool (waits out a map resize; adopts a map another
  // process grew), and back to the pool. A ReadView releases its own.
  Result<LmdbSnapshot*> AcquireSnapshot();
  void ReleaseSnapshot(LmdbSnapshot* snapshot);

  // writer.cc
  void Enqueue(std::unique_ptr<Job> job);

  // control_plane.cc (writer thread)
  Result<std::shared_ptr<LmdbStorage>> OpenStorage(MDB_txn* txn, uint32_t storage_id,
                                                   uint32_t count, bool create);
  Status CheckRoom(unsigned count) const;
  Result<std::shared_ptr<LmdbStorage>> NewStorage(MDB_txn* txn, uint32_t count);
  std::shared_ptr<const Table> MakeTable(
      TableDefinition def, std::shared_ptr<PartitionStorage> storage, const Table* previous,
      const std::map<uint32_t, std::shared_ptr<PartitionStorage>>& extra) const;
  Status PutCatalog(WriteContext& ctx, const TableDefinition& def);
  void Publish(WriteContext& ctx, std::shared_ptr<const Table> table);
  Status DropStorage(WriteContext& ctx, const std::shared_ptr<PartitionStorage>& storage);
  void CloseRetired();

  // backfill.cc (writer thread)
  void StartBackfill(const std::string& table_name, uint32_t index_storage);
  void StartIndexDeletion(const std::string& table_name, uint32_t index_storage);

  // foreign_changes.cc
  Status RefreshIfChanged(MDB_txn** txn);  // writer thread
  void PollForeignChanges();               // writer thread
  void SyncWithWriter() const;             // any thread but the writer
  bool ForeignChanges() const;             // any thread

  // stream_store.cc (writer thread)
  Status OpenStream(WriteContext& ctx, TableDefinition& def, const std::string& previous_label);
  Status CloseStream(WriteContext& ctx, uint32_t stream_id);
  void MaybeScheduleTrim();
  // Bumps stream_version and wakes its waiters (writer thread, after a commit with stream
  // records or a change by another process).
  void NotifyStreamChange();

 private:
  explicit LmdbDatabase(const Options& options);
  Status Load();      // engine.cc, at Open
  void WriterLoop();  // writer.cc
  void RunGroup(std::vector<std::unique_ptr<Job>>& jobs);
  bool GrowMap();
  bool ResizeMap(size_t size);                             // 0: adopt another process's size
  Result<LmdbSnapshot*> TryAcquireSnapshot(int* lmdb_rc);  // snapshot.cc
  Status Refresh(MDB_txn* txn, TableMap* fresh);           // foreign_changes.cc
  Status BackfillChunk(WriteContext& ctx, const std::string& table_name, uint32_t index_storage,
                       uint32_t partition, const std::string& after);  // backfill.cc
  Status FinishIndexDeletion(WriteContext& ctx, const std::string& table_name,
                             uint32_t index_storage);
  Status TrimStreams(WriteContext& ctx, size_t budget, bool* more);  // stream_store.cc
  Status PutStream(WriteContext& ctx, const StreamDefinition& def);
  // Runs a control-plane change alone in its transaction and waits for it.
  Result<std::shared_ptr<const Table>> RunCatalogJob(
      std::function<Result<std::shared_ptr<const Table>>(WriteContext&)> fn);

  friend class LmdbSnapshot;

  // Const after Open.
  Options options_;
  MDB_env* env_ = nullptr;
  SystemDbs dbs_;
  int lock_fd_ = -1;  // flock'ed LOCK file when exclusive
  std::thread writer_;

  // The catalog as this process knows it.
  mutable std::mutex catalog_mu_;
  TableMap tables_;  // guarded by catalog_mu_

  // Snapshots, and map resizes (no snapshot may be open then: their views point into the map).
  mutable std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<LmdbSnapshot>> free_snapshots_;  // guarded by readers_mu_
  int active_readers_ = 0;                                     // guarded by readers_mu_
  bool resizing_ = false;                                      // guarded by readers_mu_

  // The writer's queue.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Job>> queue_;  // guarded by queue_mu_
  bool stopping_ = false;                   // guarded by queue_mu_

  // Stream change notification (WaitForStreamChange).
  std::mutex stream_mu_;
  std::condition_variable stream_cv_;
  std::atomic<uint64_t> stream_version_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> commit_ns_{0};   // in mdb_txn_commit, syncs included
  std::atomic<uint64_t> map_bytes_{0};   // after the last commit (mdb_env_info)
  std::atomic<uint64_t> used_bytes_{0};
  std::atomic<uint64_t> committed_jobs_{0};

  // Other processes (cirrus import) may write the same environment. Every transaction that
  // changes the catalog, and every commit of a non-exclusive process, bumps the meta counter
  // "generation"; a process whose last seen generation differs reloads its catalog and
  // statistics (Refresh) before it writes, and at least every kPollInterval. Written by the
  // writer thread, read by any.
  std::atomic<uint64_t> generation_{0};

  // Writer thread only (after Open).
  size_t current_map_size_ = 0;
  uint32_t next_storage_id_ = 1;
  unsigned open_partition_dbs_ = 0;
  std::vector<std::shared_ptr<PartitionStorage>> retired_;  // deleted; closed once unreferenced
  std::chrono::steady_clock::time_point next_trim_{};
};

}  // namespace cirrus::db::lmdb
