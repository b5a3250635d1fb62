#include "tools/progress.h"

#include <cstdio>

namespace cirrus::tools {

Progress::Progress(std::string verb, bool enabled)
    : verb_(std::move(verb)), enabled_(enabled), start_(std::chrono::steady_clock::now()), last_(start_) {}

void Progress::Update(uint64_t items, uint64_t done, uint64_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  double seconds = std::chrono::duration<double>(now - start_).count();
  double rate = seconds > 0 ? static_cast<double>(items) / seconds : 0;
  std::fprintf(stderr, "\r%s %12llu items %10.0f items/s", verb_.c_str(),
               static_cast<unsigned long long>(items), rate);
  if (total > 0 && done <= total && done > 0) {
    double share = static_cast<double>(done) / static_cast<double>(total);
    double eta = seconds / share - seconds;
    std::fprintf(stderr, "  %5.1f%%  ETA %5.0f s", 100 * share, eta);
  }
  std::fprintf(stderr, "\033[K");
  std::fflush(stderr);
}

void Progress::Finish() {
  if (enabled_ && drawn_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace cirrus::tools
