#include "db/lmdb/write_context.h"

#include "db/bytes.h"
#include "db/lmdb/system_keys.h"

namespace cirrus::db::lmdb {

Result<std::optional<std::string_view>> WriteContext::Get(const KeySpace& space,
                                                          std::string_view key) {
  std::string buffer;
  MDB_val k = Val(TreeKeyOf(key, &buffer)), v;
  int rc = mdb_get(txn_, DbiOf(space, space.PartitionOfKey(key)), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return Fail(rc, "mdb_get");
  return std::optional<std::string_view>(View(v));
}

Status WriteContext::Put(const KeySpace& space, std::string_view key, std::string_view value) {
  std::string buffer;
  MDB_val k = Val(TreeKeyOf(key, &buffer)), v = Val(value);
  int rc = mdb_put(txn_, DbiOf(space, space.PartitionOfKey(key)), &k, &v, 0);
  return rc == 0 ? Status() : Fail(rc, "mdb_put");
}

Result<std::optional<std::string_view>> WriteContext::PutIfAbsent(const KeySpace& space,
                                                                  std::string_view key,
                                                                  std::string_view value) {
  std::string buffer;
  MDB_val k = Val(TreeKeyOf(key, &buffer)), v = Val(value);
  int rc = mdb_put(txn_, DbiOf(space, space.PartitionOfKey(key)), &k, &v, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) return std::optional<std::string_view>(View(v));
  if (rc != 0) return Fail(rc, "mdb_put");
  return std::optional<std::string_view>();
}

Status WriteContext::Delete(const KeySpace& space, std::string_view key) {
  std::string buffer;
  MDB_val k = Val(TreeKeyOf(key, &buffer));
  int rc = mdb_del(txn_, DbiOf(space, space.PartitionOfKey(key)), &k, nullptr);
  return rc == 0 ? Status() : Fail(rc, "mdb_del");
}

void WriteContext::AddDelta(const KeySpace& space, int64_t count, int64_t size) {
  Delta& d = deltas_[space.storage().get()];
  d.storage = space.storage();
  d.count += count;
  d.size += size;
}

Result<int64_t> WriteContext::CollectionSize(std::string_view collection) {
  MDB_val k = Val(collection), v;
  int rc = mdb_get(txn_, dbs_.collections, &k, &v);
  if (rc == MDB_NOTFOUND) return int64_t{0};
  if (rc != 0) return Fail(rc, "mdb_get(collections)");
  ByteReader r(View(v));
  uint64_t size = 0;
  r.Fixed64(&size);
  return static_cast<int64_t>(size);
}

Status WriteContext::SetCollectionSize(std::string_view collection, int64_t size) {
  MDB_val k = Val(collection);
  int rc;
  if (size <= 0) {
    rc = mdb_del(txn_, dbs_.collections, &k, nullptr);
    if (rc == MDB_NOTFOUND) rc = 0;
  } else {
    std::string value;
    PutFixed64(static_cast<uint64_t>(size), &value);
    MDB_val v = Val(value);
    rc = mdb_put(txn_, dbs_.collections, &k, &v, 0);
  }
  return rc == 0 ? Status() : Fail(rc, "mdb_put(collections)");
}

Result<uint64_t> WriteContext::LastSequence() {
  if (sequence_) return *sequence_;
  MDB_val k = Val(kStreamSequenceKey), v;
  int rc = mdb_get(txn_, dbs_.meta, &k, &v);
  if (rc != 0 && rc != MDB_NOTFOUND) return Fail(rc, "mdb_get(stream_seq)");
  uint64_t last = 0;
  if (rc == 0) ByteReader(View(v)).Fixed64(&last);
  return last;
}

Status WriteContext::AppendStreamRecord(uint32_t stream_id, uint32_t shard,
                                        std::string_view record) {
  if (!sequence_) {
    CIRRUS_ASSIGN_OR_RETURN(uint64_t last, LastSequence());
    sequence_ = last;
  }
  std::string key = RecordKey(stream_id, shard, ++*sequence_);
  MDB_val k = Val(key), v = Val(record);
  int rc = mdb_put(txn_, dbs_.records, &k, &v, 0);
  return rc == 0 ? Status() : Fail(rc, "mdb_put(stream_records)");
}

Status WriteContext::FlushStats() {
  for (auto& [ptr, d] : deltas_) {
    std::string key = StorageKey(ptr->storage_id);
    MDB_val k = Val(key), v;
    int rc = mdb_get(txn_, dbs_.stats, &k, &v);
    if (rc != 0 && rc != MDB_NOTFOUND) return Fail(rc, "mdb_get(stats)");
    int64_t count = 0, size = 0;
    if (rc == 0) ReadStats(View(v), &count, &size);
    d.count += count;  // from here on, the totals
    d.size += size;
    std::string value = StatsValue(d.count, d.size);
    v = Val(value);
    rc = mdb_put(txn_, dbs_.stats, &k, &v, 0);
    if (rc != 0) return Fail(rc, "mdb_put(stats)");
  }
  if (sequence_) {
    std::string value;
    PutFixed64(*sequence_, &value);
    MDB_val k = Val(kStreamSequenceKey), v = Val(value);
    int rc = mdb_put(txn_, dbs_.meta, &k, &v, 0);
    if (rc != 0) return Fail(rc, "mdb_put(stream_seq)");
  }
  return Status();
}

void WriteContext::Committed() {
  for (auto& [ptr, d] : deltas_) {
    ptr->item_count = d.count;
    ptr->size_bytes = d.size;
  }
  for (auto& fn : on_commit_) fn();
}

}  // namespace cirrus::db::lmdb
