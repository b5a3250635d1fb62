#include "streams/shard_worker.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "db/item/clock.h"
#include "server/wire/json.h"
#include "server/wire/json_writer.h"
#include "streams/delivery.h"
#include "streams/functions.h"
#include "streams/records.h"

namespace cirrus::streams {

void StopSignal::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (db_) db_->WakeStreamWaiters();
}

bool StopSignal::Sleep(std::chrono::milliseconds duration) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, duration, [&] { return stopped_.load(); });
  return !stopped_;
}

namespace {

constexpr size_t kMaxEventBytes = 6 * 1024 * 1024;    // Lambda's synchronous payload limit
constexpr auto kIdleRetry = std::chrono::seconds(1);  // a stream that is gone, a failed read

// What a ReportBatchItemFailures response asks: nullopt = the whole batch succeeded; a
// sequence number = retry from there; 0 = the whole batch failed.
std::optional<uint64_t> ItemFailures(const std::string& payload,
                                     const std::vector<db::StreamRecord>& records) {
  std::string_view text = payload;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  if (text.empty() || text.substr(0, 4) == "null") return std::nullopt;
  thread_local wire::JsonParser parser;
  std::string buffer(text);
  buffer.reserve(buffer.size() + wire::JsonParser::kPadding);
  Result<wire::JsonValue> v = parser.Parse(&buffer);
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

// One batch of records of a shard, with the JSON of each as the event carries it.
struct ShardWorker::Batch {
  db::StreamDefinition stream;
  std::vector<db::StreamRecord> records;
  std::vector<std::string> json;
  uint64_t last_read = 0;  // the last record read, matching the filters or not

  size_t size() const { return records.size(); }
  std::string Event(size_t from, size_t to) const {
    std::string event = "{\"Records\":[";
    for (size_t i = from; i < to; ++i) {
      if (i > from) event.push_back(',');
      event += json[i];
    }
    event += "]}";
    return event;
  }
};

ShardWorker::ShardWorker(db::Database* db, WorkerSettings settings, WorkerHooks hooks,
                         const StopSignal* stop)
    : db_(db),
      s_(std::move(settings)),
      hooks_(std::move(hooks)),
      stop_(stop),
      checkpoint_key_(CheckpointKey(s_.config.uuid, s_.shard)) {}

bool ShardWorker::Sleep(std::chrono::milliseconds duration) const { return stop_->Sleep(duration); }

void ShardWorker::Checkpoint(uint64_t next) {
  position_ = next;
  for (int attempt = 0; !stop_->stopped() || attempt == 0; ++attempt) {
    Status s = db_->WriteSettings({{checkpoint_key_, std::to_string(next)}});
    if (s.ok()) return;
    std::fprintf(stderr, "cirrusd: mapping %s: checkpoint failed: %s\n", s_.config.uuid.c_str(),
                 s.message().c_str());
    if (!Sleep(kIdleRetry)) return;
  }
}

void ShardWorker::Run() {
  // Where to start: the checkpoint (0: the beginning of the shard).
  for (;;) {
    Result<std::optional<std::string>> v = [&]() -> Result<std::optional<std::string>> {
      // The snapshot ends here, before any sleep: an open one holds up map resizes.
      CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
      return view.GetSetting(checkpoint_key_);
    }();
    if (v.ok()) {
      if (*v) position_ = std::strtoull((*v)->c_str(), nullptr, 10);
      break;
    }
    std::fprintf(stderr, "cirrusd: mapping %s: cannot read its checkpoint: %s\n",
                 s_.config.uuid.c_str(), v.status().message().c_str());
    if (!Sleep(kIdleRetry)) return;
  }
  seen_ = db_->stream_version();
  while (!stop_->stopped()) {
    Batch batch;
    switch (ReadBatch(&batch)) {
      case Next::kIdle:
        Sleep(kIdleRetry);
        break;
      case Next::kWaitForChange:
        seen_ = db_->WaitForStreamChange(seen_, wait_, stop_->flag());
        break;
      case Next::kSkip:  // nothing passed the filters
        Checkpoint(batch.last_read + 1);
        break;
      case Next::kDeliver:
        Deliver(batch);
        break;
    }
  }
}

// Reads what is there from the checkpoint on, in a snapshot closed before any waiting.
ShardWorker::Next ShardWorker::ReadBatch(Batch* batch) {
  const MappingConfig& c = s_.config;
  wait_ = s_.idle_wait;
  Result<db::ReadView> view = db_->Read();
  if (!view.ok()) return Next::kIdle;
  std::optional<db::StreamDefinition> stream;
  if (auto streams = view->Streams(); streams.ok()) {
    for (auto& st : *streams) {
      if (StreamArn(s_.region, s_.account_id, st.table_name, st.label) == c.event_source_arn)
        stream = st;
    }
  }
  if (!stream) return Next::kIdle;  // forgotten after its retention period
  batch->stream = *stream;
  const uint32_t shard = s_.shard;
  if (const uint64_t trimmed = stream->TrimmedThrough(shard); position_ <= trimmed) {
    if (position_ != 0) {
      std::fprintf(stderr,
                   "cirrusd: mapping %s: records of shard %u up to %s expired unprocessed\n",
                   c.uuid.c_str(), shard, SequenceNumberText(trimmed).c_str());
    }
    position_ = trimmed + 1;
  }
  std::vector<db::StreamRecord> records;
  Status s = view->ReadStream(stream->stream_id, shard, position_,
                              static_cast<size_t>(c.batch_size), kMaxEventBytes, &records);
  if (!s.ok()) {
    std::fprintf(stderr, "cirrusd: mapping %s: %s\n", c.uuid.c_str(), s.message().c_str());
    return Next::kIdle;
  }
  if (records.empty()) {
    hooks_.report_age(0);
    // Nothing up to the last record committed anywhere: later records of this shard come after
    // it (sequence numbers follow commit order), so an idle shard's position keeps up with the
    // stream and never falls behind its trim point.
    if (Result<uint64_t> last = view->LastSequence(); last.ok())
      position_ = std::max(position_, *last + 1);
    if (stream->closed_us) return Next::kIdle;  // closed and read to its end
    return Next::kWaitForChange;
  }
  const std::string arn = StreamArn(s_.region, s_.account_id, stream->table_name, stream->label);
  size_t bytes = 16;  // {"Records":[]}
  bool capped = false;
  for (db::StreamRecord& r : records) {
    std::string text;
    wire::JsonWriter w(&text);
    WriteRecord(*stream, r, s_.region, arn, w);
    if (!s_.filters.Matches(text)) {
      batch->last_read = r.sequence;
      continue;
    }
    if (!batch->json.empty() && bytes + text.size() + 1 > kMaxEventBytes) {
      capped = true;
      break;
    }
    batch->last_read = r.sequence;
    bytes += text.size() + 1;
    batch->json.push_back(std::move(text));
    batch->records.push_back(std::move(r));
  }
  hooks_.report_age(NowMillis() - records.front().time_us / 1000);
  // The batching window: wait for a fuller batch, up to the window after its first record.
  if (!capped && records.size() < static_cast<size_t>(c.batch_size) &&
      c.maximum_batching_window_seconds > 0) {
    int64_t due = records.front().time_us / 1000 + c.maximum_batching_window_seconds * 1000;
    int64_t wait = due - NowMillis();
    if (wait > 0) {
      wait_ = std::chrono::milliseconds(wait);
      return Next::kWaitForChange;
    }
  }
  return batch->size() ? Next::kDeliver : Next::kSkip;
}

// One batch in flight for this shard until it succeeds or is discarded (delivery.h has the
// rules).
void ShardWorker::Deliver(Batch& batch) {
  const MappingConfig& c = s_.config;
  const std::string shard_id = ShardIdText(batch.stream, s_.shard);
  Delivery delivery(batch.size(), c.maximum_retry_attempts, c.bisect_batch_on_function_error);
  while (!delivery.done() && !stop_->stopped()) {
    auto [begin, end] = delivery.part();
    const db::StreamRecord& first = batch.records[begin];
    const db::StreamRecord& last = batch.records[end - 1];
    const bool too_old = c.maximum_record_age_seconds >= 0 &&
                         NowMillis() - first.time_us / 1000 > c.maximum_record_age_seconds * 1000;
    if (too_old || delivery.exhausted()) {
      FailedBatch failed;
      failed.function_arn = "arn:aws:lambda:" + s_.region + ":" + s_.account_id +
                            ":function:" + FunctionNameOf(c.function_name);
      failed.stream_arn =
          StreamArn(s_.region, s_.account_id, batch.stream.table_name, batch.stream.label);
      failed.shard_id = shard_id;
      failed.first_sequence = first.sequence;
      failed.last_sequence = last.sequence;
      failed.first_arrival_ms = first.time_us / 1000;
      failed.last_arrival_ms = last.time_us / 1000;
      failed.size = end - begin;
      failed.attempts = delivery.attempts();
      failed.too_old = too_old;
      std::fprintf(stderr, "cirrusd: mapping %s: discarding %zu records of %s (%s)%s%s\n",
                   c.uuid.c_str(), failed.size, shard_id.c_str(),
                   too_old ? "record age exceeded" : "retry attempts exhausted",
                   c.on_failure_destination.empty() ? "" : "; OnFailure record to ",
                   c.on_failure_destination.c_str());
      // The shard moves past the batch only once its OnFailure record is safe: while the
      // destination refuses it, the shard waits, and the mapping says why.
      Status written = hooks_.discard(failed);
      for (int64_t delay = 1000; !written.ok(); delay = std::min<int64_t>(delay * 2, 30000)) {
        hooks_.report_result("PROBLEM: OnFailure destination failed: " + written.message());
        std::fprintf(stderr, "cirrusd: mapping %s: %s; the shard waits and tries again in %lld s\n",
                     c.uuid.c_str(), written.message().c_str(),
                     static_cast<long long>(delay / 1000));
        if (!Sleep(std::chrono::milliseconds(delay))) break;
        written = hooks_.discard(failed);
      }
      if (!written.ok()) return;  // stopped: the batch is delivered again after a restart
      delivery.Discard();
      Checkpoint(last.sequence + 1);
      continue;
    }
    if (delivery.attempts() > 0) {  // exponential backoff between retries
      int64_t delay =
          std::min<int64_t>(int64_t{100} << std::min(delivery.attempts() - 1, 8), 10000);
      if (!Sleep(std::chrono::milliseconds(delay))) return;
    }
    Result<FunctionHandler> handler = hooks_.handler();
    InvokeResult result;
    if (!handler.ok()) {
      result.outcome = InvokeResult::Outcome::kFunctionError;
      result.error = handler.status().message();
    } else {
      result = hooks_.invoke(*handler, batch.Event(begin, end));
    }
    if (result.outcome == InvokeResult::Outcome::kCancelled) return;  // stopping; not an attempt
    std::optional<uint64_t> retry_from;  // ReportBatchItemFailures: where the failure starts
    std::vector<db::StreamRecord> part(batch.records.begin() + static_cast<ptrdiff_t>(begin),
                                       batch.records.begin() + static_cast<ptrdiff_t>(end));
    bool failed = result.outcome != InvokeResult::Outcome::kSuccess;
    if (!failed && c.report_batch_item_failures) {
      retry_from = ItemFailures(result.payload, part);
      failed = retry_from.has_value();
    }
    if (!failed) {
      hooks_.report_result("OK");
      delivery.Succeeded();
    } else {
      if (result.outcome != InvokeResult::Outcome::kSuccess) {
        hooks_.report_result("PROBLEM: Function call failed");
        std::fprintf(
            stderr,
            "cirrusd: function %s failed on mapping %s, %s (attempt %d, %zu records): %s%s%s\n",
            FunctionNameOf(c.function_name).c_str(), c.uuid.c_str(), shard_id.c_str(),
            delivery.attempts() + 1, part.size(), result.error.c_str(),
            result.log_tail.empty() ? "" : "\n--- stderr tail ---\n", result.log_tail.c_str());
      } else {
        hooks_.report_result("PROBLEM: Function reported batch item failures");
      }
      std::optional<size_t> first_failed;
      if (retry_from && *retry_from) {
        size_t i = begin;
        while (i < end && batch.records[i].sequence < *retry_from) ++i;
        first_failed = i;
      }
      delivery.Failed(first_failed);
    }
    if (delivery.finished() > begin)
      Checkpoint(batch.records[delivery.finished() - 1].sequence + 1);
  }
}

}  // namespace cirrus::streams
