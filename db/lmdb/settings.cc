// Settings: small records of other modules (streams/: functions, mappings, checkpoints).
#include <future>

#include "db/lmdb/engine.h"
#include "db/lmdb/jobs.h"
#include "db/lmdb/snapshot.h"

namespace cirrus::db::lmdb {
namespace {

// Writes settings in the writer's transaction; the caller waits for the commit.
class SettingsJob : public Job {
 public:
  SettingsJob(MDB_dbi dbi, std::vector<std::pair<std::string, std::optional<std::string>>> changes)
      : dbi_(dbi), changes_(std::move(changes)) {}
  Status Apply(WriteContext& ctx) override {
    for (const auto& [key, value] : changes_) {
      MDB_val k = Val(key);
      int rc;
      if (value) {
        MDB_val v = Val(*value);
        rc = mdb_put(ctx.txn(), dbi_, &k, &v, 0);
      } else {
        rc = mdb_del(ctx.txn(), dbi_, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      }
      if (rc != 0) return ctx.Fail(rc, "mdb_put(settings)");
    }
    return Status();
  }
  void Finish(Status status) override { promise_.set_value(std::move(status)); }
  std::future<Status> future() { return promise_.get_future(); }

 private:
  MDB_dbi dbi_;
  std::vector<std::pair<std::string, std::optional<std::string>>> changes_;
  std::promise<Status> promise_;
};

}  // namespace

Status LmdbDatabase::WriteSettings(
    std::vector<std::pair<std::string, std::optional<std::string>>> changes) {
  auto job = std::make_unique<SettingsJob>(dbs_.settings, std::move(changes));
  auto future = job->future();
  Enqueue(std::move(job));
  return future.get();
}

Result<std::optional<std::string>> LmdbSnapshot::GetSetting(std::string_view key) {
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn_, db_->dbs().settings, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return LmdbError(rc, "mdb_get(settings)");
  return std::optional<std::string>(std::string(View(v)));
}

Result<std::vector<std::pair<std::string, std::string>>> LmdbSnapshot::ListSettings(
    std::string_view prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  CursorHandle cursor;
  CIRRUS_RETURN_IF_ERROR(lmdb::OpenCursor(txn_, db_->dbs().settings, "cursor(settings)", &cursor));
  MDB_val k = Val(prefix), v;
  int rc;
  for (rc = prefix.empty() ? cursor.Get(&k, &v, MDB_FIRST) : cursor.Get(&k, &v, MDB_SET_RANGE);
       rc == 0 && View(k).substr(0, prefix.size()) == prefix; rc = cursor.Get(&k, &v, MDB_NEXT)) {
    out.emplace_back(std::string(View(k)), std::string(View(v)));
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(rc, "mdb_cursor_get(settings)");
  return out;
}

}  // namespace cirrus::db::lmdb
