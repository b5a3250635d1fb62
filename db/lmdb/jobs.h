#pragma once
// The writer thread's units of work (writer.cc runs them in groups).
#include <functional>
#include <future>
#include <memory>

#include "db/item/clock.h"
#include "db/lmdb/write_context.h"
#include "db/write_batch.h"

namespace cirrus::db::lmdb {

class Job {
 public:
  virtual ~Job() = default;
  // Catalog changes run alone in their own transaction (they open and close B-tree handles,
  // which LMDB allows only in a transaction that is the process's only user of them).
  virtual bool exclusive() const { return false; }
  // Applies the job in ctx. A non-OK result with !ctx.failed() means the job changed nothing.
  // May run again in a fresh transaction when its group failed.
  virtual Status Apply(WriteContext& ctx) = 0;
  // Runs once, after the job's transaction committed (status from Apply) or failed.
  virtual void Finish(Status status) = 0;
};

// A request's WriteBatch (Database::Write).
class BatchJob : public Job {
 public:
  BatchJob(WriteBatch* batch, std::function<void(Status)> done, WriteRules rules)
      : batch_(batch), done_(std::move(done)), rules_(std::move(rules)) {}
  Status Apply(WriteContext& ctx) override {
    rules_.now_us = NowMicros();
    return ApplyWriteBatch(ctx, *batch_, rules_);
  }
  void Finish(Status status) override { done_(std::move(status)); }

 private:
  WriteBatch* batch_;
  std::function<void(Status)> done_;
  WriteRules rules_;
};

// A catalog change: runs `fn`, then hands its result to a waiting caller.
class CatalogJob : public Job {
 public:
  using Fn = std::function<Result<std::shared_ptr<const Table>>(WriteContext&)>;
  explicit CatalogJob(Fn fn) : fn_(std::move(fn)) {}

  bool exclusive() const override { return true; }
  Status Apply(WriteContext& ctx) override {
    Result<std::shared_ptr<const Table>> r = fn_(ctx);
    if (!r.ok()) return r.status();
    table_ = *r;
    return Status();
  }
  void Finish(Status status) override {
    if (status.ok()) {
      promise_.set_value(table_);
    } else {
      promise_.set_value(std::move(status));
    }
  }
  std::future<Result<std::shared_ptr<const Table>>> future() { return promise_.get_future(); }

 private:
  Fn fn_;
  std::shared_ptr<const Table> table_;
  std::promise<Result<std::shared_ptr<const Table>>> promise_;
};

// Background work of the writer thread that nobody waits for (backfills, index drops, trims).
class TaskJob : public Job {
 public:
  using Fn = std::function<Status(WriteContext&)>;
  explicit TaskJob(Fn fn) : fn_(std::move(fn)) {}
  bool exclusive() const override { return true; }
  Status Apply(WriteContext& ctx) override { return fn_(ctx); }
  void Finish(Status status) override;  // logs a failure

 private:
  Fn fn_;
};

}  // namespace cirrus::db::lmdb
