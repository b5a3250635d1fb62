#include "streams/triggers.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "db/item/clock.h"
#include "streams/filter.h"
#include "streams/records.h"
#include "streams/shard_worker.h"

namespace cirrus::streams {
namespace {

constexpr uint32_t kMaxShards = 1024;  // cirrusd's largest --partitions

Status MappingNotFound() {
  return Status(ErrorKind::kResourceNotFound, "The resource you requested does not exist.");
}

}  // namespace

// Held by the worker of a shard for its whole run, so that versions of a mapping (an update
// restarts the workers) never have two batches of a shard in flight.
struct Triggers::ShardLocks {
  std::mutex shard[kMaxShards];
  std::mutex& of(uint32_t s) { return shard[s % kMaxShards]; }
};

// One version of a mapping: its settings and its running workers. An update retires the old
// version (its workers stop after the batch in flight) and starts a new one.
struct Triggers::Mapping {
  explicit Mapping(db::Database* db) : stop(db) {}
  MappingConfig config;
  FilterSet filters;
  uint32_t shards = 0;  // workers started: one per shard of the stream (none when disabled)
  std::shared_ptr<ShardLocks> locks;
  StopSignal stop;
  std::atomic<int> running{0};  // workers not yet returned
  std::vector<std::thread> threads;
  mutable std::mutex mu;  // guards what follows
  std::string state = "Creating";
  std::string last_result = "No records processed";
  std::map<uint32_t, int64_t> ages;  // shard -> iterator age, ms
};

Triggers::Triggers(db::Database* db, InvocationPool* pool, Options options)
    : db_(db), pool_(pool), options_(std::move(options)) {}

Triggers::~Triggers() {
  Stop();
  std::vector<std::shared_ptr<Mapping>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [uuid, m] : mappings_) all.push_back(m);
    for (auto& m : retired_) all.push_back(m);
    mappings_.clear();
    retired_.clear();
  }
  for (auto& m : all) {
    for (auto& t : m->threads) {
      if (t.joinable()) t.join();
    }
  }
}

void Triggers::Stop() {
  cancel_.Cancel();
  std::lock_guard lock(mu_);
  stopped_ = true;
  for (auto& [uuid, m] : mappings_) m->stop.Stop();
  for (auto& m : retired_) m->stop.Stop();
}

std::string Triggers::FunctionArn(std::string_view name) const {
  return "arn:aws:lambda:" + options_.region + ":" + options_.account_id +
         ":function:" + std::string(name);
}

std::string Triggers::StreamArnOf(const db::StreamDefinition& s) const {
  return StreamArn(options_.region, options_.account_id, s.table_name, s.label);
}

std::shared_ptr<Triggers::Mapping> Triggers::MakeMapping(MappingConfig config) {
  auto m = std::make_shared<Mapping>(db_);
  m->config = std::move(config);
  if (Result<FilterSet> filters = FilterSet::Parse(m->config.filter_patterns); filters.ok()) {
    m->filters = std::move(*filters);
  }
  auto& locks = shard_locks_[m->config.uuid];
  if (!locks) locks = std::make_shared<ShardLocks>();
  m->locks = locks;
  return m;
}

Status Triggers::Start() {
  std::vector<std::pair<std::string, std::string>> mappings, results;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
    CIRRUS_ASSIGN_OR_RETURN(mappings, view.ListSettings(kMappingPrefix));
    CIRRUS_ASSIGN_OR_RETURN(results, view.ListSettings(kMappingStatusPrefix));
  }  // no snapshot may stay open while waiting on the writer (a map resize waits for them)
  std::map<std::string, std::string> last_results;
  for (auto& [key, value] : results) last_results[key.substr(kMappingStatusPrefix.size())] = value;
  std::lock_guard lock(mu_);
  for (const auto& [key, value] : mappings) {
    Result<MappingConfig> c = DecodeMapping(value);
    if (!c.ok()) {
      std::fprintf(stderr, "cirrusd: skipping mapping %s: %s\n", key.c_str(),
                   c.status().message().c_str());
      continue;
    }
    std::shared_ptr<Mapping> m = MakeMapping(std::move(*c));
    if (auto r = last_results.find(m->config.uuid); r != last_results.end())
      m->last_result = r->second;
    mappings_[m->config.uuid] = m;
    // A mapping past today's bounds (the owner lowered them) stays, without workers.
    uint32_t shards = m->config.enabled ? ShardsOf(m->config.event_source_arn) : 0;
    if (mappings_.size() > options_.max_mappings ||
        ShardWorkersInUse(m->config.uuid) + shards > options_.max_shard_workers) {
      std::fprintf(
          stderr, "cirrusd: mapping %s not started: over --max-mappings or --max-trigger-workers\n",
          m->config.uuid.c_str());
      m->last_result =
          "PROBLEM: not started: over this server's --max-mappings or --max-trigger-workers";
      m->state = "Disabled";
      continue;
    }
    StartWorkers(m);
  }
  return Status();
}

Status Triggers::CheckBounds(size_t mappings, size_t shard_workers) const {
  if (mappings > options_.max_mappings) {
    return ValidationError("This server runs at most " + std::to_string(options_.max_mappings) +
                           " event source mappings (its owner sets --max-mappings)");
  }
  if (shard_workers > options_.max_shard_workers) {
    return ValidationError("This mapping would need " + std::to_string(shard_workers) +
                           " shard workers in all, over this server's " +
                           std::to_string(options_.max_shard_workers) +
                           " (one per shard of each enabled mapping's stream; its owner sets "
                           "--max-trigger-workers)");
  }
  return Status();
}

uint32_t Triggers::ShardsOf(std::string_view arn) const {
  uint32_t shards = 0;
  if (Result<db::ReadView> view = db_->Read(); view.ok()) {
    if (auto streams = view->Streams(); streams.ok()) {
      for (const auto& s : *streams) {
        if (StreamArnOf(s) == arn) shards = std::min(s.shard_count, kMaxShards);
      }
    }
  }
  return shards;
}

size_t Triggers::ShardWorkersInUse(std::string_view except) const {
  size_t n = 0;
  for (const auto& [uuid, m] : mappings_) {
    if (uuid != except) n += m->shards;
  }
  return n;
}

void Triggers::SetResult(Mapping& m, std::string result) {
  {
    std::lock_guard lock(m.mu);
    if (m.last_result == result) return;
    m.last_result = result;
  }
  // Only changes are written: a few records per incident, not one per batch.
  Status s =
      db_->WriteSettings({{std::string(kMappingStatusPrefix) + m.config.uuid, std::move(result)}});
  if (!s.ok()) {
    std::fprintf(stderr, "cirrusd: mapping %s: cannot record its state: %s\n",
                 m.config.uuid.c_str(), s.message().c_str());
  }
}

void Triggers::StartWorkers(const std::shared_ptr<Mapping>& m) {
  // The stream's shards: one worker each. (Shards are fixed for a stream's life.)
  uint32_t shards = ShardsOf(m->config.event_source_arn);
  if (shards == 0) {
    std::fprintf(stderr, "cirrusd: mapping %s: its stream %s no longer exists\n",
                 m->config.uuid.c_str(), m->config.event_source_arn.c_str());
  }
  {
    std::lock_guard lock(m->mu);
    m->state = m->config.enabled ? "Enabled" : "Disabled";
  }
  if (stopped_) return;
  m->shards = m->config.enabled ? shards : 0;
  Mapping* raw = m.get();  // the threads are joined before the Mapping goes
  WorkerHooks hooks;
  hooks.handler = [this, raw]() -> Result<FunctionHandler> {
    CIRRUS_ASSIGN_OR_RETURN(FunctionConfig f, GetFunction(raw->config.function_name));
    return HandlerOf(f);
  };
  hooks.invoke = [this, raw](const FunctionHandler& handler, std::string_view event) {
    return pool_->Run(handler, event, &cancel_, raw->stop.flag());
  };
  hooks.discard = [this, raw](const FailedBatch& b) -> Status {
    const std::string& dest = raw->config.on_failure_destination;
    if (dest.empty()) return Status();
    std::string name =
        raw->config.uuid + "-" + b.shard_id + "-" + SequenceNumberText(b.first_sequence);
    return SendFailureRecord(options_.destinations, dest, name, FailureRecord(b), &cancel_);
  };
  hooks.report_result = [this, raw](const std::string& result) { SetResult(*raw, result); };
  for (uint32_t shard = 0; shard < m->shards; ++shard) {
    WorkerSettings settings;
    settings.config = m->config;
    settings.filters = m->filters;
    settings.shard = shard;
    settings.region = options_.region;
    settings.account_id = options_.account_id;
    WorkerHooks shard_hooks = hooks;
    shard_hooks.report_age = [raw, shard](int64_t age) {
      std::lock_guard lock(raw->mu);
      raw->ages[shard] = age;
    };
    ++m->running;
    m->threads.emplace_back(
        [this, raw, shard, settings = std::move(settings), shard_hooks = std::move(shard_hooks)] {
          {
            std::lock_guard shard_lock(raw->locks->of(shard));
            ShardWorker(db_, settings, shard_hooks, &raw->stop).Run();
          }
          --raw->running;
        });
  }
  // Old versions of mappings whose workers have all returned.
  for (auto it = retired_.begin(); it != retired_.end();) {
    if ((*it)->running == 0) {
      for (auto& t : (*it)->threads) t.join();
      it = retired_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::vector<FunctionConfig>> Triggers::ListFunctions() const {
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
  return streams::ListFunctions(view);
}

Result<FunctionConfig> Triggers::GetFunction(std::string_view name) const {
  std::optional<FunctionConfig> f;
  // An ARN names a function of this region and account only (another account's function of
  // the same name is not this one).
  constexpr std::string_view kFunction = ":function:";
  if (size_t at = name.rfind(kFunction);
      at != std::string_view::npos && name.substr(0, at + kFunction.size()) != FunctionArn("")) {
    return Status(ErrorKind::kResourceNotFound, "Function not found: " + std::string(name));
  }
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
    CIRRUS_ASSIGN_OR_RETURN(f, FindFunction(view, name));
  }
  if (!f) {
    return Status(ErrorKind::kResourceNotFound,
                  "Function not found: " + FunctionArn(FunctionNameOf(name)));
  }
  return std::move(*f);
}

FunctionHandler Triggers::HandlerOf(const FunctionConfig& f) const {
  FunctionHandler h;
  h.name = f.name;
  h.command = f.command;
  h.url = f.url;
  h.timeout_seconds = f.timeout_seconds;
  h.region = options_.region;
  h.environment = f.environment;
  return h;
}

MappingStatus Triggers::StatusOf(const Mapping& m) const {
  MappingStatus s;
  s.config = m.config;
  std::lock_guard lock(m.mu);
  s.state = m.state;
  s.last_processing_result = m.last_result;
  for (const auto& [shard, age] : m.ages) s.iterator_age_ms = std::max(s.iterator_age_ms, age);
  return s;
}

Result<MappingStatus> Triggers::CreateMapping(MappingConfig c) {
  if (c.function_name.empty()) return ValidationError("FunctionName is required");
  if (c.event_source_arn.empty()) return ValidationError("EventSourceArn is required");
  if (c.starting_position.empty()) {
    return ValidationError("StartingPosition is required for a DynamoDB stream event source");
  }
  CIRRUS_RETURN_IF_ERROR(ValidateMapping(c));
  if (!c.on_failure_destination.empty()) {
    CIRRUS_RETURN_IF_ERROR(CheckDestination(options_.destinations, c.on_failure_destination));
  }
  CIRRUS_ASSIGN_OR_RETURN(FunctionConfig f, GetFunction(c.function_name));
  c.function_name = f.name;
  // The stream, and where each shard starts (LATEST: after the last record committed).
  std::vector<std::pair<std::string, std::optional<std::string>>> records;
  c.uuid = NewUuid();
  uint32_t shards = 0;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
    CIRRUS_ASSIGN_OR_RETURN(auto streams, view.Streams());
    std::optional<db::StreamDefinition> stream;
    for (auto& s : streams) {
      if (StreamArnOf(s) == c.event_source_arn) stream = s;
    }
    if (!stream) return ValidationError("Stream not found: " + c.event_source_arn);
    shards = std::min(stream->shard_count, kMaxShards);
    CIRRUS_ASSIGN_OR_RETURN(uint64_t last, view.LastSequence());
    for (uint32_t shard = 0; shard < stream->shard_count; ++shard) {
      uint64_t start = c.starting_position == "LATEST" ? last + 1 : 0;
      records.emplace_back(CheckpointKey(c.uuid, shard), std::to_string(start));
    }
  }  // closed before waiting on the writer
  c.last_modified_ms = NowMillis();
  std::lock_guard lock(mu_);
  if (stopped_) return Status(ErrorKind::kInternal, "The server is shutting down");
  CIRRUS_RETURN_IF_ERROR(
      CheckBounds(mappings_.size() + 1, ShardWorkersInUse("") + (c.enabled ? shards : 0)));
  for (const auto& [uuid, m] : mappings_) {
    if (m->config.function_name == c.function_name &&
        m->config.event_source_arn == c.event_source_arn) {
      return Status(
          ErrorKind::kResourceInUse,
          "The event source arn (" + c.event_source_arn + ") and function (" + c.function_name +
              ") provided mapping already exists. Please update or delete the existing mapping "
              "with UUID " +
              uuid);
    }
  }
  records.emplace_back(std::string(kMappingPrefix) + c.uuid, EncodeMapping(c));
  CIRRUS_RETURN_IF_ERROR(db_->WriteSettings(std::move(records)));
  std::shared_ptr<Mapping> m = MakeMapping(c);
  mappings_[c.uuid] = m;
  StartWorkers(m);
  MappingStatus s = StatusOf(*m);
  s.state = "Creating";
  return s;
}

Result<MappingStatus> Triggers::UpdateMapping(std::string_view uuid,
                                              const std::function<Status(MappingConfig&)>& change) {
  std::lock_guard lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return MappingNotFound();
  if (stopped_) return Status(ErrorKind::kInternal, "The server is shutting down");
  MappingConfig c = it->second->config;
  CIRRUS_RETURN_IF_ERROR(change(c));
  if (!c.function_name.empty()) {
    CIRRUS_ASSIGN_OR_RETURN(FunctionConfig f, GetFunction(c.function_name));
    c.function_name = f.name;
  }
  CIRRUS_RETURN_IF_ERROR(ValidateMapping(c));
  if (!c.on_failure_destination.empty() &&
      c.on_failure_destination != it->second->config.on_failure_destination) {
    CIRRUS_RETURN_IF_ERROR(CheckDestination(options_.destinations, c.on_failure_destination));
  }
  CIRRUS_RETURN_IF_ERROR(CheckBounds(
      mappings_.size(), ShardWorkersInUse(uuid) + (c.enabled ? ShardsOf(c.event_source_arn) : 0)));
  c.last_modified_ms = NowMillis();
  CIRRUS_RETURN_IF_ERROR(
      db_->WriteSettings({{std::string(kMappingPrefix) + c.uuid, EncodeMapping(c)}}));
  // The new version's workers take over each shard once the old one's batch in flight ends.
  std::shared_ptr<Mapping> old = it->second;
  old->stop.Stop();
  retired_.push_back(old);
  std::shared_ptr<Mapping> m = MakeMapping(c);
  {
    std::lock_guard old_lock(old->mu);
    m->last_result = old->last_result;
  }
  it->second = m;
  StartWorkers(m);
  MappingStatus s = StatusOf(*m);
  s.state = "Updating";
  return s;
}

Result<MappingStatus> Triggers::DeleteMapping(std::string_view uuid) {
  std::lock_guard lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return MappingNotFound();
  std::vector<std::pair<std::string, std::optional<std::string>>> removed = {
      {std::string(kMappingPrefix) + std::string(uuid), std::nullopt},
      {std::string(kMappingStatusPrefix) + std::string(uuid), std::nullopt}};
  if (Result<db::ReadView> view = db_->Read(); view.ok()) {
    if (auto checkpoints =
            view->ListSettings(std::string(kCheckpointPrefix) + std::string(uuid) + "/");
        checkpoints.ok()) {
      for (auto& [key, value] : *checkpoints) removed.emplace_back(key, std::nullopt);
    }
  }
  CIRRUS_RETURN_IF_ERROR(db_->WriteSettings(std::move(removed)));
  std::shared_ptr<Mapping> m = it->second;
  m->stop.Stop();
  retired_.push_back(m);
  mappings_.erase(it);
  MappingStatus s = StatusOf(*m);
  s.state = "Deleting";
  return s;
}

Result<MappingStatus> Triggers::GetMapping(std::string_view uuid) const {
  std::lock_guard lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return MappingNotFound();
  return StatusOf(*it->second);
}

std::vector<MappingStatus> Triggers::ListMappings() const {
  std::lock_guard lock(mu_);
  std::vector<MappingStatus> out;
  for (const auto& [uuid, m] : mappings_) out.push_back(StatusOf(*m));
  return out;
}

}  // namespace cirrus::streams
