// Reads: snapshots and partition cursors.
#include "db/lmdb/snapshot.h"

#include <algorithm>

#include "db/item_codec.h"
#include "db/lmdb/tree_key.h"

namespace cirrus::db::lmdb {
namespace {

// A partition's items in stored-key order. LMDB orders tree keys, which are the stored keys
// except for long keys (tree_key.h): a run of digest keys sharing their first kMaxInlineKey
// bytes is read whole and ordered by the stored keys its items give.
class LmdbCursor final : public Cursor {
 public:
  LmdbCursor(CursorHandle cursor, const KeySpace* space)
      : cursor_(std::move(cursor)), space_(space) {}

  bool SeekForward(std::string_view key, bool inclusive) override;
  bool SeekBackward(std::string_view key, bool inclusive) override;
  bool Next() override;
  bool Prev() override;
  bool valid() const override { return valid_; }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  const Status& status() const override { return status_; }

 private:
  // Moves the LMDB cursor (tree keys); false at either end or on error.
  bool Raw(MDB_cursor_op op, std::string_view tree_key = {});
  // After a raw move: exposes the entry, reading a whole run of digest keys in stored-key
  // order when it lands on one, positioned at its first (forward) or last entry.
  bool Settle(bool forward);
  bool Invalid(Status status) {
    status_ = std::move(status);
    valid_ = false;
    return false;
  }

  CursorHandle cursor_;
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

bool LmdbCursor::Raw(MDB_cursor_op op, std::string_view tree_key) {
  MDB_val k = Val(tree_key), v{0, nullptr};
  int rc = cursor_.Get(&k, &v, op);
  if (rc == 0) {
    raw_key_ = View(k);
    raw_value_ = View(v);
    return true;
  }
  valid_ = false;
  if (rc != MDB_NOTFOUND) status_ = LmdbError(rc, "mdb_cursor_get");
  return false;
}

bool LmdbCursor::Settle(bool forward) {
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
  if (!Raw(MDB_SET_KEY, far_end))
    return Invalid(status_.ok() ? InternalError("run vanished") : status_);
  std::sort(run_.begin(), run_.end());
  run_pos_ = forward ? 0 : run_.size() - 1;
  key_ = run_[run_pos_].first;
  value_ = run_[run_pos_].second;
  return valid_ = true;
}

bool LmdbCursor::SeekForward(std::string_view key, bool inclusive) {
  // A long key's run starts at its first kMaxInlineKey bytes (tree_key.h).
  std::string_view target = key.size() > kMaxInlineKey ? key.substr(0, kMaxInlineKey) : key;
  if (!(key.empty() ? Raw(MDB_FIRST) : Raw(MDB_SET_RANGE, target)) || !Settle(true)) return false;
  while (valid_ && (key_ < key || (!inclusive && key_ == key))) Next();
  return valid_;
}

bool LmdbCursor::SeekBackward(std::string_view key, bool inclusive) {
  bool found;
  if (key.empty()) {
    found = Raw(MDB_LAST);
  } else if (key.size() > kMaxInlineKey) {
    // Past the end of the run that could hold `key`, then back.
    std::string end = PrefixSuccessor(key.substr(0, kMaxInlineKey));
    found =
        (end.empty() || !Raw(MDB_SET_RANGE, end)) ? status_.ok() && Raw(MDB_LAST) : Raw(MDB_PREV);
  } else if (!Raw(MDB_SET_RANGE, key)) {
    found = status_.ok() && Raw(MDB_LAST);
  } else {
    found = (raw_key_ == key && inclusive) || Raw(MDB_PREV);
  }
  if (!found || !Settle(false)) return false;
  while (valid_ && !key.empty() && (key_ > key || (!inclusive && key_ == key))) Prev();
  return valid_;
}

bool LmdbCursor::Next() {
  if (!run_.empty() && run_pos_ + 1 < run_.size()) {
    ++run_pos_;
    key_ = run_[run_pos_].first;
    value_ = run_[run_pos_].second;
    return true;
  }
  return Raw(MDB_NEXT) && Settle(true);
}

bool LmdbCursor::Prev() {
  if (!run_.empty() && run_pos_ > 0) {
    --run_pos_;
    key_ = run_[run_pos_].first;
    value_ = run_[run_pos_].second;
    return true;
  }
  return Raw(MDB_PREV) && Settle(false);
}

}  // namespace

Result<std::optional<std::string_view>> LmdbSnapshot::Get(const KeySpace& space,
                                                          std::string_view stored_key) {
  std::string buffer;
  MDB_val k = Val(TreeKeyOf(stored_key, &buffer)), v;
  int rc = mdb_get(txn_, DbiOf(space, space.PartitionOfKey(stored_key)), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return LmdbError(rc, "mdb_get");
  return std::optional<std::string_view>(View(v));
}

Result<std::unique_ptr<Cursor>> LmdbSnapshot::OpenCursor(const KeySpace& space,
                                                         uint32_t partition) {
  CursorHandle cursor;
  CIRRUS_RETURN_IF_ERROR(
      lmdb::OpenCursor(txn_, DbiOf(space, partition), "mdb_cursor_open", &cursor));
  return std::unique_ptr<Cursor>(std::make_unique<LmdbCursor>(std::move(cursor), &space));
}

Result<ReadView> LmdbDatabase::Read() {
  CIRRUS_ASSIGN_OR_RETURN(LmdbSnapshot * snapshot, AcquireSnapshot());
  return ReadView(snapshot);
}

Result<LmdbSnapshot*> LmdbDatabase::AcquireSnapshot() {
  for (int attempt = 0;; ++attempt) {
    int rc = 0;
    Result<LmdbSnapshot*> snapshot = TryAcquireSnapshot(&rc);
    // Another process grew the data past this process's map: the writer adopts its size.
    if (rc != MDB_MAP_RESIZED || attempt > 0) return snapshot;
    SyncWithWriter();
  }
}

Result<LmdbSnapshot*> LmdbDatabase::TryAcquireSnapshot(int* lmdb_rc) {
  std::unique_ptr<LmdbSnapshot> snapshot;
  {
    std::unique_lock lock(readers_mu_);
    readers_cv_.wait(lock, [&] { return !resizing_; });
    ++active_readers_;
    if (!free_snapshots_.empty()) {
      snapshot = std::move(free_snapshots_.back());
      free_snapshots_.pop_back();
    }
  }
  MDB_txn* txn = snapshot ? snapshot->txn() : nullptr;
  int rc = txn ? mdb_txn_renew(txn) : mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  *lmdb_rc = rc;
  if (rc != 0) {
    snapshot.reset();  // aborts a pooled transaction that would not renew
    std::lock_guard lock(readers_mu_);
    if (--active_readers_ == 0 && resizing_) readers_cv_.notify_all();
    return LmdbError(rc, "mdb_txn_begin(read)");
  }
  if (!snapshot) snapshot = std::make_unique<LmdbSnapshot>(this, txn);
  return snapshot.release();
}

void LmdbDatabase::ReleaseSnapshot(LmdbSnapshot* snapshot) {
  mdb_txn_reset(snapshot->txn());
  std::lock_guard lock(readers_mu_);
  free_snapshots_.emplace_back(snapshot);
  if (--active_readers_ == 0 && resizing_) readers_cv_.notify_all();
}

}  // namespace cirrus::db::lmdb
