#include "db/lmdb/util.h"

#include "db/lmdb/tree_key.h"

namespace cirrus::db::lmdb {

Status LmdbError(int rc, const char* what) {
  return InternalError(std::string(what) + ": " + mdb_strerror(rc));
}

std::string_view TreeKeyOf(std::string_view stored_key, std::string* buffer) {
  if (stored_key.size() <= kMaxInlineKey) return stored_key;
  AppendTreeKey(stored_key, buffer);
  return *buffer;
}

}  // namespace cirrus::db::lmdb
