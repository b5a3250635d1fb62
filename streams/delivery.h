#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace cirrus::streams {

// The retry rules for one batch of a shard, apart from any I/O so that they are tested on
// their own: which records to invoke next, and what a result does.
//   - Success: the part is done.
//   - Failure: retried (each retry counts) until MaximumRetryAttempts is spent; then the part
//     is discarded (the caller writes its OnFailure record). With BisectBatchOnFunctionError
//     a failed part of more than one record is split in two halves instead, the first half
//     first; splitting is not a retry.
//   - Partial failure (ReportBatchItemFailures): the records before the first failed one are
//     done; the rest is the part to retry (a retry), or, bisecting, to split.
// Parts are contiguous ranges of the batch handled in order, so everything before the front
// part is finished: that is the checkpoint.
class Delivery {
 public:
  Delivery(size_t size, int64_t max_retry_attempts, bool bisect);

  bool done() const { return parts_.empty(); }
  // REQUIRES: !done(). The records [first, second) of the batch to invoke next.
  std::pair<size_t, size_t> part() const { return parts_.front(); }
  // Invocations of the current part so far (its failures, once it has been invoked).
  int attempts() const { return attempts_; }
  // The current part may not be invoked again: retries spent (discard it).
  bool exhausted() const;
  // Records of the batch handled (succeeded or discarded): the checkpoint moves past them.
  size_t finished() const { return done() ? size_ : parts_.front().first; }

  void Succeeded();
  // `first_failed`: index in the batch of the first record the function reported failed
  // (ReportBatchItemFailures), or nullopt when the whole part failed.
  void Failed(std::optional<size_t> first_failed = std::nullopt);
  void Discard();

 private:
  size_t size_;
  int64_t max_retry_attempts_;
  bool bisect_;
  std::deque<std::pair<size_t, size_t>> parts_;
  int attempts_ = 0;
};

}  // namespace cirrus::streams
