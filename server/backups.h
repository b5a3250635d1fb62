#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"

namespace cirrus::server {

// One on-demand backup as the data directory's settings keep it ("backup/<id>").
struct BackupRecord {
  std::string id;  // "<epoch ms, 14 digits>-<8 hex digits>": ids sort by creation time
  std::string name;
  std::string table_name;
  std::string table_id;
  int64_t created_us = 0;
  bool available = false;   // false: CREATING (its file is being written)
  uint64_t size_bytes = 0;  // DynamoDB's sizes of its items, once available
  uint64_t items = 0;
  int64_t table_size_bytes = 0;  // the table's statistics when the backup was taken
  int64_t table_item_count = 0;
  std::string definition;  // db::EncodeTableDefinition of the table at backup time
};
std::string EncodeBackupRecord(const BackupRecord& record);
Result<BackupRecord> DecodeBackupRecord(std::string_view stored);

// On-demand backups and restores (CreateBackup, RestoreTableFromBackup, ...; the operations
// are in server/ops/backups.cc). A backup is a file under `dir` (db/backup.h) taken from the
// snapshot opened when it was requested, plus its record; a restore creates the new table at
// once, in restore (CREATING, not readable), and fills it through the write path. One thread
// does both, one job at a time; at most `max_jobs` wait or run (--max-backup-jobs). A backup
// being written holds its snapshot, so the data file cannot grow its memory map until it is
// done (writes needing that wait). Thread-safe.
class Backups {
 public:
  Backups(db::Database* db, std::string dir, size_t max_jobs);
  ~Backups();  // cancels the job running (a backup cut short is forgotten) and joins
  Backups(const Backups&) = delete;
  Backups& operator=(const Backups&) = delete;

  // Creates `dir`, forgets backups a stop interrupted (their snapshot is gone), resumes the
  // restores it interrupted, and starts the thread.
  Status Start();

  // Records a CREATING backup of `table` as of now and queues the writing of its file.
  // kLimitExceeded when max_jobs are queued.
  Result<BackupRecord> Create(std::shared_ptr<const db::Table> table, std::string name);
  Result<std::optional<BackupRecord>> Find(std::string_view id);
  // Backups in id (creation) order after `after_id` (empty: from the first) that `keep`
  // accepts: at most `limit`.
  Result<std::vector<BackupRecord>> List(std::string_view after_id, size_t limit,
                                         const std::function<bool(const BackupRecord&)>& keep);
  // Forgets the backup and removes its file. kBackupInUse while it is written or restored.
  Result<BackupRecord> Delete(std::string_view id);
  // Creates `target` (restore settings filled in) and queues filling it from the backup.
  Result<std::shared_ptr<const db::Table>> Restore(const BackupRecord& backup,
                                                   db::TableDefinition target);

  // Creates `target` (restore settings filled in, backup_id left empty) and queues filling it
  // with `source` as it is now: a snapshot taken here, written to a file of its own (removed
  // afterwards), then restored as a backup is (RestoreTableToPointInTime's latest time).
  Result<std::shared_ptr<const db::Table>> RestoreLatest(std::shared_ptr<const db::Table> source,
                                                         db::TableDefinition target);

  // Waits until no job is queued or running (tests).
  void WaitIdle();

 private:
  using Job = std::function<void()>;
  Status Admit() const;   // room for one more job; REQUIRES: mu_ held
  Status Queue(Job job);  // REQUIRES: mu_ held
  void Run();
  void WriteFile(BackupRecord record, std::shared_ptr<const db::Table> table,
                 std::shared_ptr<db::ReadView> view);
  void Fill(std::string table, std::string backup_id);
  std::string PathOf(std::string_view id) const;

  db::Database* db_;
  const std::string dir_;
  const size_t max_jobs_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;                            // guarded by mu_
  size_t running_ = 0;                              // guarded by mu_
  std::multiset<std::string, std::less<>> in_use_;  // backup ids written or restored; mu_
  bool started_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace cirrus::server
