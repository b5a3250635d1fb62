#include "server/lambda_api.h"

#include <cstdio>
#include <functional>

#include "db/item/clock.h"
#include "server/wire/errors.h"
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

// An error of Lambda's own that ErrorKind has no kind for.
HttpResponse LambdaError(unsigned status, std::string_view type, std::string_view message,
                         std::string_view reason = {}) {
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("Type");
  w.String(status >= 500 ? "Service" : "User");
  w.Key("Message");
  w.String(message);
  if (!reason.empty()) {
    w.Key("Reason");
    w.String(reason);
  }
  w.EndObject();
  HttpResponse r = Json(status, std::move(body));
  r.headers = "x-amzn-ErrorType: " + std::string(type) + "\r\n";
  return r;
}

HttpResponse OwnerOnly() {
  return LambdaError(403, "AccessDeniedException",
                     "Functions are registered by the owner of the data directory (cirrus functions "
                     "create --data-dir DIR); this API does not create, change or delete them");
}

HttpResponse ShuttingDown() {
  return LambdaError(503, "ServiceException", "The server is shutting down");
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
    case ErrorKind::kMissingAuthenticationToken:
    case ErrorKind::kIncompleteSignature:
    case ErrorKind::kInvalidSignature:
    case ErrorKind::kUnrecognizedClient:
    case ErrorKind::kAccessDenied: {  // --auth=sigv4: Lambda's 403 and the same type names
      status = 403;
      std::string_view full = wire::ShapeOf(s.kind()).type;
      type = std::string(full.substr(full.find('#') + 1));
      break;
    }
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

// Reads the members of a CreateEventSourceMapping or UpdateEventSourceMapping request into
// *c; members absent keep their value. kValidation for a member of the wrong type.
Status ReadMappingMembers(const wire::JsonValue& json, streams::MappingConfig* c) {
  if (!json.is(wire::JsonValue::Type::kObject)) return ValidationError("The request must be a JSON object");
  auto str = [&](std::string_view member, std::string* out) -> Status {
    if (auto x = json.Find(member)) {
      if (!x->is(wire::JsonValue::Type::kString)) return ValidationError(std::string(member) + " must be a string");
      *out = std::string(x->string());
    }
    return Status();
  };
  auto integer = [&](std::string_view member, int64_t* out) -> Status {
    if (auto x = json.Find(member)) {
      if (!x->is(wire::JsonValue::Type::kNumber) || !x->is_integer()) {
        return ValidationError(std::string(member) + " must be an integer");
      }
      *out = x->integer();
    }
    return Status();
  };
  auto boolean = [&](std::string_view member, bool* out) -> Status {
    if (auto x = json.Find(member)) {
      if (!x->is(wire::JsonValue::Type::kBool)) return ValidationError(std::string(member) + " must be a boolean");
      *out = x->boolean();
    }
    return Status();
  };
  CIRRUS_RETURN_IF_ERROR(str("UUID", &c->uuid));
  CIRRUS_RETURN_IF_ERROR(str("FunctionName", &c->function_name));
  CIRRUS_RETURN_IF_ERROR(str("EventSourceArn", &c->event_source_arn));
  CIRRUS_RETURN_IF_ERROR(str("StartingPosition", &c->starting_position));
  CIRRUS_RETURN_IF_ERROR(integer("BatchSize", &c->batch_size));
  CIRRUS_RETURN_IF_ERROR(integer("MaximumBatchingWindowInSeconds", &c->maximum_batching_window_seconds));
  CIRRUS_RETURN_IF_ERROR(integer("MaximumRetryAttempts", &c->maximum_retry_attempts));
  CIRRUS_RETURN_IF_ERROR(integer("MaximumRecordAgeInSeconds", &c->maximum_record_age_seconds));
  CIRRUS_RETURN_IF_ERROR(integer("ParallelizationFactor", &c->parallelization_factor));
  CIRRUS_RETURN_IF_ERROR(boolean("BisectBatchOnFunctionError", &c->bisect_batch_on_function_error));
  CIRRUS_RETURN_IF_ERROR(boolean("Enabled", &c->enabled));
  CIRRUS_RETURN_IF_ERROR(integer("LastModifiedMs", &c->last_modified_ms));
  if (auto d = json.Find("DestinationConfig")) {
    c->on_failure_destination.clear();
    if (auto f = d->Find("OnFailure")) {
      if (auto dest = f->Find("Destination")) {
        if (!dest->is(wire::JsonValue::Type::kString)) return ValidationError("Destination must be a string");
        c->on_failure_destination = std::string(dest->string());
      }
    }
  }
  if (auto f = json.Find("FilterCriteria")) {
    c->filter_patterns.clear();
    if (auto filters = f->Find("Filters")) {
      for (const wire::JsonValue& filter : filters->elements()) {
        auto pattern = filter.Find("Pattern");
        if (!pattern || !pattern->is(wire::JsonValue::Type::kString)) {
          return ValidationError("Each filter must have a Pattern string");
        }
        c->filter_patterns.emplace_back(pattern->string());
      }
    }
  }
  if (auto types = json.Find("FunctionResponseTypes")) {
    c->report_batch_item_failures = false;
    for (const wire::JsonValue& t : types->elements()) {
      if (!t.is(wire::JsonValue::Type::kString) || t.string() != "ReportBatchItemFailures") {
        return ValidationError("FunctionResponseTypes may only contain ReportBatchItemFailures");
      }
      c->report_batch_item_failures = true;
    }
  }
  return Status();
}

// Lambda's FunctionConfiguration.
void WriteFunction(const streams::Triggers& t, const streams::FunctionConfig& f, wire::JsonWriter& w) {
  // What a command runs, the URL it calls and its environment are the owner's business: the
  // API, which any client of the port can call, names the kind of handler only.
  w.BeginObject();
  w.Key("FunctionName");
  w.String(f.name);
  w.Key("FunctionArn");
  w.String(t.FunctionArn(f.name));
  w.Key("Runtime");
  w.String("provided");
  w.Key("Handler");
  w.String(f.command.empty() ? "cirrus:url" : "cirrus:command");
  w.Key("Timeout");
  w.Int(f.timeout_seconds);
  w.Key("MemorySize");
  w.Int(128);
  w.Key("PackageType");
  w.String("Zip");
  w.Key("LastModified");
  w.String(IsoTime(f.last_modified_ms));
  w.Key("Version");
  w.String("$LATEST");
  w.Key("State");
  w.String("Active");
  w.EndObject();
}

// Lambda's EventSourceMappingConfiguration.
void WriteMapping(const streams::Triggers& t, const streams::MappingStatus& s, wire::JsonWriter& w) {
  const streams::MappingConfig& c = s.config;
  w.BeginObject();
  w.Key("UUID");
  w.String(c.uuid);
  w.Key("StartingPosition");
  w.String(c.starting_position);
  w.Key("BatchSize");
  w.Int(c.batch_size);
  w.Key("MaximumBatchingWindowInSeconds");
  w.Int(c.maximum_batching_window_seconds);
  w.Key("ParallelizationFactor");
  w.Int(c.parallelization_factor);
  w.Key("EventSourceArn");
  w.String(c.event_source_arn);
  if (!c.filter_patterns.empty()) {
    w.Key("FilterCriteria");
    w.BeginObject();
    w.Key("Filters");
    w.BeginArray();
    for (const std::string& p : c.filter_patterns) {
      w.BeginObject();
      w.Key("Pattern");
      w.String(p);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.Key("FunctionArn");
  w.String(t.FunctionArn(c.function_name));
  w.Key("LastModified");
  w.Double(static_cast<double>(c.last_modified_ms) / 1000.0);
  w.Key("LastProcessingResult");
  w.String(s.last_processing_result);
  w.Key("State");
  w.String(s.state);
  w.Key("StateTransitionReason");
  w.String("User action");
  w.Key("IteratorAgeMilliseconds");  // ours: the mapping's lag
  w.Int(s.iterator_age_ms);
  w.Key("DestinationConfig");
  w.BeginObject();
  if (!c.on_failure_destination.empty()) {
    w.Key("OnFailure");
    w.BeginObject();
    w.Key("Destination");
    w.String(c.on_failure_destination);
    w.EndObject();
  }
  w.EndObject();
  w.Key("MaximumRecordAgeInSeconds");
  w.Int(c.maximum_record_age_seconds);
  w.Key("BisectBatchOnFunctionError");
  w.Bool(c.bisect_batch_on_function_error);
  w.Key("MaximumRetryAttempts");
  w.Int(c.maximum_retry_attempts);
  w.Key("FunctionResponseTypes");
  w.BeginArray();
  if (c.report_batch_item_failures) w.String("ReportBatchItemFailures");
  w.EndArray();
  w.EndObject();
}

HttpResponse MappingResponse(streams::Triggers& t, unsigned status, const streams::MappingStatus& m) {
  std::string body;
  wire::JsonWriter w(&body);
  WriteMapping(t, m, w);
  return Json(status, std::move(body));
}

HttpResponse Mappings(streams::Triggers& t, const HttpRequest& request, std::string_view rest) {
  if (rest.empty()) {
    if (request.method == "POST") {
      Result<wire::JsonValue> body = Body(request);
      if (!body.ok()) return Error(body.status());
      streams::MappingConfig c;
      Status s = ReadMappingMembers(*body, &c);
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
        WriteMapping(t, m, w);
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
      return ReadMappingMembers(json, &c);
    });
    return m.ok() ? MappingResponse(t, 202, *m) : Error(m.status());
  }
  return Error(ValidationError("Unsupported method"));
}

HttpResponse InvokeResponse(const streams::InvokeResult& r) {
  if (r.outcome == streams::InvokeResult::Outcome::kCancelled) return ShuttingDown();
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
      Result<std::vector<streams::FunctionConfig>> functions = t.ListFunctions();
      if (!functions.ok()) return Error(functions.status());
      for (const streams::FunctionConfig& f : *functions) WriteFunction(t, f, w);
      w.EndArray();
      w.EndObject();
      return Json(200, std::move(body));
    }
    if (request.method == "POST") return OwnerOnly();  // CreateFunction
    return Error(ValidationError("Unsupported method"));
  }
  std::string_view name = rest;
  constexpr std::string_view kInvocations = "/invocations";
  if (name.size() > kInvocations.size() && name.substr(name.size() - kInvocations.size()) == kInvocations) {
    // Invocations are served by HandleLambda, on the invocation pool (streams/invocation_pool.h).
    return Error(ValidationError("Unsupported method"));
  }
  std::string decoded = PercentDecode(name);
  if (request.method == "GET" && decoded.find('/') == std::string::npos) {
    Result<streams::FunctionConfig> f = t.GetFunction(decoded);
    if (!f.ok()) return Error(f.status());
    std::string body;
    wire::JsonWriter w(&body);
    w.BeginObject();
    w.Key("Configuration");
    WriteFunction(t, *f, w);
    w.EndObject();
    return Json(200, std::move(body));
  }
  // DeleteFunction, UpdateFunctionCode and -Configuration (PUT .../code, .../configuration),
  // and the rest of the function's sub-resources: the owner's.
  if (request.method != "GET") return OwnerOnly();
  return Error(ValidationError("Unsupported method"));
}

HttpResponse Route(streams::Triggers& triggers, const HttpRequest& request);

// Media types a Lambda API call may carry: JSON as the SDKs send it, and the raw bytes the AWS
// SDK for JavaScript v3 sends with Invoke (application/octet-stream). A request without one is
// fine too (boto3 and the AWS CLI send Invoke bare). Any other type, and above all the three a
// browser sends cross-origin without asking first (text/plain, form-urlencoded, multipart),
// is refused: no web page can drive this API.
bool AcceptedMediaType(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.pop_back();
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.erase(0, 1);
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media.empty() || media == "application/json" || media == "application/x-amz-json-1.0" ||
         media == "application/x-amz-json-1.1" || media == "application/octet-stream" ||
         media == "binary/octet-stream";
}

void Invoke(streams::Triggers& triggers, const HttpRequest& request, std::string_view name,
            std::shared_ptr<Reply> reply) {
  Result<streams::FunctionConfig> f = triggers.GetFunction(PercentDecode(name));
  if (!f.ok()) return reply->Send(Error(f.status()));
  if (request.body->size() > streams::kMaxPayloadBytes) {
    return reply->Send(LambdaError(413, "RequestTooLargeException",
                                   "Request must be smaller than 6291456 bytes for the InvokeFunction operation"));
  }
  std::string type = request.invocation_type.empty() ? "RequestResponse" : std::string(request.invocation_type);
  if (type == "DryRun") {
    HttpResponse r;
    r.status = 204;
    return reply->Send(std::move(r));
  }
  if (type != "RequestResponse" && type != "Event") {
    return reply->Send(Error(ValidationError("1 validation error detected: Value '" + type +
                                             "' at 'invocationType' failed to satisfy constraint: Member must "
                                             "satisfy enum value set: [Event, RequestResponse, DryRun]")));
  }
  const bool event = type == "Event";
  std::function<void(streams::InvokeResult)> done;
  if (event) {
    done = [name = f->name](streams::InvokeResult r) {
      if (r.outcome != streams::InvokeResult::Outcome::kSuccess) {
        std::fprintf(stderr, "cirrusd: asynchronous invocation of %s failed: %s\n", name.c_str(), r.error.c_str());
      }
    };
  } else {
    done = [reply](streams::InvokeResult r) { reply->Send(InvokeResponse(r)); };
  }
  switch (triggers.pool().Submit(triggers.HandlerOf(*f), *request.body, std::move(done))) {
    case streams::InvocationPool::Admission::kQueued:
      if (event) {
        HttpResponse r;
        r.status = 202;
        reply->Send(std::move(r));
      }
      return;
    case streams::InvocationPool::Admission::kBusy: {
      HttpResponse r = LambdaError(429, "TooManyRequestsException", "Rate Exceeded.",
                                   "ConcurrentInvocationLimitExceeded");
      r.headers += "Retry-After: 1\r\n";
      return reply->Send(std::move(r));
    }
    case streams::InvocationPool::Admission::kShuttingDown:
      return reply->Send(ShuttingDown());
  }
}

}  // namespace

bool IsLambdaPath(std::string_view path) { return path.substr(0, kRoot.size()) == kRoot; }

void HandleLambda(streams::Triggers& triggers, const HttpRequest& request, std::shared_ptr<Reply> reply) {
  // Browsers: a cross-origin request always carries Origin (and a preflight is an OPTIONS).
  if (!request.origin.empty() || request.method == "OPTIONS") {
    return reply->Send(LambdaError(403, "AccessDeniedException",
                                   "The Lambda API does not serve browsers (cross-origin requests are refused)"));
  }
  if (!AcceptedMediaType(request.content_type)) {
    return reply->Send(LambdaError(415, "UnsupportedMediaTypeException",
                                   "The content type " + std::string(request.content_type) +
                                       " is not supported: send JSON"));
  }
  constexpr std::string_view kInvocations = "/invocations";
  std::string_view p = request.path;
  if (request.method == "POST" && p.substr(0, kFunctions.size() + 1) == std::string(kFunctions) + "/" &&
      p.size() > kFunctions.size() + 1 + kInvocations.size() && p.substr(p.size() - kInvocations.size()) == kInvocations) {
    return Invoke(triggers, request,
                  p.substr(kFunctions.size() + 1, p.size() - kFunctions.size() - 1 - kInvocations.size()),
                  std::move(reply));
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

HttpResponse LambdaErrorResponse(const Status& status) { return Error(status); }

}  // namespace cirrus::server
