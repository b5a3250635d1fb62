#include "streams/delivery.h"

#include <cassert>

namespace cirrus::streams {

Delivery::Delivery(size_t size, int64_t max_retry_attempts, bool bisect)
    : size_(size), max_retry_attempts_(max_retry_attempts), bisect_(bisect) {
  if (size > 0) parts_.emplace_back(0, size);
}

bool Delivery::exhausted() const {
  return max_retry_attempts_ >= 0 && attempts_ > max_retry_attempts_;
}

void Delivery::Succeeded() {
  assert(!done());
  parts_.pop_front();
  attempts_ = 0;
}

void Delivery::Discard() {
  assert(!done());
  parts_.pop_front();
  attempts_ = 0;
}

void Delivery::Failed(std::optional<size_t> first_failed) {
  assert(!done());
  ++attempts_;
  auto& [begin, end] = parts_.front();
  if (first_failed && *first_failed > begin && *first_failed < end) begin = *first_failed;
  if (bisect_ && end - begin > 1) {
    size_t b = begin, e = end, half = begin + (end - begin) / 2;
    parts_.pop_front();
    parts_.emplace_front(half, e);
    parts_.emplace_front(b, half);
    attempts_ = 0;  // a split is not a retry
  }
}

}  // namespace cirrus::streams
