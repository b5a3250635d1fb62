#include "streams/functions.h"

#include <algorithm>
#include <chrono>

#include "server/wire/json.h"
#include "server/wire/json_writer.h"
#include "streams/invoker.h"

namespace cirrus::streams {
namespace {

constexpr std::string_view kFunctionPrefix = "fn/";

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool IsVariableName(std::string_view name) {
  if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
    return false;
  }
  for (char c : name) {
    if (!IsNameChar(c) || c == '-') return false;
  }
  return true;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status ValidateFunction(const FunctionConfig& f) {
  if (f.name.empty() || f.name.size() > kMaxFunctionNameLength ||
      !std::all_of(f.name.begin(), f.name.end(), IsNameChar)) {
    return ValidationError(
        "Function name must be 1 to 64 characters of letters, digits, hyphens and underscores: " +
        f.name);
  }
  if (f.command.empty() == f.url.empty()) {
    return ValidationError("A function needs exactly one of a command and a URL");
  }
  if (!f.url.empty()) CIRRUS_RETURN_IF_ERROR(ValidateUrl(f.url));
  if (f.timeout_seconds < 1 || f.timeout_seconds > kMaxFunctionTimeoutSeconds) {
    return ValidationError("Timeout must be between 1 and 900 seconds");
  }
  size_t bytes = 0;
  for (const auto& [name, value] : f.environment) {
    if (!IsVariableName(name)) {
      return ValidationError("Environment variable names start with a letter and hold only "
                             "letters, digits and underscores: " + name);
    }
    bytes += name.size() + value.size();
  }
  if (bytes > kMaxEnvironmentBytes) {
    return ValidationError("Environment variables exceed Lambda's 4 KB limit");
  }
  return Status();
}

std::string EncodeFunction(const FunctionConfig& f) {
  std::string out;
  wire::JsonWriter w(&out);
  w.BeginObject();
  w.Key("FunctionName");
  w.String(f.name);
  w.Key(f.command.empty() ? "Url" : "Command");
  w.String(f.command.empty() ? f.url : f.command);
  w.Key("Timeout");
  w.Int(f.timeout_seconds);
  if (!f.environment.empty()) {
    w.Key("Environment");
    w.BeginArray();  // an array of pairs: the owner's order is kept
    for (const auto& [name, value] : f.environment) {
      w.BeginArray();
      w.String(name);
      w.String(value);
      w.EndArray();
    }
    w.EndArray();
  }
  w.Key("LastModified");
  w.Int(f.last_modified_ms);
  w.EndObject();
  return out;
}

Result<FunctionConfig> DecodeFunction(std::string_view stored) {
  thread_local wire::JsonParser parser;
  std::string buffer(stored);
  buffer.reserve(buffer.size() + wire::JsonParser::kPadding);
  Result<wire::JsonValue> v = parser.Parse(&buffer);
  auto corrupt = [&] { return InternalError("a stored function is corrupt: " + std::string(stored)); };
  if (!v.ok() || !v->is(wire::JsonValue::Type::kObject)) return corrupt();
  using Type = wire::JsonValue::Type;
  FunctionConfig f;
  auto text = [&](std::string_view key, std::string* out) {
    auto x = v->Find(key);
    if (x && x->is(Type::kString)) *out = std::string(x->string());
  };
  text("FunctionName", &f.name);
  text("Command", &f.command);
  text("Url", &f.url);
  if (auto x = v->Find("Timeout"); x && x->is_integer()) f.timeout_seconds = static_cast<int>(x->integer());
  if (auto x = v->Find("LastModified"); x && x->is_integer()) f.last_modified_ms = x->integer();
  if (auto env = v->Find("Environment")) {
    for (const wire::JsonValue& pair : env->elements()) {
      std::vector<wire::JsonValue> nv = pair.elements();
      if (nv.size() != 2 || !nv[0].is(Type::kString) || !nv[1].is(Type::kString)) return corrupt();
      f.environment.emplace_back(std::string(nv[0].string()), std::string(nv[1].string()));
    }
  }
  if (f.name.empty() || f.command.empty() == f.url.empty()) return corrupt();
  return f;
}

std::string FunctionNameOf(std::string_view name_or_arn) {
  size_t at = name_or_arn.rfind(":function:");
  if (at != std::string_view::npos) name_or_arn = name_or_arn.substr(at + 10);
  size_t colon = name_or_arn.find(':');  // a qualifier
  return std::string(name_or_arn.substr(0, colon));
}

Result<FunctionConfig> RegisterFunction(db::Database& db, FunctionConfig f) {
  CIRRUS_RETURN_IF_ERROR(ValidateFunction(f));
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db.Read());
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> existing,
                            view.GetSetting(std::string(kFunctionPrefix) + f.name));
    if (existing) return Status(ErrorKind::kResourceInUse, "Function already exist: " + f.name);
  }  // no snapshot stays open while the writer is waited on
  f.last_modified_ms = NowMs();
  CIRRUS_RETURN_IF_ERROR(db.WriteSettings({{std::string(kFunctionPrefix) + f.name, EncodeFunction(f)}}));
  return f;
}

Status RemoveFunction(db::Database& db, std::string_view name) {
  std::string key = std::string(kFunctionPrefix) + FunctionNameOf(name);
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db.Read());
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> existing, view.GetSetting(key));
    if (!existing) {
      return Status(ErrorKind::kResourceNotFound, "Function not found: " + FunctionNameOf(name));
    }
  }
  return db.WriteSettings({{key, std::nullopt}});
}

Result<std::optional<FunctionConfig>> FindFunction(db::ReadView& view, std::string_view name) {
  CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          view.GetSetting(std::string(kFunctionPrefix) + FunctionNameOf(name)));
  if (!stored) return std::optional<FunctionConfig>();
  CIRRUS_ASSIGN_OR_RETURN(FunctionConfig f, DecodeFunction(*stored));
  return std::optional<FunctionConfig>(std::move(f));
}

Result<std::vector<FunctionConfig>> ListFunctions(db::ReadView& view) {
  CIRRUS_ASSIGN_OR_RETURN(auto stored, view.ListSettings(kFunctionPrefix));
  std::vector<FunctionConfig> out;
  for (const auto& [key, value] : stored) {
    CIRRUS_ASSIGN_OR_RETURN(FunctionConfig f, DecodeFunction(value));
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace cirrus::streams
