#pragma once
// What export and import share: opening a data directory (declared in transfer.h), whole
// files, timing, random names, one JSON document at a time.
#include <chrono>
#include <string>
#include <string_view>

#include "db/item/status.h"
#include "server/wire/json.h"

namespace cirrus::tools {

double SecondsSince(std::chrono::steady_clock::time_point start);
// `n` characters drawn from `alphabet` (not for secrets: names of export folders and files).
std::string RandomName(size_t n, const char* alphabet, size_t alphabet_size);
Status WriteWholeFile(const std::string& path, std::string_view content);
Result<std::string> ReadWholeFile(const std::string& path);
// Parses one JSON document (a line); the parser's values live until its next Parse.
Result<wire::JsonValue> ParseJson(wire::JsonParser& parser, std::string_view text,
                                  std::string* buffer);

}  // namespace cirrus::tools
