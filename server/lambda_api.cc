#include "server/lambda_api.h"

#include <thread>

#include "server/wire/json.h"
#include "server/wire/json_writer.h"

namespace cirrus::server {
namespace {

constexpr std::string_view kRoot = "/2015-03-31/";
constexpr std::string_view kMappings = "/2015-03-31/event-source-mappings";
constexpr std::string_view kFunctions = "/2015-03-31/functions";

HttpResponse Json(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse Error(const Status& s) {
  unsigned status = 500;
  std::string type = "ServiceException";
  switch (s.kind()) {
    case ErrorKind::kValidation:
    case ErrorKind::kSerialization:
      status = 400;
      type = "InvalidParameterValueException";
      break;
    case ErrorKind::kResourceNotFound:
      status = 404;
      type = "ResourceNotFoundException";
      break;
    case ErrorKind::kResourceInUse:
      status = 409;
      type = "ResourceConflictException";
      break;
    default:
      break;
  }
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("Type");
  w.String(status == 500 ? "Service" : "User");
  w.Key("Message");
  w.String(s.message());
  w.EndObject();
  HttpResponse r = Json(status, std::move(body));
  r.headers = "x-amzn-ErrorType: " + type + "\r\n";
  return r;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = part.find('=');
    if (part.substr(0, eq) == name) return PercentDecode(eq == std::string_view::npos ? "" : part.substr(eq + 1));
  }
  return std::nullopt;
}

Result<wire::JsonValue> Body(const HttpRequest& request) {
  thread_local wire::JsonParser parser;
  if (request.body->empty()) *request.body = "{}";
  request.body->reserve(request.body->size() + wire::JsonParser::kPadding);
  Result<wire::JsonValue> v = parser.Parse(request.body);
  if (!v.ok()) return ValidationError("The request body is not valid JSON");
  if (!v->is(wire::JsonValue::Type::kObject)) return ValidationError("The request body must be a JSON object");
  return v;
}

HttpResponse MappingResponse(streams::Triggers& t, unsigned status, const streams::MappingStatus& m) {
  std::string body;
  wire::JsonWriter w(&body);
  t.WriteMapping(m, w);
  return Json(status, std::move(body));
}

HttpResponse Mappings(streams::Triggers& t, const HttpRequest& request, std::string_view rest) {
  if (rest.empty()) {
    if (request.method == "POST") {
      Result<wire::JsonValue> body = Body(request);
      if (!body.ok()) return Error(body.status());
      streams::MappingConfig c;
      Status s = streams::ReadMappingMembers(*body, &c);
      if (!s.ok()) return Error(s);
      if (body->Find("UUID")) return Error(ValidationError("UUID cannot be specified"));
      Result<streams::MappingStatus> m = t.CreateMapping(std::move(c));
      return m.ok() ? MappingResponse(t, 202, *m) : Error(m.status());
    }
    if (request.method == "GET") {
      std::optional<std::string> function = QueryParam(request.query, "FunctionName");
      std::optional<std::string> source = QueryParam(request.query, "EventSourceArn");
      std::optional<std::string> marker = QueryParam(request.query, "Marker");
      std::optional<std::string> max_items = QueryParam(request.query, "MaxItems");
      size_t max = 100;
      if (max_items) {
        char* end = nullptr;
        long v = std::strtol(max_items->c_str(), &end, 10);
        if (*end || v < 1 || v > 10000) return Error(ValidationError("MaxItems must be between 1 and 10000"));
        max = static_cast<size_t>(v);
      }
      std::string function_name;
      if (function) {
        Result<streams::FunctionConfig> f = t.GetFunction(*function);
        function_name = f.ok() ? f->name : *function;
      }
      std::string body;
      wire::JsonWriter w(&body);
      w.BeginObject();
      w.Key("EventSourceMappings");
      w.BeginArray();
      size_t n = 0;
      std::string last;
      bool more = false;
      for (const streams::MappingStatus& m : t.ListMappings()) {
        if (function && m.config.function_name != function_name) continue;
        if (source && m.config.event_source_arn != *source) continue;
        if (marker && m.config.uuid <= *marker) continue;
        if (n == max) {
          more = true;
          break;
        }
        t.WriteMapping(m, w);
        last = m.config.uuid;
        ++n;
      }
      w.EndArray();
      if (more) {
        w.Key("NextMarker");
        w.String(last);
      }
      w.EndObject();
      return Json(200, std::move(body));
    }
    return Error(ValidationError("Unsupported method"));
  }
  std::string uuid(rest);
  if (request.method == "GET") {
    Result<streams::MappingStatus> m = t.GetMapping(uuid);
    return m.ok() ? MappingResponse(t, 200, *m) : Error(m.status());
  }
  if (request.method == "DELETE") {
    Result<streams::MappingStatus> m = t.DeleteMapping(uuid);
    return m.ok() ? MappingResponse(t, 202, *m) : Error(m.status());
  }
  if (request.method == "PUT") {
    Result<wire::JsonValue> body = Body(request);
    if (!body.ok()) return Error(body.status());
    for (std::string_view fixed : {"EventSourceArn", "StartingPosition", "UUID"}) {
      if (body->Find(fixed)) return Error(ValidationError(std::string(fixed) + " cannot be updated"));
    }
    wire::JsonValue json = *body;
    Result<streams::MappingStatus> m = t.UpdateMapping(uuid, [&](streams::MappingConfig& c) {
      return streams::ReadMappingMembers(json, &c);
    });
    return m.ok() ? MappingResponse(t, 202, *m) : Error(m.status());
  }
  return Error(ValidationError("Unsupported method"));
}

HttpResponse InvokeResponse(const streams::InvokeResult& r) {
  HttpResponse response = Json(200, r.payload);
  response.headers = "X-Amz-Executed-Version: $LATEST\r\n";
  if (r.outcome != streams::InvokeResult::Outcome::kSuccess) {
    response.headers += "X-Amz-Function-Error: Unhandled\r\n";
    std::string body;
    wire::JsonWriter w(&body);
    w.BeginObject();
    w.Key("errorMessage");
    w.String(r.error);
    w.Key("errorType");
    w.String(r.outcome == streams::InvokeResult::Outcome::kTimeout ? "Timeout" : "FunctionError");
    w.EndObject();
    response.body = std::move(body);
  }
  return response;
}

HttpResponse Functions(streams::Triggers& t, const HttpRequest& request, std::string_view rest) {
  if (rest.empty()) {
    if (request.method == "GET") {
      std::string body;
      wire::JsonWriter w(&body);
      w.BeginObject();
      w.Key("Functions");
      w.BeginArray();
      for (const streams::FunctionConfig& f : t.ListFunctions()) t.WriteFunction(f, w);
      w.EndArray();
      w.EndObject();
      return Json(200, std::move(body));
    }
    if (request.method == "POST") {
      Result<wire::JsonValue> body = Body(request);
      if (!body.ok()) return Error(body.status());
      streams::FunctionConfig f;
      auto name = body->Find("FunctionName");
      if (!name || !name->is(wire::JsonValue::Type::kString)) {
        return Error(ValidationError("FunctionName is required"));
      }
      f.name = std::string(name->string());
      if (auto timeout = body->Find("Timeout")) {
        if (!timeout->is_integer()) return Error(ValidationError("Timeout must be an integer"));
        f.timeout_seconds = static_cast<int>(std::clamp<int64_t>(timeout->integer(), -1, 100000));
      }
      auto handler = body->Find("CirrusHandler");
      if (!handler) {
        return Error(ValidationError(
            "CirrusHandler with a Command or a Url is required: CirrusDB runs functions as local "
            "commands or HTTP endpoints (cirrus functions create NAME --command CMD | --url URL)"));
      }
      if (auto c = handler->Find("Command"); c && c->is(wire::JsonValue::Type::kString)) f.command = std::string(c->string());
      if (auto u = handler->Find("Url"); u && u->is(wire::JsonValue::Type::kString)) f.url = std::string(u->string());
      Result<streams::FunctionConfig> created = t.CreateFunction(std::move(f));
      if (!created.ok()) return Error(created.status());
      std::string out;
      wire::JsonWriter w(&out);
      t.WriteFunction(*created, w);
      return Json(201, std::move(out));
    }
    return Error(ValidationError("Unsupported method"));
  }
  std::string_view name = rest;
  constexpr std::string_view kInvocations = "/invocations";
  if (name.size() > kInvocations.size() && name.substr(name.size() - kInvocations.size()) == kInvocations) {
    // Invocations are served by HandleLambda on a thread of their own.
    return Error(ValidationError("Unsupported method"));
  }
  std::string decoded = PercentDecode(name);
  if (request.method == "GET") {
    Result<streams::FunctionConfig> f = t.GetFunction(decoded);
    if (!f.ok()) return Error(f.status());
    std::string body;
    wire::JsonWriter w(&body);
    w.BeginObject();
    w.Key("Configuration");
    t.WriteFunction(*f, w);
    w.EndObject();
    return Json(200, std::move(body));
  }
  if (request.method == "DELETE") {
    Status s = t.DeleteFunction(decoded);
    if (!s.ok()) return Error(s);
    HttpResponse r;
    r.status = 204;
    return r;
  }
  return Error(ValidationError("Unsupported method"));
}

HttpResponse Route(streams::Triggers& triggers, const HttpRequest& request);

}  // namespace

bool IsLambdaPath(std::string_view path) { return path.substr(0, kRoot.size()) == kRoot; }

void HandleLambda(streams::Triggers& triggers, const HttpRequest& request, std::shared_ptr<Reply> reply) {
  constexpr std::string_view kInvocations = "/invocations";
  std::string_view p = request.path;
  if (request.method == "POST" && p.substr(0, kFunctions.size() + 1) == std::string(kFunctions) + "/" &&
      p.size() > kFunctions.size() + 1 + kInvocations.size() && p.substr(p.size() - kInvocations.size()) == kInvocations) {
    std::string name = PercentDecode(p.substr(kFunctions.size() + 1, p.size() - kFunctions.size() - 1 - kInvocations.size()));
    Result<streams::FunctionConfig> f = triggers.GetFunction(name);
    if (!f.ok()) return reply->Send(Error(f.status()));
    streams::FunctionHandler handler{f->name, f->command, f->url, f->timeout_seconds};
    std::thread([handler = std::move(handler), event = *request.body, reply = std::move(reply)] {
      reply->Send(InvokeResponse(streams::Invoke(handler, event)));
    }).detach();
    return;
  }
  reply->Send(Route(triggers, request));
}

namespace {

HttpResponse Route(streams::Triggers& triggers, const HttpRequest& request) {
  std::string_view path = request.path;
  while (path.size() > kRoot.size() && path.back() == '/') path.remove_suffix(1);
  auto under = [&](std::string_view prefix, std::string_view* rest) {
    if (path.substr(0, prefix.size()) != prefix) return false;
    std::string_view r = path.substr(prefix.size());
    if (!r.empty() && r.front() != '/') return false;
    *rest = r.empty() ? r : r.substr(1);
    return true;
  };
  std::string_view rest;
  try {
    if (under(kMappings, &rest)) return Mappings(triggers, request, rest);
    if (under(kFunctions, &rest)) return Functions(triggers, request, rest);
  } catch (const std::exception& e) {
    return Error(InternalError(e.what()));
  }
  HttpResponse r = Error(Status(ErrorKind::kResourceNotFound, "Unknown Lambda API path: " + std::string(request.path)));
  r.headers = "x-amzn-ErrorType: UnknownOperationException\r\n";
  return r;
}

}  // namespace

}  // namespace cirrus::server
