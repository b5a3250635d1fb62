// Change streams in the environment: opening and closing a table's stream, retention, and the
// snapshot's reads of streams and their records. (What a write records is db/stream.h's.)
#include <algorithm>

#include "db/bytes.h"
#include "db/item/clock.h"
#include "db/lmdb/engine.h"
#include "db/lmdb/jobs.h"
#include "db/lmdb/snapshot.h"
#include "db/lmdb/system_keys.h"

namespace cirrus::db::lmdb {

Result<std::optional<StreamDefinition>> GetStream(MDB_txn* txn, const SystemDbs& dbs,
                                                  uint32_t stream_id) {
  std::string key = StorageKey(stream_id);
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn, dbs.streams, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<StreamDefinition>();
  if (rc != 0) return LmdbError(rc, "mdb_get(streams)");
  CIRRUS_ASSIGN_OR_RETURN(StreamDefinition def, DecodeStreamDefinition(View(v)));
  return std::optional<StreamDefinition>(std::move(def));
}

Status LmdbDatabase::PutStream(WriteContext& ctx, const StreamDefinition& def) {
  std::string key = StorageKey(def.stream_id), record = EncodeStreamDefinition(def);
  MDB_val k = Val(key), v = Val(record);
  int rc = mdb_put(ctx.txn(), dbs_.streams, &k, &v, 0);
  return rc == 0 ? Status() : ctx.Fail(rc, "mdb_put(streams)");
}

// Starts a new stream for `def` (which has stream.enabled and its view type set): a fresh id
// and label, recorded in "streams".
Status LmdbDatabase::OpenStream(WriteContext& ctx, TableDefinition& def,
                                const std::string& previous_label) {
  uint64_t next = 1;
  GetMeta(ctx.txn(), kNextStreamIdKey, &next);
  CIRRUS_RETURN_IF_ERROR(PutMeta(ctx.txn(), kNextStreamIdKey, next + 1));
  StreamDefinition stream;
  stream.stream_id = static_cast<uint32_t>(next);
  stream.table_name = def.name;
  stream.table_id = def.table_id;
  stream.created_us = NowMicros();
  stream.label = IsoTime(stream.created_us / 1000, /*zulu=*/false);
  // Labels, and so ARNs, of a table name never repeat, also across a delete and recreate.
  std::string latest = previous_label;
  {
    CursorHandle cursor;
    if (OpenCursor(ctx.txn(), dbs_.streams, "cursor(streams)", &cursor).ok()) {
      MDB_val k, v;
      for (int rc = cursor.Get(&k, &v, MDB_FIRST); rc == 0; rc = cursor.Get(&k, &v, MDB_NEXT)) {
        Result<StreamDefinition> other = DecodeStreamDefinition(View(v));
        if (other.ok() && other->table_name == def.name) latest = std::max(latest, other->label);
      }
    }
  }
  while (stream.label <= latest) {
    stream.created_us += 1000;
    stream.label = IsoTime(stream.created_us / 1000, /*zulu=*/false);
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
Status LmdbDatabase::CloseStream(WriteContext& ctx, uint32_t stream_id) {
  Result<std::optional<StreamDefinition>> stream = GetStream(ctx.txn(), dbs_, stream_id);
  if (!stream.ok()) return ctx.Abort(stream.status());
  if (!*stream || (*stream)->closed_us != 0) return Status();
  StreamDefinition closed = std::move(**stream);
  closed.closed_us = NowMicros();
  return PutStream(ctx, closed);
}

// Removes stream records older than the retention period, and closed streams that are empty
// and that old; at most `budget` records per call. *more: work is left.
Status LmdbDatabase::TrimStreams(WriteContext& ctx, size_t budget, bool* more) {
  *more = false;
  const int64_t cutoff = NowMicros() - options_.stream_retention.count();
  std::vector<StreamDefinition> streams;
  MDB_val k, v;
  int rc;
  {
    CursorHandle cursor;
    if (Status s = OpenCursor(ctx.txn(), dbs_.streams, "cursor(streams)", &cursor); !s.ok())
      return ctx.Abort(s);
    for (rc = cursor.Get(&k, &v, MDB_FIRST); rc == 0; rc = cursor.Get(&k, &v, MDB_NEXT)) {
      Result<StreamDefinition> def = DecodeStreamDefinition(View(v));
      if (def.ok()) streams.push_back(std::move(*def));
    }
  }
  CursorHandle cursor;
  if (Status s = OpenCursor(ctx.txn(), dbs_.records, "cursor(stream_records)", &cursor); !s.ok()) {
    return ctx.Abort(s);
  }
  for (StreamDefinition& def : streams) {
    std::vector<uint64_t> trimmed(def.shard_count);
    for (uint32_t shard = 0; shard < def.shard_count; ++shard)
      trimmed[shard] = def.TrimmedThrough(shard);
    bool empty = true;
    for (uint32_t shard = 0; shard < def.shard_count; ++shard) {
      const std::string first = RecordKey(def.stream_id, shard, 0);
      const std::string_view prefix = std::string_view(first).substr(0, kShardPrefixSize);
      for (;;) {
        k = Val(first);
        rc = cursor.Get(&k, &v, MDB_SET_RANGE);
        if (rc == MDB_NOTFOUND || (rc == 0 && View(k).substr(0, kShardPrefixSize) != prefix)) break;
        if (rc != 0) return ctx.Fail(rc, "mdb_cursor_get(stream_records)");
        if (StreamRecordTime(View(v)) >= cutoff || budget == 0) {
          empty = false;
          *more = *more || budget == 0;
          break;
        }
        trimmed[shard] = std::max(trimmed[shard], RecordSequence(View(k)));
        if ((rc = mdb_cursor_del(cursor.get(), 0)) != 0)
          return ctx.Fail(rc, "mdb_cursor_del(stream_records)");
        --budget;
      }
    }
    if (def.closed_us != 0 && def.closed_us < cutoff && empty) {
      std::string key = StorageKey(def.stream_id);
      MDB_val sk = Val(key);
      rc = mdb_del(ctx.txn(), dbs_.streams, &sk, nullptr);
      if (rc != 0) return ctx.Fail(rc, "mdb_del(streams)");
    } else if (trimmed != def.trimmed) {
      def.trimmed = std::move(trimmed);
      CIRRUS_RETURN_IF_ERROR(PutStream(ctx, def));
    }
  }
  return Status();
}

void LmdbDatabase::MaybeScheduleTrim() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_trim_) return;
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::clamp<std::chrono::microseconds>(options_.stream_retention / 10, std::chrono::seconds(1),
                                            std::chrono::seconds(60)));
  next_trim_ = now + interval;
  struct Trim {
    static void Run(LmdbDatabase* db) {
      db->Enqueue(std::make_unique<TaskJob>([db](WriteContext& ctx) {
        bool more = false;
        Status s = db->TrimStreams(ctx, 5000, &more);
        if (s.ok() && more) ctx.OnCommit([db] { Run(db); });  // the rest after waiting writes
        return s;
      }));
    }
  };
  // Nothing to trim, nothing to commit: look first.
  MDB_txn* raw;
  if (mdb_txn_begin(env_, nullptr, MDB_RDONLY, &raw) != 0) return;
  TxnHandle txn(raw);
  MDB_stat stat;
  bool any = mdb_stat(raw, dbs_.streams, &stat) == 0 && stat.ms_entries > 0;
  txn.Abort();
  if (any) Trim::Run(this);
}

Result<std::vector<StreamDefinition>> LmdbSnapshot::Streams() {
  std::vector<StreamDefinition> out;
  CursorHandle cursor;
  CIRRUS_RETURN_IF_ERROR(lmdb::OpenCursor(txn_, db_->dbs().streams, "cursor(streams)", &cursor));
  MDB_val k, v;
  for (int rc = cursor.Get(&k, &v, MDB_FIRST); rc == 0; rc = cursor.Get(&k, &v, MDB_NEXT)) {
    CIRRUS_ASSIGN_OR_RETURN(StreamDefinition def, DecodeStreamDefinition(View(v)));
    out.push_back(std::move(def));
  }
  return out;
}

Result<std::optional<StreamDefinition>> LmdbSnapshot::FindStream(uint32_t stream_id) {
  return GetStream(txn_, db_->dbs(), stream_id);
}

Result<std::pair<uint64_t, uint64_t>> LmdbSnapshot::ShardBounds(uint32_t stream_id,
                                                                uint32_t shard) {
  CursorHandle cursor;
  CIRRUS_RETURN_IF_ERROR(
      lmdb::OpenCursor(txn_, db_->dbs().records, "cursor(stream_records)", &cursor));
  std::pair<uint64_t, uint64_t> bounds{0, 0};
  std::string first = RecordKey(stream_id, shard, 0), after = RecordKey(stream_id, shard + 1, 0);
  if (shard == UINT32_MAX) after = RecordKey(stream_id + 1, 0, 0);
  MDB_val k = Val(first), v;
  int rc = cursor.Get(&k, &v, MDB_SET_RANGE);
  if (rc == 0 &&
      View(k).substr(0, kShardPrefixSize) == std::string_view(first).substr(0, kShardPrefixSize)) {
    bounds.first = RecordSequence(View(k));
    k = Val(after);
    rc = cursor.Get(&k, &v, MDB_SET_RANGE);
    rc = rc == 0 ? cursor.Get(&k, &v, MDB_PREV) : cursor.Get(&k, &v, MDB_LAST);
    if (rc == 0) bounds.second = RecordSequence(View(k));
    rc = 0;
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(rc, "mdb_cursor_get(stream_records)");
  return bounds;
}

Status LmdbSnapshot::ReadStream(uint32_t stream_id, uint32_t shard, uint64_t from, size_t limit,
                                size_t max_bytes, std::vector<StreamRecord>* out) {
  CursorHandle cursor;
  CIRRUS_RETURN_IF_ERROR(
      lmdb::OpenCursor(txn_, db_->dbs().records, "cursor(stream_records)", &cursor));
  std::string start = RecordKey(stream_id, shard, from);
  const std::string_view prefix = std::string_view(start).substr(0, kShardPrefixSize);
  MDB_val k = Val(start), v;
  size_t bytes = 0, taken = 0;
  int rc;
  for (rc = cursor.Get(&k, &v, MDB_SET_RANGE);
       rc == 0 && taken < limit && View(k).substr(0, kShardPrefixSize) == prefix &&
       (taken == 0 || bytes < max_bytes);
       rc = cursor.Get(&k, &v, MDB_NEXT)) {
    CIRRUS_ASSIGN_OR_RETURN(StreamRecord record, DecodeStreamRecord(View(v)));
    record.sequence = RecordSequence(View(k));
    record.shard = shard;
    bytes += record.size_bytes;
    ++taken;
    out->push_back(std::move(record));
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(rc, "mdb_cursor_get(stream_records)");
  return Status();
}

Result<uint64_t> LmdbSnapshot::LastSequence() {
  uint64_t last = 0;
  db_->GetMeta(txn_, kStreamSequenceKey, &last);
  return last;
}

}  // namespace cirrus::db::lmdb
