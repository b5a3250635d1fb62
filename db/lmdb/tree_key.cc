#include "db/lmdb/tree_key.h"

#include <xxhash.h>

#include "db/key_codec.h"

namespace cirrus::db::lmdb {

void AppendTreeKey(std::string_view stored_key, std::string* out) {
  if (stored_key.size() <= kMaxInlineKey) {
    out->append(stored_key);
    return;
  }
  out->append(stored_key.substr(0, kMaxInlineKey));
  XXH128_hash_t digest = XXH3_128bits(stored_key.data(), stored_key.size());
  AppendBigEndian64(digest.high64, out);
  AppendBigEndian64(digest.low64, out);
}

std::string TreeKey(std::string_view stored_key) {
  std::string out;
  AppendTreeKey(stored_key, &out);
  return out;
}

}  // namespace cirrus::db::lmdb
