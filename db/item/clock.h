#pragma once

#include <cstdint>
#include <string>

namespace cirrus {

// Wall-clock time as the project records it: integers since the Unix epoch.
int64_t NowMicros();
int64_t NowMillis();

// `epoch_ms` in ISO 8601, UTC, with milliseconds: "2024-01-31T08:05:09.120Z", or without the
// zone letter when !zulu ("2024-01-31T08:05:09.120", a stream label's form).
std::string IsoTime(int64_t epoch_ms, bool zulu = true);

}  // namespace cirrus
