#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cirrus::db::lmdb {

// The key an item has in its partition's B-tree, derived from its stored key (key_codec.h).
//
// LMDB keys hold at most 511 bytes (Debian's liblmdb keeps the default MDB_MAXKEYSIZE) while
// a stored key reaches about 6 KB (a 2048-byte partition key and a 1024-byte sort key, with
// escapes). So:
//   tree key := the stored key, when it has at most kMaxInlineKey bytes;
//               else its first kMaxInlineKey bytes, then XXH128(stored key) (16 bytes, BE).
// Order: a stored key is never a proper prefix of another (key_codec.h invariant 2), so
// tree keys keep stored-key order except among long keys that share their first
// kMaxInlineKey bytes (a "run", which sorts by digest); PartitionCursor reads a run whole
// and restores its order from the stored items. Runs need keys over 480 bytes sharing 480:
// rare, and small unless one huge partition key holds many items.
// On disk: change only with a format version bump.
constexpr size_t kMaxInlineKey = 480;
constexpr size_t kDigestTreeKeySize = kMaxInlineKey + 16;

// Appends the tree key of `stored_key` to *out.
void AppendTreeKey(std::string_view stored_key, std::string* out);
std::string TreeKey(std::string_view stored_key);

// True when `tree_key` is the digest form (its stored key must be read from the item).
inline bool IsDigestTreeKey(std::string_view tree_key) {
  return tree_key.size() == kDigestTreeKeySize;
}

}  // namespace cirrus::db::lmdb
