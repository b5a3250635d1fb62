#include "tools/functions.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "streams/records.h"
#include "streams/mappings.h"

namespace cirrus::tools {
namespace {

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// `text` with control characters as spaces (a command may span lines): one table cell.
std::string Cell(std::string_view text) {
  std::string out(text);
  std::replace_if(out.begin(), out.end(), IsControl, ' ');
  return out;
}

// Columns a cell takes in a terminal: its UTF-8 characters (wide characters count as one).
size_t Width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Rows of cells laid out as lines ("\n" included): each column padded to its widest cell,
// columns two spaces apart, every line starting with `indent`.
using Row = std::vector<std::string>;
std::vector<std::string> LayOut(const std::vector<Row>& rows, std::string_view indent) {
  std::vector<size_t> widths;
  for (const Row& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  std::vector<std::string> lines;
  for (const Row& row : rows) {
    std::string line(indent);
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - Width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(std::move(line) + "\n");
  }
  return lines;
}

Row MappingRow(const MappingLine& m) {
  return {Cell(m.uuid), Cell(m.event_source_arn), Cell(m.state), Cell(m.last_result),
          m.lag_ms ? FormatLag(*m.lag_ms) : "-"};
}

std::string HandlerText(const streams::FunctionConfig& f) {
  return f.command.empty() ? f.url : f.command;
}

std::string EnvironmentNames(const streams::FunctionConfig& f) {
  std::string names;
  for (const auto& [name, value] : f.environment) names += (names.empty() ? "" : ",") + name;
  return names.empty() ? "-" : names;
}

// The lag of mapping `m` on `stream`: the age of the first record at or after each shard's
// checkpoint, the largest over the shards.
Result<std::optional<int64_t>> LagOf(db::ReadView& view, const db::StreamDefinition& stream,
                                     std::string_view uuid, int64_t now_ms) {
  std::optional<int64_t> lag;
  for (uint32_t shard = 0; shard < stream.shard_count; ++shard) {
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), "%08x", shard);
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> checkpoint,
                            view.GetSetting(std::string(streams::kCheckpointPrefix) +
                                            std::string(uuid) + "/" + suffix));
    uint64_t position = checkpoint ? std::strtoull(checkpoint->c_str(), nullptr, 10) : 0;
    std::vector<db::StreamRecord> next;
    CIRRUS_RETURN_IF_ERROR(view.ReadStream(stream.stream_id, shard, position, 1, 1, &next));
    if (next.empty()) continue;
    int64_t age = std::max<int64_t>(0, now_ms - next.front().time_us / 1000);
    lag = std::max(lag.value_or(0), age);
  }
  return lag;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> ParseEnvironment(
    const std::vector<std::string>& pairs) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& pair : pairs) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ValidationError("--env takes NAME=VALUE, not '" + pair + "'");
    }
    std::string name = pair.substr(0, eq);
    auto same = std::find_if(out.begin(), out.end(), [&](const auto& v) { return v.first == name; });
    if (same != out.end()) {
      same->second = pair.substr(eq + 1);  // the last one wins, as in a shell
    } else {
      out.emplace_back(std::move(name), pair.substr(eq + 1));
    }
  }
  return out;
}

Result<FunctionListing> LoadListing(db::Database& db, int64_t now_ms) {
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db.Read());
  FunctionListing listing;
  CIRRUS_ASSIGN_OR_RETURN(listing.functions, streams::ListFunctions(view));
  CIRRUS_ASSIGN_OR_RETURN(auto stored, view.ListSettings(streams::kMappingPrefix));
  CIRRUS_ASSIGN_OR_RETURN(std::vector<db::StreamDefinition> streams, view.Streams());
  for (const auto& [key, value] : stored) {
    CIRRUS_ASSIGN_OR_RETURN(streams::MappingConfig c, streams::DecodeMapping(value));
    MappingLine line;
    line.uuid = c.uuid;
    line.function_name = streams::FunctionNameOf(c.function_name);
    line.event_source_arn = c.event_source_arn;
    line.state = c.enabled ? "Enabled" : "Disabled";
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> result,
                            view.GetSetting(std::string(streams::kMappingStatusPrefix) + c.uuid));
    line.last_result = result.value_or("-");
    // The stream, by the table and label its ARN names (the region and account in the ARN are
    // the server's, which this tool does not know).
    if (auto parsed = streams::ParseStreamArn(c.event_source_arn)) {
      for (const db::StreamDefinition& s : streams) {
        if (s.table_name == parsed->first && s.label == parsed->second) {
          CIRRUS_ASSIGN_OR_RETURN(line.lag_ms, LagOf(view, s, c.uuid, now_ms));
        }
      }
    }
    listing.mappings.push_back(std::move(line));
  }
  return listing;
}

std::string FormatLag(int64_t milliseconds) {
  char buf[32];
  double ms = static_cast<double>(milliseconds);
  if (milliseconds < 1000) {
    std::snprintf(buf, sizeof(buf), "%lld ms", static_cast<long long>(milliseconds));
  } else if (milliseconds < 60'000) {
    std::snprintf(buf, sizeof(buf), "%.1f s", ms / 1e3);
  } else if (milliseconds < 3'600'000) {
    std::snprintf(buf, sizeof(buf), "%.0f min", ms / 6e4);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f h", ms / 3.6e6);
  }
  return buf;
}

std::string FormatFunctionListing(const FunctionListing& listing) {
  const std::vector<streams::FunctionConfig>& functions = listing.functions;
  const std::vector<MappingLine>& mappings = listing.mappings;
  std::vector<Row> function_rows = {{"FUNCTION", "HANDLER", "", "TIMEOUT", "ENV"}};
  for (const streams::FunctionConfig& f : functions) {
    function_rows.push_back({Cell(f.name), f.command.empty() ? "url" : "command", Cell(HandlerText(f)),
                             std::to_string(f.timeout_seconds) + " s", Cell(EnvironmentNames(f))});
  }
  std::vector<Row> mapping_rows = {{"MAPPING", "STREAM", "STATE", "LAST RESULT", "LAG"}};
  for (const MappingLine& m : mappings) mapping_rows.push_back(MappingRow(m));
  // Each kind of row is aligned with its own header; [0] is the header.
  std::vector<std::string> function_lines = LayOut(function_rows, "");
  std::vector<std::string> mapping_lines = LayOut(mapping_rows, "  ");

  std::string out = functions.empty() ? "no functions\n" : function_lines[0];
  if (!mappings.empty()) out += mapping_lines[0];
  std::vector<bool> shown(mappings.size(), false);
  for (size_t i = 0; i < functions.size(); ++i) {
    out += function_lines[i + 1];
    for (size_t j = 0; j < mappings.size(); ++j) {
      if (!shown[j] && mappings[j].function_name == functions[i].name) {
        out += mapping_lines[j + 1];
        shown[j] = true;
      }
    }
  }
  // Mappings of functions that are gone, grouped by function.
  for (size_t j = 0; j < mappings.size(); ++j) {
    if (shown[j]) continue;
    out += Cell(mappings[j].function_name) + " (no such function)\n";
    for (size_t k = j; k < mappings.size(); ++k) {
      if (!shown[k] && mappings[k].function_name == mappings[j].function_name) {
        out += mapping_lines[k + 1];
        shown[k] = true;
      }
    }
  }
  return out;
}

}  // namespace cirrus::tools
