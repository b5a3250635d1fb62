#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "db/lmdb/engine.h"
#include "db/lmdb/util.h"
#include "db/write_batch.h"

namespace cirrus::db::lmdb {

// One write transaction of the writer thread, as the write path sees it (ItemTransaction),
// with what it changes in memory-visible state (statistics, the catalog) deferred until it
// commits. Writer thread only.
class WriteContext final : public ItemTransaction {
 public:
  WriteContext(MDB_txn* txn, const SystemDbs& dbs) : txn_(txn), dbs_(dbs) {}

  MDB_txn* txn() const { return txn_; }

  // ItemTransaction
  Result<std::optional<std::string_view>> Get(const KeySpace& space, std::string_view key) override;
  Status Put(const KeySpace& space, std::string_view key, std::string_view value) override;
  Result<std::optional<std::string_view>> PutIfAbsent(const KeySpace& space, std::string_view key,
                                                      std::string_view value) override;
  Status Delete(const KeySpace& space, std::string_view key) override;
  void AddDelta(const KeySpace& space, int64_t count, int64_t size) override;
  Result<int64_t> CollectionSize(std::string_view collection) override;
  Status SetCollectionSize(std::string_view collection, int64_t size) override;
  // The last number given out is kept in meta "stream_seq" (read once per transaction, written
  // back by FlushStats), so every process continues one series.
  Status AppendStreamRecord(uint32_t stream_id, uint32_t shard, std::string_view record) override;
  Status PutSetting(std::string_view key, std::optional<std::string_view> value) override;
  Status Abort(Status status) override {
    failed_ = true;
    return status;
  }
  bool failed() const override { return failed_; }

  // An LMDB call failed: the transaction must abort (the group is then retried job by job).
  Status Fail(int rc, const char* what) {
    map_full_ = map_full_ || rc == MDB_MAP_FULL;
    return Abort(LmdbError(rc, what));
  }
  // The transaction failed for want of room in the memory map (growing it may help).
  bool map_full() const { return map_full_; }

  bool streamed() const { return sequence_.has_value(); }
  // The last sequence number in the data directory, as this transaction sees it.
  Result<uint64_t> LastSequence();

  void OnCommit(std::function<void()> fn) { on_commit_.push_back(std::move(fn)); }
  // The transaction changes the catalog: other processes must reload theirs.
  void CatalogChanged() { catalog_changed_ = true; }
  bool catalog_changed() const { return catalog_changed_; }

  // Writes the new statistics of every table and index touched, and the last stream sequence
  // number; once, before commit. Statistics are read back from the transaction, not from
  // memory: another process (cirrus import) may have written the same table since this one
  // last looked.
  Status FlushStats();
  // After a successful commit (and FlushStats): publishes statistics, runs OnCommit functions.
  void Committed();

 private:
  struct Delta {
    std::shared_ptr<PartitionStorage> storage;
    int64_t count = 0;
    int64_t size = 0;
  };
  MDB_txn* txn_;
  const SystemDbs& dbs_;
  std::optional<uint64_t> sequence_;  // the last stream sequence number given out
  bool catalog_changed_ = false;
  bool failed_ = false;
  bool map_full_ = false;
  std::unordered_map<PartitionStorage*, Delta> deltas_;
  std::vector<std::function<void()>> on_commit_;
};

}  // namespace cirrus::db::lmdb
