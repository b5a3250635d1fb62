#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace cirrus::tools {

// A one-line progress display on stderr ("\r" redrawn at most 10 times a second): items, items
// per second, and the share done with an ETA when the total is known. Does nothing unless
// enabled (a terminal, no --quiet).
class Progress {
 public:
  Progress(std::string verb, bool enabled);
  // `done` of `total` (any unit; total 0 when unknown) after `items` items.
  void Update(uint64_t items, uint64_t done, uint64_t total);
  void Finish();  // erases the line

 private:
  std::string verb_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

}  // namespace cirrus::tools
