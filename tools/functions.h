#pragma once
// cirrus functions: the function registry (streams/functions.h) on a data directory. Like the
// other tools it opens the directory itself, beside a running cirrusd or not: registering a
// function is the decision of whoever controls the data directory, never of a network client.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"
#include "streams/functions.h"

namespace cirrus::tools {

// "NAME=VALUE" pairs (--env) as (name, value); kValidation for one without '='.
Result<std::vector<std::pair<std::string, std::string>>> ParseEnvironment(
    const std::vector<std::string>& pairs);

// A mapping from a table's stream to a function, as the data directory records it.
struct MappingLine {
  std::string uuid;
  std::string function_name;
  std::string event_source_arn;
  std::string state;        // "Enabled" or "Disabled"
  std::string last_result;  // the server's LastProcessingResult, "-" before any
  // How old the oldest record not yet delivered is; nullopt when every record was delivered
  // (or the stream is gone).
  std::optional<int64_t> lag_ms;
};

struct FunctionListing {
  std::vector<streams::FunctionConfig> functions;  // by name
  std::vector<MappingLine> mappings;               // by UUID
};

// Functions, mappings, their states and lags, from one snapshot of `db`; lags relative to
// `now_ms` (Unix time).
Result<FunctionListing> LoadListing(db::Database& db, int64_t now_ms);

// `cirrus functions list`'s table: each function (name, handler kind and value, timeout, the
// names of its variables), its mappings beneath it; "no functions" when there are none.
// Mappings whose function is gone come last. Ends with a newline.
std::string FormatFunctionListing(const FunctionListing& listing);

// A lag for people: "850 ms", "4.2 s", "17 min", "3.5 h".
std::string FormatLag(int64_t milliseconds);

}  // namespace cirrus::tools
