#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/lmdb/engine.h"
#include "db/lmdb/util.h"

namespace cirrus::db::lmdb {

// A ReadView's snapshot: an LMDB read transaction. Pooled by the engine: Release resets the
// transaction and returns the object for the next Read.
class LmdbSnapshot final : public Snapshot {
 public:
  LmdbSnapshot(LmdbDatabase* db, MDB_txn* txn) : db_(db), txn_(txn) {}
  ~LmdbSnapshot() {
    if (txn_) mdb_txn_abort(txn_);
  }
  MDB_txn* txn() const { return txn_; }

  void Release() override { db_->ReleaseSnapshot(this); }
  Result<std::optional<std::string_view>> Get(const KeySpace& space,
                                              std::string_view stored_key) override;
  Result<std::unique_ptr<Cursor>> OpenCursor(const KeySpace& space, uint32_t partition) override;
  // stream_store.cc
  Result<std::vector<StreamDefinition>> Streams() override;
  Result<std::optional<StreamDefinition>> FindStream(uint32_t stream_id) override;
  Result<std::pair<uint64_t, uint64_t>> ShardBounds(uint32_t stream_id, uint32_t shard) override;
  Status ReadStream(uint32_t stream_id, uint32_t shard, uint64_t from, size_t limit,
                    size_t max_bytes, std::vector<StreamRecord>* out) override;
  Result<uint64_t> LastSequence() override;
  // settings.cc
  Result<std::optional<std::string>> GetSetting(std::string_view key) override;
  Result<std::vector<std::pair<std::string, std::string>>> ListSettings(
      std::string_view prefix, size_t limit, std::string_view after) override;

 private:
  LmdbDatabase* db_;
  MDB_txn* txn_;
};

// Reads a stream definition from the "streams" B-tree; nullopt when absent.
Result<std::optional<StreamDefinition>> GetStream(MDB_txn* txn, const SystemDbs& dbs,
                                                  uint32_t stream_id);

}  // namespace cirrus::db::lmdb
