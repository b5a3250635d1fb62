#include "server/backups.h"

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <random>

#include "db/backup.h"
#include "db/bytes.h"
#include "db/catalog.h"
#include "db/item/clock.h"

namespace cirrus::server {
namespace {

constexpr std::string_view kPrefix = "backup/";
constexpr uint8_t kRecordVersion = 1;

std::string NewBackupId(int64_t now_us) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  char id[32];
  std::snprintf(id, sizeof id, "%014" PRId64 "-%08" PRIx32, now_us / 1000,
                static_cast<uint32_t>(rng()));
  return id;
}

std::string KeyOf(std::string_view id) { return std::string(kPrefix) + std::string(id); }

}  // namespace

std::string EncodeBackupRecord(const BackupRecord& r) {
  std::string out(1, static_cast<char>(kRecordVersion));
  for (const std::string* s : {&r.id, &r.name, &r.table_name, &r.table_id, &r.definition}) {
    db::PutBytes(*s, &out);
  }
  for (uint64_t v : {static_cast<uint64_t>(r.created_us), uint64_t{r.available},
                     r.size_bytes, r.items, static_cast<uint64_t>(r.table_size_bytes),
                     static_cast<uint64_t>(r.table_item_count)}) {
    db::PutVarint(v, &out);
  }
  return out;
}

Result<BackupRecord> DecodeBackupRecord(std::string_view stored) {
  db::ByteReader in(stored);
  BackupRecord r;
  uint8_t version = 0;
  std::string_view s[5];
  uint64_t v[6];
  bool ok = in.U8(&version) && version == kRecordVersion;
  for (std::string_view& x : s) ok = ok && in.Bytes(&x);
  for (uint64_t& x : v) ok = ok && in.Varint(&x);
  if (!ok) return InternalError("corrupt backup record");
  r.id = s[0];
  r.name = s[1];
  r.table_name = s[2];
  r.table_id = s[3];
  r.definition = s[4];
  r.created_us = static_cast<int64_t>(v[0]);
  r.available = v[1] != 0;
  r.size_bytes = v[2];
  r.items = v[3];
  r.table_size_bytes = static_cast<int64_t>(v[4]);
  r.table_item_count = static_cast<int64_t>(v[5]);
  return r;
}

Backups::Backups(db::Database* db, std::string dir, size_t max_jobs)
    : db_(db), dir_(std::move(dir)), max_jobs_(max_jobs) {}

Backups::~Backups() {
  stop_ = true;
  {
    std::lock_guard lock(mu_);
    jobs_.clear();
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard lock(threads_mu_);
  for (auto& [thread, done] : copy_threads_) thread.join();
}

std::string Backups::PathOf(std::string_view id) const {
  return dir_ + "/" + std::string(id) + ".cbk";
}

Status Backups::Start() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return InternalError("cannot create " + dir_ + ": " + ec.message());
  // A backup left CREATING lost its snapshot with the process that took it.
  std::vector<std::pair<std::string, std::optional<std::string>>> forget;
  std::set<std::string> keep;  // files still needed: available backups, restores to finish
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
    CIRRUS_ASSIGN_OR_RETURN(auto records, view.ListSettings(kPrefix));
    for (const auto& [key, value] : records) {
      Result<BackupRecord> r = DecodeBackupRecord(value);
      if (r.ok() && r->available) {
        keep.insert(r->id + ".cbk");
      } else {
        forget.emplace_back(key, std::nullopt);
      }
    }
  }
  if (!forget.empty()) CIRRUS_RETURN_IF_ERROR(db_->WriteSettings(std::move(forget)));
  std::lock_guard lock(mu_);
  for (const std::string& name : db_->TableNames()) {
    std::shared_ptr<const db::Table> table = db_->FindTable(name);
    if (!table || !table->definition().restore.in_progress) continue;
    const std::string id = table->definition().restore.backup_id;
    keep.insert(id + ".cbk");
    in_use_.insert(id);
    jobs_.push_back([this, name, id] {
      Fill(name, id);
      if (id.rfind("pitr-", 0) == 0) {  // a point-in-time restore's own copy
        std::error_code ignored;
        std::filesystem::remove(PathOf(id), ignored);
      }
    });
  }
  // Files a stop left behind: partly written ones, and those of forgotten backups and of
  // finished point-in-time copies.
  std::filesystem::directory_iterator it(dir_, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (!keep.count(it->path().filename().string())) {
      std::error_code ignored;
      std::filesystem::remove(it->path(), ignored);
    }
  }
  started_ = true;
  worker_ = std::thread([this] { RunWorker(); });
  return Status();
}

Status Backups::Admit() const {
  if (!started_) return InternalError("backups are not available on this server");
  if (jobs_.size() + running_ + copies_ >= max_jobs_) {
    return Status(ErrorKind::kLimitExceeded,
                  "Too many backup and restore operations in progress: at most " +
                      std::to_string(max_jobs_) + " at once (--max-backup-jobs)");
  }
  return Status();
}

void Backups::RunWorker() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (jobs_.empty()) {
      cv_.wait(lock);
      continue;
    }
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    ++running_;
    lock.unlock();
    job();
    job = nullptr;
    lock.lock();
    --running_;
    cv_.notify_all();
  }
}

void Backups::StartCopy(std::function<void()> copy) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::lock_guard lock(threads_mu_);
  for (auto it = copy_threads_.begin(); it != copy_threads_.end();) {
    if (it->second->load()) {
      it->first.join();
      it = copy_threads_.erase(it);
    } else {
      ++it;
    }
  }
  copy_threads_.emplace_back(std::thread([this, copy = std::move(copy), done] {
    copy();
    {
      std::lock_guard relock(mu_);
      --copies_;
    }
    cv_.notify_all();
    *done = true;
  }), done);
}

void Backups::Release(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = in_use_.find(id);
  if (it != in_use_.end()) in_use_.erase(it);
}

void Backups::WaitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stop_ || (jobs_.empty() && running_ == 0 && copies_ == 0); });
}

Result<BackupRecord> Backups::Create(std::shared_ptr<const db::Table> table, std::string name) {
  BackupRecord record;
  record.created_us = NowMicros();
  record.id = NewBackupId(record.created_us);
  record.name = std::move(name);
  record.table_name = table->name();
  record.table_id = table->definition().table_id;
  record.definition = db::EncodeTableDefinition(table->definition());
  record.table_size_bytes = table->size_bytes();
  record.table_item_count = table->item_count();
  {
    std::lock_guard lock(mu_);
    CIRRUS_RETURN_IF_ERROR(Admit());
    // The record first, so that a file is never written without one.
    CIRRUS_RETURN_IF_ERROR(db_->WriteSettings({{KeyOf(record.id), EncodeBackupRecord(record)}}));
    ++copies_;
    in_use_.insert(record.id);
  }
  // The snapshot now: everything acknowledged before the request is in the backup.
  Result<db::ReadView> view = db_->Read();
  if (!view.ok()) {
    (void)db_->WriteSettings({{KeyOf(record.id), std::nullopt}});
    Release(record.id);
    std::lock_guard lock(mu_);
    --copies_;
    return view.status();
  }
  auto snapshot = std::make_shared<db::ReadView>(std::move(*view));
  StartCopy([this, record, table, snapshot = std::move(snapshot)]() mutable {
    WriteFile(record, table, std::move(snapshot));  // the copy's is the last reference
  });
  return record;
}

void Backups::WriteFile(BackupRecord record, std::shared_ptr<const db::Table> table,
                        std::shared_ptr<db::ReadView> view) {
  db::TableDefinition definition = *db::DecodeTableDefinition(record.definition);
  Result<db::BackupStats> stats =
      db::WriteBackupFile(*view, *table, definition, PathOf(record.id), &stop_);
  view.reset();  // before waiting on the writer: the snapshot may hold up a map resize
  if (stats.ok()) {
    record.available = true;
    record.size_bytes = stats->item_bytes;
    record.items = stats->items;
    Status s = db_->WriteSettings({{KeyOf(record.id), EncodeBackupRecord(record)}});
    if (!s.ok()) stats = s;
  }
  if (!stats.ok() && !stop_) {  // at a stop, the next start forgets it
    std::fprintf(stderr, "cirrusd: backup %s of table %s failed: %s\n", record.id.c_str(),
                 record.table_name.c_str(), stats.status().message().c_str());
    std::error_code ec;
    std::filesystem::remove(PathOf(record.id), ec);
    (void)db_->WriteSettings({{KeyOf(record.id), std::nullopt}});
  }
  Release(record.id);
}

Result<std::optional<BackupRecord>> Backups::Find(std::string_view id) {
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
  CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> value, view.GetSetting(KeyOf(id)));
  if (!value) return std::optional<BackupRecord>();
  CIRRUS_ASSIGN_OR_RETURN(BackupRecord record, DecodeBackupRecord(*value));
  return std::optional<BackupRecord>(std::move(record));
}

Result<std::vector<BackupRecord>> Backups::List(
    std::string_view after_id, size_t limit, const std::function<bool(const BackupRecord&)>& keep) {
  std::vector<BackupRecord> out;
  std::string after = after_id.empty() ? std::string() : KeyOf(after_id);
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
  while (out.size() < limit) {
    CIRRUS_ASSIGN_OR_RETURN(auto page, view.ListSettings(kPrefix, 256, after));
    for (const auto& [key, value] : page) {
      CIRRUS_ASSIGN_OR_RETURN(BackupRecord record, DecodeBackupRecord(value));
      if (keep(record)) out.push_back(std::move(record));
      if (out.size() == limit) break;
    }
    if (page.size() < 256) break;
    after = page.back().first;
  }
  return out;
}

Result<BackupRecord> Backups::Delete(std::string_view id) {
  // Under mu_ throughout, so that no restore of it can start meanwhile.
  std::lock_guard lock(mu_);
  CIRRUS_ASSIGN_OR_RETURN(std::optional<BackupRecord> record, Find(id));
  if (!record) return Status(ErrorKind::kBackupNotFound, "");  // the caller words it
  if (in_use_.count(id)) {
    return Status(ErrorKind::kBackupInUse,
                  record->available ? "Backup is being restored: " : "Backup is being created: ");
  }
  CIRRUS_RETURN_IF_ERROR(db_->WriteSettings({{KeyOf(id), std::nullopt}}));
  std::error_code ec;
  std::filesystem::remove(PathOf(id), ec);
  return std::move(*record);
}

Result<std::shared_ptr<const db::Table>> Backups::Restore(const BackupRecord& backup,
                                                         db::TableDefinition target) {
  // Under mu_ throughout: the slot and the backup (Delete waits) stay ours.
  std::lock_guard lock(mu_);
  CIRRUS_RETURN_IF_ERROR(Admit());
  CIRRUS_ASSIGN_OR_RETURN(std::optional<BackupRecord> still, Find(backup.id));
  if (!still) return Status(ErrorKind::kBackupNotFound, "");
  const std::string name = target.name;
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, db_->CreateTable(std::move(target)));
  in_use_.insert(backup.id);
  jobs_.push_back([this, name, id = backup.id] { Fill(name, id); });
  cv_.notify_all();
  return table;
}

Result<std::shared_ptr<const db::Table>> Backups::RestoreLatest(
    std::shared_ptr<const db::Table> source, db::TableDefinition target) {
  const std::string id = "pitr-" + NewBackupId(NowMicros());
  const std::string name = target.name;
  target.restore.backup_id = id;
  std::shared_ptr<const db::Table> table;
  {
    std::lock_guard lock(mu_);
    CIRRUS_RETURN_IF_ERROR(Admit());
    CIRRUS_ASSIGN_OR_RETURN(table, db_->CreateTable(std::move(target)));
    ++copies_;
    in_use_.insert(id);
  }
  // The snapshot after the table exists (creating it may wait for the writer), before
  // answering: the copy is the source as of this request.
  Result<db::ReadView> view = db_->Read();
  if (!view.ok()) {
    (void)db_->DeleteTable(name);
    Release(id);
    std::lock_guard lock(mu_);
    --copies_;
    return view.status();
  }
  auto snapshot = std::make_shared<db::ReadView>(std::move(*view));
  db::TableDefinition definition = source->definition();
  StartCopy([this, name, id, source, definition, snapshot = std::move(snapshot)]() mutable {
    Result<db::BackupStats> written =
        db::WriteBackupFile(*snapshot, *source, definition, PathOf(id), &stop_);
    snapshot.reset();  // before the writes that fill the table
    if (!written.ok() && !stop_) {
      std::fprintf(stderr, "cirrusd: copying table %s for a point-in-time restore failed: %s\n",
                   source->name().c_str(), written.status().message().c_str());
    }
    if (!stop_) Fill(name, id);  // releases id; a failed copy fails the restore
    else Release(id);
    std::error_code ec;
    std::filesystem::remove(PathOf(id), ec);
  });
  return table;
}

void Backups::Fill(std::string name, std::string backup_id) {
  Status s;
  std::shared_ptr<const db::Table> table = db_->FindTable(name);
  if (table && table->definition().restore.in_progress &&
      table->definition().restore.backup_id == backup_id) {
    const std::string path = PathOf(backup_id);
    s = db::VerifyBackupFile(path).status();
    if (s.ok()) s = db::RestoreBackupFile(*db_, path, table, 1000, &stop_);
    if (s.ok()) {
      s = db_->UpdateTable(name, [](db::TableDefinition& d) {
                d.restore.in_progress = false;
                return Status();
              }).status();
    }
    if (!s.ok() && !stop_) {
      // DynamoDB's restore ends with a table or without one, never a partial table.
      std::fprintf(stderr, "cirrusd: restoring table %s from backup %s failed: %s\n", name.c_str(),
                   backup_id.c_str(), s.message().c_str());
      (void)db_->DeleteTable(name);
    }
  }
  Release(backup_id);
}

}  // namespace cirrus::server
