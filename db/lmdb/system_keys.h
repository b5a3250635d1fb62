#pragma once
// The keys and small values of the environment's system B-trees (engine.h has the layout).
#include <cstdint>
#include <string>
#include <string_view>

namespace cirrus::db::lmdb {

// Names of the meta B-tree's counters (each a fixed64).
inline constexpr std::string_view kFormatVersionKey = "format_version";
inline constexpr std::string_view kNextStorageIdKey = "next_storage_id";
inline constexpr std::string_view kNextStreamIdKey = "next_stream_id";
inline constexpr std::string_view kGenerationKey = "generation";  // catalog changes, see engine.h
inline constexpr std::string_view kStreamSequenceKey = "stream_seq";  // last sequence given out

// "p:<storage id>:<partition>": a partition's B-tree.
std::string PartitionDbName(uint32_t storage_id, uint32_t partition);
// A storage id (or stream id, or shard) as 4 big-endian bytes: "stats" and "streams" keys.
std::string StorageKey(uint32_t storage_id);

// "stats" value := item_count:fixed64 size_bytes:fixed64.
std::string StatsValue(int64_t count, int64_t size);
void ReadStats(std::string_view value, int64_t* count, int64_t* size);

// "stream_records" key := stream id:u32 shard:u32 sequence:u64, big-endian, so that a shard's
// records sort by sequence number. The first 8 bytes name the shard.
std::string RecordKey(uint32_t stream_id, uint32_t shard, uint64_t sequence);
uint64_t RecordSequence(std::string_view key);
inline constexpr size_t kShardPrefixSize = 8;

}  // namespace cirrus::db::lmdb
