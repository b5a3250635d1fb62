// The writer thread: the job queue, group commit, and growing the memory map.
#include <chrono>
#include <cstdio>
#include <thread>

#include "db/bytes.h"
#include "db/lmdb/engine.h"
#include "db/lmdb/jobs.h"
#include "db/lmdb/system_keys.h"

namespace cirrus::db::lmdb {

void TaskJob::Finish(Status status) {
  if (!status.ok()) {
    std::fprintf(stderr, "cirrus db: background task failed: %s\n", status.message().c_str());
  }
}

void LmdbDatabase::Enqueue(std::unique_ptr<Job> job) {
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      job = nullptr;
    }
  }
  if (job) {
    job->Finish(InternalError("the database is shutting down"));
    return;
  }
  queue_cv_.notify_one();
}

void LmdbDatabase::Write(WriteBatch* batch, std::function<void(Status)> done) {
  WriteRules rules;
  rules.item_collection_limit = options_.item_collection_limit;
  rules.resolve = [this](std::string_view name) { return Find(name); };
  Enqueue(std::make_unique<BatchJob>(batch, std::move(done), std::move(rules)));
}

Database::WriterStats LmdbDatabase::writer_stats() const {
  return WriterStats{commits_.load(), committed_jobs_.load(), static_cast<double>(commit_ns_.load()) / 1e9,
                     map_bytes_.load(), used_bytes_.load()};
}

void LmdbDatabase::WriterLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Job>> jobs;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_for(lock, kPollInterval, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) break;
      // A group: the queued batches up to the next catalog change, or that change alone.
      while (!queue_.empty() && jobs.size() < options_.max_group) {
        bool exclusive = queue_.front()->exclusive();
        if (exclusive && !jobs.empty()) break;
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
        if (exclusive) break;
      }
    }
    if (!jobs.empty()) {
      RunGroup(jobs);
    } else {
      PollForeignChanges();
    }
    if (options_.exclusive) MaybeScheduleTrim();
    jobs.clear();  // drop finished jobs' table references before looking at retired tables
    if (!retired_.empty()) CloseRetired();
  }
}

void LmdbDatabase::RunGroup(std::vector<std::unique_ptr<Job>>& jobs) {
  MDB_txn* txn;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc == MDB_MAP_RESIZED) {  // another process grew the data past this process's map
    ResizeMap(0);
    rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  }
  if (rc != 0) {
    for (auto& job : jobs) job->Finish(LmdbError(rc, "mdb_txn_begin"));
    return;
  }
  if (Status s = RefreshIfChanged(&txn); !s.ok()) {
    for (auto& job : jobs) job->Finish(s);
    return;
  }
  WriteContext ctx(txn, dbs_);
  std::vector<Status> results;
  results.reserve(jobs.size());
  Status failure;
  for (auto& job : jobs) {
    results.push_back(job->Apply(ctx));
    if (ctx.failed()) {
      failure = results.back();
      break;
    }
  }
  if (!ctx.failed()) failure = ctx.FlushStats();
  uint64_t bumped = 0;
  if (!ctx.failed() && (ctx.catalog_changed() || !options_.exclusive)) {
    uint64_t seen = 0;
    GetMeta(txn, kGenerationKey, &seen);
    std::string value;
    PutFixed64(seen + 1, &value);
    MDB_val k = Val(kGenerationKey), v = Val(value);
    rc = mdb_put(txn, dbs_.meta, &k, &v, 0);
    if (rc != 0) {
      failure = ctx.Fail(rc, "mdb_put(generation)");
    } else {
      bumped = seen + 1;
    }
  }
  if (!ctx.failed()) {
    const auto commit_start = std::chrono::steady_clock::now();
    rc = mdb_txn_commit(txn);  // fsyncs unless --sync=none
    commit_ns_.fetch_add(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   std::chrono::steady_clock::now() - commit_start)
                                                   .count()),
                         std::memory_order_relaxed);
    if (rc == 0) {
      MDB_envinfo info;  // for the map's gauges (metrics)
      MDB_stat stat;
      if (mdb_env_info(env_, &info) == 0 && mdb_env_stat(env_, &stat) == 0) {
        map_bytes_.store(info.me_mapsize, std::memory_order_relaxed);
        used_bytes_.store((info.me_last_pgno + 1) * stat.ms_psize, std::memory_order_relaxed);
      }
      if (bumped) generation_ = bumped;
      commits_.fetch_add(1, std::memory_order_relaxed);
      committed_jobs_.fetch_add(jobs.size(), std::memory_order_relaxed);
      ctx.Committed();
      if (ctx.streamed()) NotifyStreamChange();
      for (size_t i = 0; i < jobs.size(); ++i) jobs[i]->Finish(std::move(results[i]));
      return;
    }
    failure = LmdbError(rc, "mdb_txn_commit");
  } else {
    mdb_txn_abort(txn);
  }
  if ((ctx.map_full() || rc == MDB_MAP_FULL) && GrowMap()) {
    RunGroup(jobs);  // the same jobs, with room
    return;
  }
  // The group failed as a whole (map full, I/O error, an item collection over its limit):
  // retry each job on its own so that one job's failure is only its own.
  if (jobs.size() == 1) {
    jobs[0]->Finish(std::move(failure));
    return;
  }
  for (auto& job : jobs) {
    std::vector<std::unique_ptr<Job>> single;
    single.push_back(std::move(job));
    RunGroup(single);
  }
}

bool LmdbDatabase::GrowMap() {
  if (current_map_size_ >= options_.map_size) return false;
  return ResizeMap(std::min(options_.map_size, current_map_size_ * 2));
}

// Writer thread only (so no write transaction is open); waits until no snapshot is. New
// snapshots wait meanwhile, but never longer than a moment: a long one (a backup being
// written) would otherwise stall every read behind it, so the writer steps aside now and
// then to let them in, and tries again.
bool LmdbDatabase::ResizeMap(size_t size) {
  std::unique_lock lock(readers_mu_);
  for (;;) {
    resizing_ = true;
    if (readers_cv_.wait_for(lock, std::chrono::milliseconds(200),
                             [&] { return active_readers_ == 0; })) {
      break;
    }
    resizing_ = false;
    readers_cv_.notify_all();
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    lock.lock();
  }
  int rc = mdb_env_set_mapsize(env_, size);
  resizing_ = false;
  readers_cv_.notify_all();
  if (rc != 0) {
    std::fprintf(stderr, "cirrus db: cannot resize the map to %zu bytes: %s\n", size,
                 mdb_strerror(rc));
    return false;
  }
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  current_map_size_ = info.me_mapsize;
  return true;
}

}  // namespace cirrus::db::lmdb
