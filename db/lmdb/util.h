#pragma once
// LMDB helpers shared by the engine's files: errors, byte views, and owners of transactions and
// cursors that end them on every path. Only db/lmdb/ includes lmdb.h.
#include <lmdb.h>

#include <string>
#include <string_view>
#include <utility>

#include "db/item/status.h"

namespace cirrus::db::lmdb {

// kInternal naming the call and LMDB's reason.
Status LmdbError(int rc, const char* what);

inline MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view View(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// The tree key (db/lmdb/tree_key.h) of a stored key: the key itself when short, else built in
// *buffer.
std::string_view TreeKeyOf(std::string_view stored_key, std::string* buffer);

// Owns a cursor: closes it when destroyed.
class CursorHandle {
 public:
  CursorHandle() = default;
  explicit CursorHandle(MDB_cursor* cursor) : cursor_(cursor) {}
  CursorHandle(CursorHandle&& other) noexcept : cursor_(std::exchange(other.cursor_, nullptr)) {}
  CursorHandle& operator=(CursorHandle&& other) noexcept {
    std::swap(cursor_, other.cursor_);
    return *this;
  }
  ~CursorHandle() {
    if (cursor_) mdb_cursor_close(cursor_);
  }
  MDB_cursor* get() const { return cursor_; }

  // Moves the cursor (MDB_FIRST, MDB_NEXT, MDB_SET_RANGE with *key...): 0 or LMDB's code.
  int Get(MDB_val* key, MDB_val* value, MDB_cursor_op op) const {
    return mdb_cursor_get(cursor_, key, value, op);
  }

 private:
  MDB_cursor* cursor_ = nullptr;
};

// Opens a cursor on `dbi` in `txn` into *out.
inline Status OpenCursor(MDB_txn* txn, MDB_dbi dbi, const char* what, CursorHandle* out) {
  MDB_cursor* cursor;
  int rc = mdb_cursor_open(txn, dbi, &cursor);
  if (rc != 0) return LmdbError(rc, what);
  *out = CursorHandle(cursor);
  return Status();
}

// Owns a transaction: aborts it when destroyed unless Commit() took it.
class TxnHandle {
 public:
  TxnHandle() = default;
  explicit TxnHandle(MDB_txn* txn) : txn_(txn) {}
  TxnHandle(TxnHandle&& other) noexcept : txn_(std::exchange(other.txn_, nullptr)) {}
  TxnHandle& operator=(TxnHandle&& other) noexcept {
    std::swap(txn_, other.txn_);
    return *this;
  }
  ~TxnHandle() { Abort(); }
  MDB_txn* get() const { return txn_; }
  MDB_txn* release() { return std::exchange(txn_, nullptr); }

  // 0 or LMDB's code; the transaction is over either way.
  int Commit() {
    int rc = txn_ ? mdb_txn_commit(txn_) : EINVAL;
    txn_ = nullptr;
    return rc;
  }
  void Abort() {
    if (txn_) mdb_txn_abort(txn_);
    txn_ = nullptr;
  }

 private:
  MDB_txn* txn_ = nullptr;
};

}  // namespace cirrus::db::lmdb
