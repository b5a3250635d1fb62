#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"

namespace cirrus::streams {

// The function registry: what runs when a function is invoked. Functions live in the data
// directory's settings, one record each ("fn/NAME" -> EncodeFunction's JSON), and are
// registered only by whoever controls the data directory (`cirrus functions create`, which
// writes them beside a running server); the server reads them at each use and never writes
// them: no network client can make the server run a command or call a URL of its choosing.

struct FunctionConfig {
  std::string name;
  std::string command;  // exactly one of command and url
  std::string url;
  int timeout_seconds = 3;  // Lambda's default
  // Extra environment variables for the handler, set after Lambda's own (invoker.h).
  std::vector<std::pair<std::string, std::string>> environment;
  int64_t last_modified_ms = 0;
};

// Lambda's limits: names of 1..64 of [a-zA-Z0-9-_]; timeouts of 1..900 s; 4 KB of environment.
inline constexpr size_t kMaxFunctionNameLength = 64;
inline constexpr int kMaxFunctionTimeoutSeconds = 900;
inline constexpr size_t kMaxEnvironmentBytes = 4096;

// kValidation naming the problem: a bad name, not exactly one of command and URL, a URL Invoke
// cannot call, a timeout out of range, a variable name that is not [a-zA-Z][a-zA-Z0-9_]*, or
// more than 4 KB of variables.
Status ValidateFunction(const FunctionConfig& f);

// The stored form (JSON; fields may be added, never renamed: it is on disk).
std::string EncodeFunction(const FunctionConfig& f);
// kInternal when `stored` is not a stored function.
Result<FunctionConfig> DecodeFunction(std::string_view stored);

// The function name in `name_or_arn`: a name, or arn:aws:lambda:...:function:NAME[:qualifier].
std::string FunctionNameOf(std::string_view name_or_arn);

// Registry operations. Register validates, stamps last_modified_ms and writes; kResourceInUse
// when the name is taken. Remove: kResourceNotFound when there is none.
Result<FunctionConfig> RegisterFunction(db::Database& db, FunctionConfig f);
Status RemoveFunction(db::Database& db, std::string_view name);
// nullopt when there is no such function. `name` may be an ARN.
Result<std::optional<FunctionConfig>> FindFunction(db::ReadView& view, std::string_view name);
Result<std::vector<FunctionConfig>> ListFunctions(db::ReadView& view);  // by name

}  // namespace cirrus::streams
