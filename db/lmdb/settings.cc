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
  explicit SettingsJob(std::vector<std::pair<std::string, std::optional<std::string>>> changes)
      : changes_(std::move(changes)) {}
  Status Apply(WriteContext& ctx) override {
    for (const auto& [key, value] : changes_) {
      CIRRUS_RETURN_IF_ERROR(ctx.PutSetting(key, value));
    }
    return Status();
  }
  void Finish(Status status) override { promise_.set_value(std::move(status)); }
  std::future<Status> future() { return promise_.get_future(); }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> changes_;
  std::promise<Status> promise_;
};

}  // namespace

Status WriteContext::PutSetting(std::string_view key, std::optional<std::string_view> value) {
  MDB_val k = Val(key);
  int rc;
  if (value) {
    MDB_val v = Val(*value);
    rc = mdb_put(txn_, dbs_.settings, &k, &v, 0);
  } else {
    rc = mdb_del(txn_, dbs_.settings, &k, nullptr);
    if (rc == MDB_NOTFOUND) rc = 0;
  }
  return rc == 0 ? Status() : Fail(rc, value ? "mdb_put(settings)" : "mdb_del(settings)");
}

Status LmdbDatabase::WriteSettings(
    std::vector<std::pair<std::string, std::optional<std::string>>> changes) {
  auto job = std::make_unique<SettingsJob>(std::move(changes));
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
    std::string_view prefix, size_t limit, std::string_view after) {
  std::vector<std::pair<std::string, std::string>> out;
  if (limit == 0) return out;
  CursorHandle cursor;
  CIRRUS_RETURN_IF_ERROR(lmdb::OpenCursor(txn_, db_->dbs().settings, "cursor(settings)", &cursor));
  std::string_view start = after.empty() ? prefix : after;
  MDB_val k = Val(start), v;
  int rc = start.empty() ? cursor.Get(&k, &v, MDB_FIRST) : cursor.Get(&k, &v, MDB_SET_RANGE);
  if (rc == 0 && !after.empty() && View(k) == after) rc = cursor.Get(&k, &v, MDB_NEXT);
  for (; rc == 0 && View(k).substr(0, prefix.size()) == prefix && out.size() < limit;
       rc = cursor.Get(&k, &v, MDB_NEXT)) {
    out.emplace_back(std::string(View(k)), std::string(View(v)));
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(rc, "mdb_cursor_get(settings)");
  return out;
}

}  // namespace cirrus::db::lmdb
