#include "db/database.h"

#include <future>

namespace cirrus::db {

PartitionCursor::PartitionCursor(std::unique_ptr<Cursor> cursor) : cursor_(std::move(cursor)) {}
PartitionCursor::PartitionCursor(PartitionCursor&& other) noexcept = default;
PartitionCursor::~PartitionCursor() = default;
bool PartitionCursor::SeekForward(std::string_view key, bool inclusive) {
  return cursor_->SeekForward(key, inclusive);
}
bool PartitionCursor::SeekBackward(std::string_view key, bool inclusive) {
  return cursor_->SeekBackward(key, inclusive);
}
bool PartitionCursor::Next() { return cursor_->Next(); }
bool PartitionCursor::Prev() { return cursor_->Prev(); }
bool PartitionCursor::valid() const { return cursor_->valid(); }
std::string_view PartitionCursor::key() const { return cursor_->key(); }
std::string_view PartitionCursor::value() const { return cursor_->value(); }
const Status& PartitionCursor::status() const { return cursor_->status(); }

ReadView::ReadView(Snapshot* snapshot) : snapshot_(snapshot) {}
ReadView::ReadView(ReadView&& other) noexcept
    : snapshot_(std::exchange(other.snapshot_, nullptr)) {}
ReadView::~ReadView() {
  if (snapshot_) snapshot_->Release();
}

Result<std::optional<std::string_view>> ReadView::Get(const KeySpace& space,
                                                      std::string_view stored_key) {
  return snapshot_->Get(space, stored_key);
}

Result<PartitionCursor> ReadView::OpenCursor(const KeySpace& space, uint32_t partition) {
  CIRRUS_ASSIGN_OR_RETURN(std::unique_ptr<Cursor> cursor, snapshot_->OpenCursor(space, partition));
  return PartitionCursor(std::move(cursor));
}

Result<std::vector<StreamDefinition>> ReadView::Streams() { return snapshot_->Streams(); }

Result<std::optional<StreamDefinition>> ReadView::FindStream(uint32_t stream_id) {
  return snapshot_->FindStream(stream_id);
}

Result<std::pair<uint64_t, uint64_t>> ReadView::ShardBounds(uint32_t stream_id, uint32_t shard) {
  return snapshot_->ShardBounds(stream_id, shard);
}

Status ReadView::ReadStream(uint32_t stream_id, uint32_t shard, uint64_t from, size_t limit,
                            size_t max_bytes, std::vector<StreamRecord>* out) {
  return snapshot_->ReadStream(stream_id, shard, from, limit, max_bytes, out);
}

Result<uint64_t> ReadView::LastSequence() { return snapshot_->LastSequence(); }

Result<std::optional<std::string>> ReadView::GetSetting(std::string_view key) {
  return snapshot_->GetSetting(key);
}

Result<std::vector<std::pair<std::string, std::string>>> ReadView::ListSettings(
    std::string_view prefix, size_t limit, std::string_view after) {
  return snapshot_->ListSettings(prefix, limit, after);
}

Database::~Database() = default;

Status Database::WriteSync(WriteBatch* batch) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Write(batch, [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

}  // namespace cirrus::db
