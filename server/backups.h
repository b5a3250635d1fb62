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
// are in server/ops/backups.cc). A backup is a file under `dir` (db/backup.h) written from
// the snapshot opened when it was requested, plus its record. A restore creates the new table
// at once, in restore (CREATING, not readable), and fills it through the write path.
//
// Snapshots and the writer: growing LMDB's map waits until no snapshot is open, so a thread
// that holds a snapshot must never wait on the writer (nor on mu_, whose holders may). Each
// snapshot copy therefore runs on a thread of its own that writes only its file, and records
// the result after closing the snapshot; restores, which hold no snapshot, run one at a time
// on the worker thread. At most `max_jobs` copies and restores wait or run
// (--max-backup-jobs). Thread-safe.
class Backups {
 public:
  Backups(db::Database* db, std::string dir, size_t max_jobs);
  ~Backups();  // cancels what runs (a backup cut short is forgotten) and joins the threads
  Backups(const Backups&) = delete;
  Backups& operator=(const Backups&) = delete;

  // Creates `dir`, forgets backups a stop interrupted (their snapshot is gone), resumes the
  // restores it interrupted, removes files nothing needs, and starts the worker.
  Status Start();

  // Records a CREATING backup of `table`, opens the snapshot and starts writing its file.
  // kLimitExceeded when max_jobs are at work.
  Result<BackupRecord> Create(std::shared_ptr<const db::Table> table, std::string name);
  Result<std::optional<BackupRecord>> Find(std::string_view id);
  // Backups in id (creation) order after `after_id` (empty: from the first) that `keep`
  // accepts: at most `limit`.
  Result<std::vector<BackupRecord>> List(std::string_view after_id, size_t limit,
                                         const std::function<bool(const BackupRecord&)>& keep);
  // Forgets the backup and removes its file. kBackupInUse while it is written or restored,
  // kBackupNotFound when there is none.
  Result<BackupRecord> Delete(std::string_view id);
  // Creates `target` (restore settings filled in) and queues filling it from the backup.
  // kBackupNotFound if the backup went meanwhile.
  Result<std::shared_ptr<const db::Table>> Restore(const BackupRecord& backup,
                                                   db::TableDefinition target);
  // Creates `target` (restore settings filled in, backup_id left empty) and fills it with
  // `source` as it is now: a snapshot opened here, written to a file of its own (removed
  // afterwards), then restored as a backup is (RestoreTableToPointInTime's latest time).
  Result<std::shared_ptr<const db::Table>> RestoreLatest(std::shared_ptr<const db::Table> source,
                                                         db::TableDefinition target);

  // Waits until nothing is queued or running (tests).
  void WaitIdle();

 private:
  using Job = std::function<void()>;
  Status Admit() const;  // room for one more copy or restore; REQUIRES: mu_ held
  void RunWorker();
  // Runs `copy` on a thread of its own (counted in copies_ until it returns).
  void StartCopy(std::function<void()> copy);
  // REQUIRES: `view` is the last reference to its snapshot (ended before the record is).
  void WriteFile(BackupRecord record, std::shared_ptr<const db::Table> table,
                 std::shared_ptr<db::ReadView> view);
  void Fill(std::string table, std::string backup_id);
  void Release(const std::string& id);  // one in_use_ entry; takes mu_
  std::string PathOf(std::string_view id) const;

  db::Database* db_;
  const std::string dir_;
  const size_t max_jobs_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;                            // restores queued; guarded by mu_
  size_t running_ = 0;                              // restores running; mu_
  size_t copies_ = 0;                               // snapshot copies running; mu_
  std::multiset<std::string, std::less<>> in_use_;  // backup ids written or restored; mu_
  bool started_ = false;                            // mu_
  std::atomic<bool> stop_{false};
  std::thread worker_;
  std::mutex threads_mu_;  // never held while waiting on anything else
  std::vector<std::pair<std::thread, std::shared_ptr<std::atomic<bool>>>> copy_threads_;
};

}  // namespace cirrus::server
