#include "db/backup.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "db/bytes.h"
#include "db/item_codec.h"
#include "db/write_batch.h"

namespace cirrus::db {
namespace {

constexpr std::string_view kMagic = "CIRRUSDB BACKUP1";
constexpr size_t kBufferBytes = size_t{1} << 20;
constexpr uint64_t kMaxRecordBytes = uint64_t{64} << 20;  // far above an item's 400 KB
constexpr size_t kRestoreBatchBytes = size_t{8} << 20;    // per write transaction, at most

Status IoError(const std::string& what, const std::string& path) {
  return InternalError(what + " " + path + ": " + std::strerror(errno));
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Appends through a buffer, hashing every byte.
class Writer {
 public:
  explicit Writer(int fd) : fd_(fd), state_(XXH3_createState()) { XXH3_64bits_reset(state_); }
  ~Writer() { XXH3_freeState(state_); }

  void Append(std::string_view bytes) {
    XXH3_64bits_update(state_, bytes.data(), bytes.size());
    buffer_.append(bytes);
    written_ += bytes.size();
  }
  uint64_t digest() const { return XXH3_64bits_digest(state_); }
  uint64_t written() const { return written_; }
  bool FlushIfFull() { return buffer_.size() < kBufferBytes || Flush(); }
  bool Flush() {
    size_t at = 0;
    while (at < buffer_.size()) {
      ssize_t n = ::write(fd_, buffer_.data() + at, buffer_.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      at += static_cast<size_t>(n);
    }
    buffer_.clear();
    return true;
  }
  // Appends raw (unhashed) bytes: the trailer's checksum itself.
  void AppendRaw(std::string_view bytes) {
    buffer_.append(bytes);
    written_ += bytes.size();
  }

 private:
  int fd_;
  XXH3_state_t* state_;
  std::string buffer_;
  uint64_t written_ = 0;
};

// Reads through a buffer, hashing every byte it hands out.
class Reader {
 public:
  explicit Reader(int fd) : fd_(fd), state_(XXH3_createState()) { XXH3_64bits_reset(state_); }
  ~Reader() { XXH3_freeState(state_); }

  // Reads exactly n bytes into *out; false at end of file or on an error.
  bool Read(size_t n, std::string* out, bool hash = true) {
    out->clear();
    while (out->size() < n) {
      if (at_ == buffer_.size() && !Fill()) return false;
      size_t take = std::min(n - out->size(), buffer_.size() - at_);
      out->append(buffer_, at_, take);
      at_ += take;
    }
    if (hash) XXH3_64bits_update(state_, out->data(), out->size());
    return true;
  }
  bool Varint(uint64_t* v) {
    *v = 0;
    std::string byte;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!Read(1, &byte)) return false;
      const uint8_t b = static_cast<uint8_t>(byte[0]);
      *v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool Fixed64(uint64_t* v, bool hash = true) {
    std::string bytes;
    if (!Read(8, &bytes, hash)) return false;
    ByteReader r(bytes);
    return r.Fixed64(v);
  }
  bool AtEnd() { return at_ == buffer_.size() && !Fill(); }
  uint64_t digest() const { return XXH3_64bits_digest(state_); }
  bool failed() const { return failed_; }

 private:
  bool Fill() {
    buffer_.resize(kBufferBytes);
    ssize_t n;
    do {
      n = ::read(fd_, buffer_.data(), buffer_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) failed_ = true;
    buffer_.resize(n > 0 ? static_cast<size_t>(n) : 0);
    at_ = 0;
    return n > 0;
  }

  int fd_;
  XXH3_state_t* state_;
  std::string buffer_;
  size_t at_ = 0;
  bool failed_ = false;
};

// Opens a backup file and reads its header; the reader is positioned at the first item.
Result<TableDefinition> OpenFile(const std::string& path, Fd* fd, std::unique_ptr<Reader>* reader) {
  fd->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd->fd < 0) return IoError("cannot open backup", path);
  *reader = std::make_unique<Reader>(fd->fd);
  Status corrupt = InternalError("backup file " + path + " is damaged");
  std::string bytes;
  uint64_t length = 0;
  if (!(*reader)->Read(kMagic.size(), &bytes) || bytes != kMagic) return corrupt;
  if (!(*reader)->Varint(&length) || length > kMaxRecordBytes || !(*reader)->Read(length, &bytes)) {
    return corrupt;
  }
  Result<TableDefinition> definition = DecodeTableDefinition(bytes);
  if (!definition.ok()) return corrupt;
  return definition;
}

}  // namespace

Result<BackupStats> WriteBackupFile(ReadView& view, const Table& table,
                                    const TableDefinition& definition, const std::string& path,
                                    const std::atomic<bool>* cancel) {
  const std::string temp = path + ".tmp";
  Fd fd;
  fd.fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd.fd < 0) return IoError("cannot create backup", temp);
  struct RemoveUnlessKept {
    const std::string& path;
    bool keep = false;
    ~RemoveUnlessKept() {
      if (!keep) ::unlink(path.c_str());
    }
  } cleanup{temp};

  Writer out(fd.fd);
  BackupStats stats;
  std::string scratch(kMagic);
  out.Append(scratch);
  scratch.clear();
  PutBytes(EncodeTableDefinition(definition), &scratch);
  out.Append(scratch);
  for (uint32_t p = 0; p < table.partition_count(); ++p) {
    CIRRUS_ASSIGN_OR_RETURN(PartitionCursor cursor, view.OpenCursor(table, p));
    for (bool more = cursor.SeekForward({}, true); more; more = cursor.Next()) {
      scratch.clear();
      PutBytes(cursor.value(), &scratch);
      out.Append(scratch);
      ++stats.items;
      stats.item_bytes += StoredItemSize(cursor.value());
      if (!out.FlushIfFull()) return IoError("cannot write backup", temp);
      if (cancel && (stats.items & 1023) == 0 && cancel->load()) {
        return InternalError("the backup was cancelled");
      }
    }
    CIRRUS_RETURN_IF_ERROR(cursor.status());
  }
  scratch.clear();
  PutVarint(0, &scratch);
  PutFixed64(stats.items, &scratch);
  out.Append(scratch);
  scratch.clear();
  PutFixed64(out.digest(), &scratch);
  out.AppendRaw(scratch);
  if (!out.Flush() || ::fdatasync(fd.fd) != 0) return IoError("cannot write backup", temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) return IoError("cannot rename backup", temp);
  cleanup.keep = true;
  Fd dir;
  dir.fd = ::open(std::filesystem::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir.fd < 0 || ::fsync(dir.fd) != 0) return IoError("cannot sync the directory of", path);
  stats.file_bytes = out.written();
  return stats;
}

Result<TableDefinition> VerifyBackupFile(const std::string& path, BackupStats* stats) {
  Fd fd;
  std::unique_ptr<Reader> in;
  CIRRUS_ASSIGN_OR_RETURN(TableDefinition definition, OpenFile(path, &fd, &in));
  Status corrupt = InternalError("backup file " + path + " is damaged");
  BackupStats counted;
  std::string item;
  for (;;) {
    uint64_t length = 0;
    if (!in->Varint(&length) || length > kMaxRecordBytes) return corrupt;
    if (length == 0) break;
    if (!in->Read(length, &item)) return corrupt;
    ++counted.items;
    counted.item_bytes += StoredItemSize(item);
  }
  uint64_t count = 0, digest = 0;
  if (!in->Fixed64(&count)) return corrupt;
  const uint64_t expected = in->digest();
  if (!in->Fixed64(&digest, /*hash=*/false) || digest != expected || count != counted.items ||
      !in->AtEnd() || in->failed()) {
    return corrupt;
  }
  std::error_code ec;
  counted.file_bytes = static_cast<uint64_t>(std::filesystem::file_size(path, ec));
  if (stats) *stats = counted;
  return definition;
}

Status RestoreBackupFile(Database& db, const std::string& path,
                         const std::shared_ptr<const Table>& table, size_t batch_items,
                         const std::atomic<bool>* cancel) {
  Fd fd;
  std::unique_ptr<Reader> in;
  CIRRUS_RETURN_IF_ERROR(OpenFile(path, &fd, &in).status());
  Status corrupt = InternalError("backup file " + path + " is damaged");
  WriteBatch batch;
  size_t batch_bytes = 0;  // stored bytes in `batch`: one write transaction stays small
  std::string stored;
  for (;;) {
    uint64_t length = 0;
    if (!in->Varint(&length) || length > kMaxRecordBytes) return corrupt;
    if (length != 0) {
      if (!in->Read(length, &stored)) return corrupt;
      Result<Item> item = DecodeItem(stored);
      if (!item.ok()) return corrupt;
      ItemWrite w;
      w.table = table;
      CIRRUS_RETURN_IF_ERROR(table->StoredKeyOf(*item, &w.key));
      w.mutation = Mutation::Put(std::move(*item), StoredItemSize(stored));
      batch.writes.push_back(std::move(w));
      batch_bytes += stored.size();
    }
    if (!batch.writes.empty() &&
        (length == 0 || batch.writes.size() >= batch_items || batch_bytes >= kRestoreBatchBytes)) {
      if (cancel && cancel->load()) return InternalError("the restore was cancelled");
      CIRRUS_RETURN_IF_ERROR(db.WriteSync(&batch));
      batch.writes.clear();
      batch_bytes = 0;
    }
    if (length == 0) return Status();
  }
}

}  // namespace cirrus::db
