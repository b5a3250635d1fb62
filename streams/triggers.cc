#include "streams/triggers.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>
#include <thread>

#include "server/wire/json.h"
#include "streams/delivery.h"
#include "streams/filter.h"
#include "streams/records.h"

namespace cirrus::streams {
namespace {

constexpr size_t kMaxEventBytes = 6 * 1024 * 1024;  // Lambda's synchronous payload limit
constexpr uint32_t kMaxShards = 1024;  // cirrusd's largest --partitions

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoTime(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string NewUuid() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t hi = rng(), lo = rng();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFF),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3FFF)),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

std::string CheckpointKey(std::string_view uuid, uint32_t shard) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08x", shard);
  return std::string(kCheckpointPrefix) + std::string(uuid) + "/" + buf;
}

// Parses JSON text we stored or were sent (JsonParser wants padding after the text).
class Json {
 public:
  Result<wire::JsonValue> Parse(std::string_view text) {
    buffer_.assign(text);
    buffer_.reserve(buffer_.size() + wire::JsonParser::kPadding);
    return parser_.Parse(&buffer_);
  }

 private:
  std::string buffer_;
  wire::JsonParser parser_;
};

Status BadParameter(std::string message) { return ValidationError(std::move(message)); }

}  // namespace

// ---------------------------------------------------------------------------------------
// Mapping settings

Status ReadMappingMembers(const wire::JsonValue& json, MappingConfig* c) {
  if (!json.is(wire::JsonValue::Type::kObject)) return BadParameter("The request must be a JSON object");
  auto str = [&](std::string_view member, std::string* out) -> Status {
    if (auto x = json.Find(member)) {
      if (!x->is(wire::JsonValue::Type::kString)) return BadParameter(std::string(member) + " must be a string");
      *out = std::string(x->string());
    }
    return Status();
  };
  auto integer = [&](std::string_view member, int64_t* out) -> Status {
    if (auto x = json.Find(member)) {
      if (!x->is(wire::JsonValue::Type::kNumber) || !x->is_integer()) {
        return BadParameter(std::string(member) + " must be an integer");
      }
      *out = x->integer();
    }
    return Status();
  };
  auto boolean = [&](std::string_view member, bool* out) -> Status {
    if (auto x = json.Find(member)) {
      if (!x->is(wire::JsonValue::Type::kBool)) return BadParameter(std::string(member) + " must be a boolean");
      *out = x->boolean();
    }
    return Status();
  };
  CIRRUS_RETURN_IF_ERROR(str("UUID", &c->uuid));
  CIRRUS_RETURN_IF_ERROR(str("FunctionName", &c->function_name));
  CIRRUS_RETURN_IF_ERROR(str("EventSourceArn", &c->event_source_arn));
  CIRRUS_RETURN_IF_ERROR(str("StartingPosition", &c->starting_position));
  CIRRUS_RETURN_IF_ERROR(integer("BatchSize", &c->batch_size));
  CIRRUS_RETURN_IF_ERROR(integer("MaximumBatchingWindowInSeconds", &c->maximum_batching_window_seconds));
  CIRRUS_RETURN_IF_ERROR(integer("MaximumRetryAttempts", &c->maximum_retry_attempts));
  CIRRUS_RETURN_IF_ERROR(integer("MaximumRecordAgeInSeconds", &c->maximum_record_age_seconds));
  CIRRUS_RETURN_IF_ERROR(integer("ParallelizationFactor", &c->parallelization_factor));
  CIRRUS_RETURN_IF_ERROR(boolean("BisectBatchOnFunctionError", &c->bisect_batch_on_function_error));
  CIRRUS_RETURN_IF_ERROR(boolean("Enabled", &c->enabled));
  CIRRUS_RETURN_IF_ERROR(integer("LastModifiedMs", &c->last_modified_ms));
  if (auto d = json.Find("DestinationConfig")) {
    c->on_failure_destination.clear();
    if (auto f = d->Find("OnFailure")) {
      if (auto dest = f->Find("Destination")) {
        if (!dest->is(wire::JsonValue::Type::kString)) return BadParameter("Destination must be a string");
        c->on_failure_destination = std::string(dest->string());
      }
    }
  }
  if (auto f = json.Find("FilterCriteria")) {
    c->filter_patterns.clear();
    if (auto filters = f->Find("Filters")) {
      for (const wire::JsonValue& filter : filters->elements()) {
        auto pattern = filter.Find("Pattern");
        if (!pattern || !pattern->is(wire::JsonValue::Type::kString)) {
          return BadParameter("Each filter must have a Pattern string");
        }
        c->filter_patterns.emplace_back(pattern->string());
      }
    }
  }
  if (auto types = json.Find("FunctionResponseTypes")) {
    c->report_batch_item_failures = false;
    for (const wire::JsonValue& t : types->elements()) {
      if (!t.is(wire::JsonValue::Type::kString) || t.string() != "ReportBatchItemFailures") {
        return BadParameter("FunctionResponseTypes may only contain ReportBatchItemFailures");
      }
      c->report_batch_item_failures = true;
    }
  }
  return Status();
}

Status ValidateMapping(const MappingConfig& c) {
  auto range = [](std::string_view member, int64_t v, int64_t min, int64_t max) -> Status {
    if (v < min || v > max) {
      return BadParameter("Value " + std::to_string(v) + " at '" + std::string(member) +
                          "' failed to satisfy constraint: Member must have value between " +
                          std::to_string(min) + " and " + std::to_string(max));
    }
    return Status();
  };
  if (c.starting_position != "TRIM_HORIZON" && c.starting_position != "LATEST") {
    return BadParameter("StartingPosition must be TRIM_HORIZON or LATEST for a DynamoDB stream");
  }
  CIRRUS_RETURN_IF_ERROR(range("batchSize", c.batch_size, 1, 10000));
  CIRRUS_RETURN_IF_ERROR(range("maximumBatchingWindowInSeconds", c.maximum_batching_window_seconds, 0, 300));
  CIRRUS_RETURN_IF_ERROR(range("maximumRetryAttempts", c.maximum_retry_attempts, -1, 10000));
  CIRRUS_RETURN_IF_ERROR(range("maximumRecordAgeInSeconds", c.maximum_record_age_seconds, -1, 604800));
  CIRRUS_RETURN_IF_ERROR(range("parallelizationFactor", c.parallelization_factor, 1, 10));
  const std::string& d = c.on_failure_destination;
  if (!d.empty()) {
    if (d.rfind("file:///", 0) == 0) {
      if (d.size() <= 8) return BadParameter("The OnFailure destination file:/// needs a directory");
    } else if (d.rfind("http://", 0) == 0) {
      CIRRUS_RETURN_IF_ERROR(ValidateUrl(d));
    } else {
      return BadParameter("The OnFailure destination must be file:///absolute/dir or an http:// URL, not " + d);
    }
  }
  Result<FilterSet> filters = FilterSet::Parse(c.filter_patterns);
  if (!filters.ok()) return BadParameter(filters.status().message());
  return Status();
}

// ---------------------------------------------------------------------------------------
// Workers

// Held by the worker of a shard while it reads, invokes and checkpoints, so that versions of
// a mapping (an update restarts the workers) never have two batches of a shard in flight.
struct Triggers::ShardLocks {
  std::mutex shard[kMaxShards];
  std::mutex& of(uint32_t s) { return shard[s % kMaxShards]; }
};

struct Triggers::Mapping {
  MappingConfig config;
  FilterSet filters;
  uint32_t shards = 0;  // workers started: one per shard of the stream (none when disabled)
  std::shared_ptr<ShardLocks> locks;
  std::atomic<bool> stop{false};
  std::atomic<int> running{0};  // workers not yet returned
  std::vector<std::thread> threads;
  mutable std::mutex mu;  // guards what follows
  std::string state = "Creating";
  std::string last_result = "No records processed";
  std::map<uint32_t, int64_t> ages;  // shard -> iterator age, ms

  void SetAge(uint32_t shard, int64_t age) {
    std::lock_guard lock(mu);
    ages[shard] = age;
  }
  // Sleeps up to `ms` unless stopped; false when stopped.
  bool Sleep(int64_t ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
    }
    return !stop;
  }
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
  for (auto& [uuid, m] : mappings_) m->stop = true;
  for (auto& m : retired_) m->stop = true;
}

std::string Triggers::FunctionArn(std::string_view name) const {
  return "arn:aws:lambda:" + options_.region + ":" + options_.account_id + ":function:" + std::string(name);
}

std::string Triggers::StreamArnOf(const db::StreamDefinition& s) const {
  return StreamArn(options_.region, options_.account_id, s.table_name, s.label);
}

Result<MappingConfig> DecodeStoredMapping(std::string_view stored) {
  Json json;
  MappingConfig c;
  Result<wire::JsonValue> v = json.Parse(stored);
  Status read = v.ok() ? ReadMappingMembers(*v, &c) : v.status();
  if (!read.ok()) return InternalError("a stored mapping is unreadable: " + read.message());
  return c;
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
    auto m = std::make_shared<Mapping>();
    Result<MappingConfig> c = DecodeStoredMapping(value);
    if (!c.ok()) {
      std::fprintf(stderr, "cirrusd: skipping mapping %s: %s\n", key.c_str(), c.status().message().c_str());
      continue;
    }
    m->config = std::move(*c);
    Result<FilterSet> filters = FilterSet::Parse(m->config.filter_patterns);
    if (filters.ok()) m->filters = std::move(*filters);
    if (auto r = last_results.find(m->config.uuid); r != last_results.end()) m->last_result = r->second;
    auto& locks = shard_locks_[m->config.uuid];
    if (!locks) locks = std::make_shared<ShardLocks>();
    m->locks = locks;
    // A mapping past today's bounds (the owner lowered them) stays, without workers.
    uint32_t shards = m->config.enabled ? ShardsOf(m->config.event_source_arn) : 0;
    if (mappings_.size() >= options_.max_mappings ||
        ShardWorkersInUse("") + shards > options_.max_shard_workers) {
      std::fprintf(stderr, "cirrusd: mapping %s not started: over --max-mappings or --max-trigger-workers\n",
                   m->config.uuid.c_str());
      m->last_result = "PROBLEM: not started: over this server's --max-mappings or --max-trigger-workers";
      m->state = "Disabled";
      mappings_[m->config.uuid] = m;
      continue;
    }
    mappings_[m->config.uuid] = m;
    StartWorkers(m);
  }
  return Status();
}

Status Triggers::CheckBounds(size_t mappings, size_t shard_workers) const {
  if (mappings > options_.max_mappings) {
    return BadParameter("This server runs at most " + std::to_string(options_.max_mappings) +
                        " event source mappings (its owner sets --max-mappings)");
  }
  if (shard_workers > options_.max_shard_workers) {
    return BadParameter("This mapping would need " + std::to_string(shard_workers) +
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
  Status s = db_->WriteSettings({{std::string(kMappingStatusPrefix) + m.config.uuid, std::move(result)}});
  if (!s.ok()) {
    std::fprintf(stderr, "cirrusd: mapping %s: cannot record its state: %s\n", m.config.uuid.c_str(),
                 s.message().c_str());
  }
}

void Triggers::StartWorkers(const std::shared_ptr<Mapping>& m) {
  // The stream's shards: one worker each. (Shards are fixed for a stream's life.)
  uint32_t shards = ShardsOf(m->config.event_source_arn);
  if (shards == 0) {
    std::fprintf(stderr, "cirrusd: mapping %s: its stream %s no longer exists\n", m->config.uuid.c_str(),
                 m->config.event_source_arn.c_str());
  }
  {
    std::lock_guard lock(m->mu);
    m->state = m->config.enabled ? "Enabled" : "Disabled";
  }
  if (stopped_) return;
  m->shards = m->config.enabled ? shards : 0;
  for (uint32_t shard = 0; shard < m->shards; ++shard) {
    ++m->running;
    m->threads.emplace_back([this, m, shard] {
      Run(m, shard);
      --m->running;
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

// One batch of records of a shard, with the JSON of each as the event carries it.
struct Triggers::Batch {
  std::vector<db::StreamRecord> records;
  std::vector<std::string> json;
  size_t size() const { return records.size(); }
  Batch Slice(size_t from, size_t to) const {
    Batch b;
    b.records.assign(records.begin() + static_cast<ptrdiff_t>(from), records.begin() + static_cast<ptrdiff_t>(to));
    b.json.assign(json.begin() + static_cast<ptrdiff_t>(from), json.begin() + static_cast<ptrdiff_t>(to));
    return b;
  }
  std::string Event() const {
    std::string event = "{\"Records\":[";
    for (size_t i = 0; i < json.size(); ++i) {
      if (i) event.push_back(',');
      event += json[i];
    }
    event += "]}";
    return event;
  }
};

namespace {

// What a ReportBatchItemFailures response asks: nullopt = the whole batch succeeded; a
// sequence number = retry from there; 0 = the whole batch failed.
std::optional<uint64_t> ItemFailures(Json& json, const std::string& payload,
                                     const std::vector<db::StreamRecord>& records) {
  std::string_view text = payload;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  if (text.empty() || text == "null" || text.substr(0, 4) == "null") return std::nullopt;
  Result<wire::JsonValue> v = json.Parse(text);
  if (!v.ok() || !v->is(wire::JsonValue::Type::kObject)) return std::nullopt;
  auto failures = v->Find("batchItemFailures");
  if (!failures || failures->size() == 0) return std::nullopt;
  uint64_t lowest = UINT64_MAX;
  for (const wire::JsonValue& f : failures->elements()) {
    auto id = f.Find("itemIdentifier");
    if (!id || !id->is(wire::JsonValue::Type::kString)) return 0;
    std::optional<uint64_t> seq = ParseSequenceNumber(id->string());
    if (!seq) return 0;
    bool in_batch = std::any_of(records.begin(), records.end(),
                                [&](const db::StreamRecord& r) { return r.sequence == *seq; });
    if (!in_batch) return 0;
    lowest = std::min(lowest, *seq);
  }
  return lowest;
}

}  // namespace

void Triggers::Run(std::shared_ptr<Mapping> m, uint32_t shard) {
  const MappingConfig& c = m->config;
  std::unique_lock shard_lock(m->locks->of(shard));
  const std::string ckpt_key = CheckpointKey(c.uuid, shard);
  Json json;
  // Where to start: the checkpoint (0: the beginning of the shard).
  uint64_t position = 0;
  for (;;) {
    Result<db::ReadView> view = db_->Read();
    Result<std::optional<std::string>> v = view.ok() ? view->GetSetting(ckpt_key) : view.status();
    if (v.ok()) {
      if (*v) position = std::strtoull((*v)->c_str(), nullptr, 10);
      break;
    }
    std::fprintf(stderr, "cirrusd: mapping %s: cannot read its checkpoint: %s\n", c.uuid.c_str(),
                 v.status().message().c_str());
    if (!m->Sleep(1000)) return;
  }
  auto checkpoint = [&](uint64_t next) {
    position = next;
    for (int attempt = 0; !m->stop || attempt == 0; ++attempt) {
      Status s = db_->WriteSettings({{ckpt_key, std::to_string(next)}});
      if (s.ok()) return;
      std::fprintf(stderr, "cirrusd: mapping %s: checkpoint failed: %s\n", c.uuid.c_str(), s.message().c_str());
      if (!m->Sleep(1000)) return;
    }
  };
  uint64_t seen = db_->stream_version();
  enum class Next { kDeliver, kSkip, kWaitForChange, kIdle };
  while (!m->stop) {
    // Read what is there from the checkpoint on, in a snapshot closed before any waiting.
    std::optional<db::StreamDefinition> stream;
    Batch batch;
    uint64_t last_read = 0;  // the last record read, matching the filters or not
    int64_t wait_ms = 200;
    Next next = [&]() -> Next {
      Result<db::ReadView> view = db_->Read();
      if (!view.ok()) return Next::kIdle;
      if (auto streams = view->Streams(); streams.ok()) {
        for (auto& s : *streams) {
          if (StreamArnOf(s) == c.event_source_arn) stream = s;
        }
      }
      if (!stream) return Next::kIdle;  // forgotten after its retention period
      if (const uint64_t trimmed = stream->TrimmedThrough(shard); position <= trimmed) {
        if (position != 0) {
          std::fprintf(stderr, "cirrusd: mapping %s: records of shard %u up to %s expired unprocessed\n",
                       c.uuid.c_str(), shard, SequenceNumberText(trimmed).c_str());
        }
        position = trimmed + 1;
      }
      std::vector<db::StreamRecord> records;
      Status s = view->ReadStream(stream->stream_id, shard, position, static_cast<size_t>(c.batch_size),
                                  kMaxEventBytes, &records);
      if (!s.ok()) {
        std::fprintf(stderr, "cirrusd: mapping %s: %s\n", c.uuid.c_str(), s.message().c_str());
        return Next::kIdle;
      }
      if (records.empty()) {
        m->SetAge(shard, 0);
        // Nothing up to the last record committed anywhere: later records of this shard come
        // after it (sequence numbers follow commit order), so an idle shard's position keeps
        // up with the stream and never falls behind its trim point.
        if (Result<uint64_t> last = view->LastSequence(); last.ok()) position = std::max(position, *last + 1);
        if (stream->closed_us) return Next::kIdle;  // closed and read to its end
        return Next::kWaitForChange;
      }
      const std::string arn = StreamArnOf(*stream);
      size_t bytes = 16;  // {"Records":[]}
      bool capped = false;
      for (db::StreamRecord& r : records) {
        std::string text;
        wire::JsonWriter w(&text);
        WriteRecord(*stream, r, options_.region, arn, w);
        if (!m->filters.Matches(text)) {
          last_read = r.sequence;
          continue;
        }
        if (!batch.json.empty() && bytes + text.size() + 1 > kMaxEventBytes) {
          capped = true;
          break;
        }
        last_read = r.sequence;
        bytes += text.size() + 1;
        batch.json.push_back(std::move(text));
        batch.records.push_back(std::move(r));
      }
      m->SetAge(shard, NowMs() - records.front().time_us / 1000);
      // The batching window: wait for a fuller batch, up to the window after its first record.
      if (!capped && records.size() < static_cast<size_t>(c.batch_size) && c.maximum_batching_window_seconds > 0) {
        int64_t due = records.front().time_us / 1000 + c.maximum_batching_window_seconds * 1000;
        int64_t wait = due - NowMs();
        if (wait > 0) {
          wait_ms = std::min<int64_t>(wait, 200);
          return Next::kWaitForChange;
        }
      }
      return batch.size() ? Next::kDeliver : Next::kSkip;
    }();
    if (next == Next::kIdle) {
      m->Sleep(1000);
      continue;
    }
    if (next == Next::kWaitForChange) {
      seen = db_->WaitForStreamChange(seen, std::chrono::milliseconds(wait_ms));
      continue;
    }
    if (next == Next::kSkip) {  // nothing passed the filters
      checkpoint(last_read + 1);
      continue;
    }
    // Deliver: one batch in flight for this shard until it succeeds or is discarded
    // (delivery.h has the rules).
    const std::string arn = StreamArnOf(*stream);
    Delivery delivery(batch.size(), c.maximum_retry_attempts, c.bisect_batch_on_function_error);
    while (!delivery.done() && !m->stop) {
      auto [begin, end] = delivery.part();
      Batch part = batch.Slice(begin, end);
      const bool too_old = c.maximum_record_age_seconds >= 0 &&
                           NowMs() - part.records.front().time_us / 1000 > c.maximum_record_age_seconds * 1000;
      if (too_old || delivery.exhausted()) {
        // The shard moves past the batch only once its OnFailure record is safe: while the
        // destination refuses it, the shard waits, and the mapping says why.
        Status written = Discard(*m, *stream, shard, part, delivery.attempts(), too_old);
        for (int64_t delay = 1000; !written.ok(); delay = std::min<int64_t>(delay * 2, 30000)) {
          SetResult(*m, "PROBLEM: OnFailure destination failed: " + written.message());
          std::fprintf(stderr, "cirrusd: mapping %s: %s; the shard waits and tries again in %lld s\n",
                       c.uuid.c_str(), written.message().c_str(), static_cast<long long>(delay / 1000));
          if (!m->Sleep(delay)) break;
          written = Discard(*m, *stream, shard, part, delivery.attempts(), too_old);
        }
        if (!written.ok()) break;  // stopped: the batch is delivered again after a restart
        delivery.Discard();
        checkpoint(part.records.back().sequence + 1);
        continue;
      }
      if (delivery.attempts() > 0) {  // exponential backoff between retries
        int64_t delay = std::min<int64_t>(int64_t{100} << std::min(delivery.attempts() - 1, 8), 10000);
        if (!m->Sleep(delay)) break;
      }
      Result<FunctionConfig> f = GetFunction(c.function_name);
      InvokeResult result;
      if (!f.ok()) {
        result.outcome = InvokeResult::Outcome::kFunctionError;
        result.error = f.status().message();
      } else {
        result = pool_->Run(HandlerOf(*f), part.Event(), &cancel_, &m->stop);
      }
      if (result.outcome == InvokeResult::Outcome::kCancelled) break;  // stopping; not an attempt
      std::optional<uint64_t> retry_from;  // ReportBatchItemFailures: where the failure starts
      bool failed = result.outcome != InvokeResult::Outcome::kSuccess;
      if (!failed && c.report_batch_item_failures) {
        retry_from = ItemFailures(json, result.payload, part.records);
        failed = retry_from.has_value();
      }
      if (!failed) {
        SetResult(*m, "OK");
        delivery.Succeeded();
      } else {
        if (result.outcome != InvokeResult::Outcome::kSuccess) {
          SetResult(*m, "PROBLEM: Function call failed");
          std::fprintf(stderr, "cirrusd: function %s failed on mapping %s, %s (attempt %d, %zu records): %s%s%s\n",
                       FunctionNameOf(c.function_name).c_str(), c.uuid.c_str(), ShardIdText(*stream, shard).c_str(),
                       delivery.attempts() + 1, part.size(), result.error.c_str(),
                       result.log_tail.empty() ? "" : "\n--- stderr tail ---\n", result.log_tail.c_str());
        } else {
          SetResult(*m, "PROBLEM: Function reported batch item failures");
        }
        std::optional<size_t> first_failed;
        if (retry_from && *retry_from) {
          size_t i = begin;
          while (i < end && batch.records[i].sequence < *retry_from) ++i;
          first_failed = i;
        }
        delivery.Failed(first_failed);
      }
      if (delivery.finished() > begin) checkpoint(batch.records[delivery.finished() - 1].sequence + 1);
    }
  }
}

Status Triggers::Discard(Mapping& m, const db::StreamDefinition& stream, uint32_t shard, const Batch& b,
                         int attempts, bool too_old) {
  const MappingConfig& c = m.config;
  std::string record;
  wire::JsonWriter w(&record);
  w.BeginObject();
  w.Key("requestContext");
  w.BeginObject();
  w.Key("requestId");
  w.String(NewUuid());
  w.Key("functionArn");
  w.String(FunctionArn(FunctionNameOf(c.function_name)));
  w.Key("condition");
  w.String(too_old ? "RecordAgeExceeded" : "RetryAttemptsExhausted");
  w.Key("approximateInvokeCount");
  w.Int(attempts);
  w.EndObject();
  w.Key("responseContext");
  w.BeginObject();
  w.Key("statusCode");
  w.Int(200);
  w.Key("executedVersion");
  w.String("$LATEST");
  w.Key("functionError");
  w.String("Unhandled");
  w.EndObject();
  w.Key("version");
  w.String("1.0");
  w.Key("timestamp");
  w.String(IsoTime(NowMs()));
  w.Key("DDBStreamBatchInfo");
  w.BeginObject();
  w.Key("shardId");
  w.String(ShardIdText(stream, shard));
  w.Key("startSequenceNumber");
  w.String(SequenceNumberText(b.records.front().sequence));
  w.Key("endSequenceNumber");
  w.String(SequenceNumberText(b.records.back().sequence));
  w.Key("approximateArrivalOfFirstRecord");
  w.String(IsoTime(b.records.front().time_us / 1000));
  w.Key("approximateArrivalOfLastRecord");
  w.String(IsoTime(b.records.back().time_us / 1000));
  w.Key("batchSize");
  w.Int(static_cast<int64_t>(b.size()));
  w.Key("streamArn");
  w.String(StreamArnOf(stream));
  w.EndObject();
  w.EndObject();
  const std::string& dest = c.on_failure_destination;
  std::fprintf(stderr, "cirrusd: mapping %s: discarding %zu records of %s (%s)%s%s\n", c.uuid.c_str(), b.size(),
               ShardIdText(stream, shard).c_str(), too_old ? "record age exceeded" : "retry attempts exhausted",
               dest.empty() ? "" : "; OnFailure record to ", dest.c_str());
  if (dest.empty()) return Status();
  // The owner may have narrowed what is allowed since the mapping was made.
  CIRRUS_RETURN_IF_ERROR(CheckDestination(dest));
  if (dest.rfind("file://", 0) == 0) {
    const std::string dir = dest.substr(7);
    std::string name = dir + "/" + c.uuid + "-" + ShardIdText(stream, shard) + "-" +
                       SequenceNumberText(b.records.front().sequence) + ".json";
    std::string tmp = name + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    bool ok = fd >= 0 && write(fd, record.data(), record.size()) == static_cast<ssize_t>(record.size()) &&
              fsync(fd) == 0;
    int error = errno;
    if (fd >= 0) close(fd);
    if (ok && rename(tmp.c_str(), name.c_str()) != 0) {
      ok = false;
      error = errno;
    }
    if (!ok) {
      unlink(tmp.c_str());
      return InternalError("cannot write " + name + ": " + std::strerror(error));
    }
    // The rename is durable once the directory is synced.
    if (int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
      fsync(dir_fd);
      close(dir_fd);
    }
    return Status();
  }
  FunctionHandler target;
  target.name = "on-failure";
  target.url = dest;
  target.timeout_seconds = 10;
  InvokeResult sent = Invoke(target, record, &cancel_);
  if (sent.outcome != InvokeResult::Outcome::kSuccess) {
    return InternalError("POST to " + dest + " failed: " + sent.error);
  }
  return Status();
}

Status Triggers::CheckDestination(const std::string& d) const {
  namespace fs = std::filesystem;
  if (d.rfind("file://", 0) == 0) {
    fs::path wanted = fs::path(d.substr(7)).lexically_normal();
    std::error_code ec;
    fs::path root = fs::weakly_canonical(fs::path(options_.failure_dir), ec);
    auto under_root = [&](const fs::path& p) {
      fs::path rel = p.lexically_relative(root);
      return !rel.empty() && *rel.begin() != ".." && !rel.is_absolute();
    };
    if (options_.failure_dir.empty() || !wanted.is_absolute() || !under_root(wanted)) {
      return BadParameter("The OnFailure destination " + d + " is outside the directory this server "
                          "writes failure records to: file://" + root.string() +
                          " (its owner sets it with --failure-dir)");
    }
    fs::create_directories(wanted, ec);
    if (ec) return BadParameter("Cannot create the OnFailure destination " + d + ": " + ec.message());
    // Through symbolic links the owner made, the directory must still be inside.
    fs::path real = fs::weakly_canonical(wanted, ec);
    if (ec || !under_root(real)) {
      return BadParameter("The OnFailure destination " + d + " leads outside file://" + root.string());
    }
    return Status();
  }
  if (d.rfind("http://", 0) == 0) {
    CIRRUS_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(d));
    for (const std::string& allowed : options_.http_destination_hosts) {
      size_t colon = allowed.rfind(':');
      bool has_port = colon != std::string::npos && allowed.find(']') < colon;
      if (colon != std::string::npos && allowed.find('[') == std::string::npos) has_port = true;
      std::string host = has_port ? allowed.substr(0, colon) : allowed;
      if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
      auto lower = [](std::string t) {
        for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return t;
      };
      if (lower(host) == lower(url.host) && (!has_port || allowed.substr(colon + 1) == url.port)) {
        return Status();
      }
    }
    return BadParameter("The OnFailure destination " + d + " is not allowed: this server POSTs failure "
                        "records only to hosts its owner lists with --failure-http-host");
  }
  return BadParameter("The OnFailure destination must be file:///absolute/dir or an http:// URL, not " + d);
}

// ---------------------------------------------------------------------------------------
// Functions

Result<std::vector<FunctionConfig>> Triggers::ListFunctions() const {
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
  return streams::ListFunctions(view);
}

Result<FunctionConfig> Triggers::GetFunction(std::string_view name) const {
  std::optional<FunctionConfig> f;
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

// ---------------------------------------------------------------------------------------
// Mappings

Status Triggers::SaveMapping(const MappingConfig& c,
                             std::vector<std::pair<std::string, std::optional<std::string>>> extra) {
  std::string record;
  wire::JsonWriter w(&record);
  MappingStatus s;
  s.config = c;
  WriteMapping(s, w);
  extra.emplace_back(std::string(kMappingPrefix) + c.uuid, std::move(record));
  return db_->WriteSettings(std::move(extra));
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
  if (c.function_name.empty()) return BadParameter("FunctionName is required");
  if (c.event_source_arn.empty()) return BadParameter("EventSourceArn is required");
  if (c.starting_position.empty()) {
    return BadParameter("StartingPosition is required for a DynamoDB stream event source");
  }
  CIRRUS_RETURN_IF_ERROR(ValidateMapping(c));
  if (!c.on_failure_destination.empty()) CIRRUS_RETURN_IF_ERROR(CheckDestination(c.on_failure_destination));
  CIRRUS_ASSIGN_OR_RETURN(FunctionConfig f, GetFunction(c.function_name));
  c.function_name = f.name;
  // The stream, and where each shard starts (LATEST: after the last record committed).
  std::vector<std::pair<std::string, std::optional<std::string>>> checkpoints;
  c.uuid = NewUuid();
  uint32_t shards = 0;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
    CIRRUS_ASSIGN_OR_RETURN(auto streams, view.Streams());
    std::optional<db::StreamDefinition> stream;
    for (auto& s : streams) {
      if (StreamArnOf(s) == c.event_source_arn) stream = s;
    }
    if (!stream) return BadParameter("Stream not found: " + c.event_source_arn);
    shards = std::min(stream->shard_count, kMaxShards);
    CIRRUS_ASSIGN_OR_RETURN(uint64_t last, view.LastSequence());
    for (uint32_t shard = 0; shard < stream->shard_count; ++shard) {
      uint64_t start = c.starting_position == "LATEST" ? last + 1 : 0;
      checkpoints.emplace_back(CheckpointKey(c.uuid, shard), std::to_string(start));
    }
  }  // closed before waiting on the writer
  c.last_modified_ms = NowMs();
  std::lock_guard lock(mu_);
  if (stopped_) return Status(ErrorKind::kInternal, "The server is shutting down");
  CIRRUS_RETURN_IF_ERROR(CheckBounds(mappings_.size() + 1, ShardWorkersInUse("") + (c.enabled ? shards : 0)));
  for (const auto& [uuid, m] : mappings_) {
    if (m->config.function_name == c.function_name && m->config.event_source_arn == c.event_source_arn) {
      return Status(ErrorKind::kResourceInUse,
                    "The event source arn (" + c.event_source_arn + ") and function (" + c.function_name +
                        ") provided mapping already exists. Please update or delete the existing mapping "
                        "with UUID " + uuid);
    }
  }
  CIRRUS_RETURN_IF_ERROR(SaveMapping(c, std::move(checkpoints)));
  auto m = std::make_shared<Mapping>();
  m->config = c;
  m->filters = *FilterSet::Parse(c.filter_patterns);
  m->locks = shard_locks_[c.uuid] = std::make_shared<ShardLocks>();
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
  if (it == mappings_.end()) {
    return Status(ErrorKind::kResourceNotFound, "The resource you requested does not exist.");
  }
  if (stopped_) return Status(ErrorKind::kInternal, "The server is shutting down");
  MappingConfig c = it->second->config;
  CIRRUS_RETURN_IF_ERROR(change(c));
  if (!c.function_name.empty()) {
    CIRRUS_ASSIGN_OR_RETURN(FunctionConfig f, GetFunction(c.function_name));
    c.function_name = f.name;
  }
  CIRRUS_RETURN_IF_ERROR(ValidateMapping(c));
  if (!c.on_failure_destination.empty() && c.on_failure_destination != it->second->config.on_failure_destination) {
    CIRRUS_RETURN_IF_ERROR(CheckDestination(c.on_failure_destination));
  }
  CIRRUS_RETURN_IF_ERROR(CheckBounds(mappings_.size(), ShardWorkersInUse(uuid) +
                                                           (c.enabled ? ShardsOf(c.event_source_arn) : 0)));
  c.last_modified_ms = NowMs();
  CIRRUS_RETURN_IF_ERROR(SaveMapping(c, {}));
  // The new version's workers take over each shard once the old one's batch in flight ends.
  std::shared_ptr<Mapping> old = it->second;
  old->stop = true;
  retired_.push_back(old);
  auto m = std::make_shared<Mapping>();
  m->config = c;
  m->filters = *FilterSet::Parse(c.filter_patterns);
  m->locks = old->locks;
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
  if (it == mappings_.end()) {
    return Status(ErrorKind::kResourceNotFound, "The resource you requested does not exist.");
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> removed = {
      {std::string(kMappingPrefix) + std::string(uuid), std::nullopt},
      {std::string(kMappingStatusPrefix) + std::string(uuid), std::nullopt}};
  if (Result<db::ReadView> view = db_->Read(); view.ok()) {
    if (auto ckpts = view->ListSettings(std::string(kCheckpointPrefix) + std::string(uuid) + "/"); ckpts.ok()) {
      for (auto& [key, value] : *ckpts) removed.emplace_back(key, std::nullopt);
    }
  }
  CIRRUS_RETURN_IF_ERROR(db_->WriteSettings(std::move(removed)));
  std::shared_ptr<Mapping> m = it->second;
  m->stop = true;
  retired_.push_back(m);
  mappings_.erase(it);
  MappingStatus s = StatusOf(*m);
  s.state = "Deleting";
  return s;
}

Result<MappingStatus> Triggers::GetMapping(std::string_view uuid) const {
  std::lock_guard lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) {
    return Status(ErrorKind::kResourceNotFound, "The resource you requested does not exist.");
  }
  return StatusOf(*it->second);
}

std::vector<MappingStatus> Triggers::ListMappings() const {
  std::lock_guard lock(mu_);
  std::vector<MappingStatus> out;
  for (const auto& [uuid, m] : mappings_) out.push_back(StatusOf(*m));
  return out;
}

void Triggers::WriteFunction(const FunctionConfig& f, wire::JsonWriter& w) const {
  // What a command runs, the URL it calls and its environment are the owner's business: the
  // API, which any client of the port can call, names the kind of handler only.
  w.BeginObject();
  w.Key("FunctionName");
  w.String(f.name);
  w.Key("FunctionArn");
  w.String(FunctionArn(f.name));
  w.Key("Runtime");
  w.String("provided");
  w.Key("Handler");
  w.String(f.command.empty() ? "cirrus:url" : "cirrus:command");
  w.Key("Timeout");
  w.Int(f.timeout_seconds);
  w.Key("MemorySize");
  w.Int(128);
  w.Key("PackageType");
  w.String("Zip");
  w.Key("LastModified");
  w.String(IsoTime(f.last_modified_ms));
  w.Key("Version");
  w.String("$LATEST");
  w.Key("State");
  w.String("Active");
  w.EndObject();
}

void Triggers::WriteMapping(const MappingStatus& s, wire::JsonWriter& w) const {
  const MappingConfig& c = s.config;
  w.BeginObject();
  w.Key("UUID");
  w.String(c.uuid);
  w.Key("StartingPosition");
  w.String(c.starting_position);
  w.Key("BatchSize");
  w.Int(c.batch_size);
  w.Key("MaximumBatchingWindowInSeconds");
  w.Int(c.maximum_batching_window_seconds);
  w.Key("ParallelizationFactor");
  w.Int(c.parallelization_factor);
  w.Key("EventSourceArn");
  w.String(c.event_source_arn);
  if (!c.filter_patterns.empty()) {
    w.Key("FilterCriteria");
    w.BeginObject();
    w.Key("Filters");
    w.BeginArray();
    for (const std::string& p : c.filter_patterns) {
      w.BeginObject();
      w.Key("Pattern");
      w.String(p);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.Key(s.state.empty() ? "FunctionName" : "FunctionArn");  // stored: the name
  w.String(s.state.empty() ? c.function_name : FunctionArn(c.function_name));
  w.Key("LastModified");
  w.Double(static_cast<double>(c.last_modified_ms) / 1000.0);
  if (s.state.empty()) {
    w.Key("LastModifiedMs");
    w.Int(c.last_modified_ms);
    w.Key("Enabled");
    w.Bool(c.enabled);
  } else {
    w.Key("LastProcessingResult");
    w.String(s.last_processing_result);
    w.Key("State");
    w.String(s.state);
    w.Key("StateTransitionReason");
    w.String("User action");
    w.Key("IteratorAgeMilliseconds");  // ours: the mapping's lag
    w.Int(s.iterator_age_ms);
  }
  w.Key("DestinationConfig");
  w.BeginObject();
  if (!c.on_failure_destination.empty()) {
    w.Key("OnFailure");
    w.BeginObject();
    w.Key("Destination");
    w.String(c.on_failure_destination);
    w.EndObject();
  }
  w.EndObject();
  w.Key("MaximumRecordAgeInSeconds");
  w.Int(c.maximum_record_age_seconds);
  w.Key("BisectBatchOnFunctionError");
  w.Bool(c.bisect_batch_on_function_error);
  w.Key("MaximumRetryAttempts");
  w.Int(c.maximum_retry_attempts);
  w.Key("FunctionResponseTypes");
  w.BeginArray();
  if (c.report_batch_item_failures) w.String("ReportBatchItemFailures");
  w.EndArray();
  w.EndObject();
}

}  // namespace cirrus::streams
