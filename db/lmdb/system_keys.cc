#include "db/lmdb/system_keys.h"

#include "db/bytes.h"

namespace cirrus::db::lmdb {

std::string PartitionDbName(uint32_t storage_id, uint32_t partition) {
  return "p:" + std::to_string(storage_id) + ":" + std::to_string(partition);
}

std::string StorageKey(uint32_t storage_id) {
  std::string key;
  for (int shift = 24; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>(storage_id >> shift));
  return key;
}

std::string StatsValue(int64_t count, int64_t size) {
  std::string v;
  PutFixed64(static_cast<uint64_t>(count), &v);
  PutFixed64(static_cast<uint64_t>(size), &v);
  return v;
}

void ReadStats(std::string_view value, int64_t* count, int64_t* size) {
  ByteReader r(value);
  uint64_t c = 0, b = 0;
  r.Fixed64(&c);
  r.Fixed64(&b);
  *count = static_cast<int64_t>(c);
  *size = static_cast<int64_t>(b);
}

std::string RecordKey(uint32_t stream_id, uint32_t shard, uint64_t sequence) {
  std::string key = StorageKey(stream_id) + StorageKey(shard);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(sequence >> shift));
  return key;
}

uint64_t RecordSequence(std::string_view key) {
  uint64_t v = 0;
  for (size_t i = 8; i < 16 && i < key.size(); ++i) v = v << 8 | static_cast<uint8_t>(key[i]);
  return v;
}

}  // namespace cirrus::db::lmdb
