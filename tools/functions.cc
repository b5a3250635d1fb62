#include "tools/functions.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <utility>

#include "server/wire/json.h"
#include "server/wire/json_writer.h"

namespace cirrus::tools {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using wire::JsonParser;
using wire::JsonValue;

namespace {

constexpr std::string_view kApiPrefix = "/2015-03-31";
constexpr size_t kMaxReplyBytes = 16 * 1024 * 1024;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// ---------------------------------------------------------------------------------------------
// Reading replies

Status Malformed(std::string message) {
  return Status(ErrorKind::kSerialization, std::move(message));
}

// Parses `body` (padding it in place) with `parser`; the values live until its next Parse.
Result<JsonValue> ParseObject(JsonParser& parser, std::string& body, std::string_view what) {
  body.reserve(body.size() + JsonParser::kPadding);
  Result<JsonValue> root = parser.Parse(&body);
  if (!root.ok()) return Malformed(std::string(what) + " is not valid JSON");
  if (!root->is(JsonValue::Type::kObject)) {
    return Malformed(std::string(what) + " is not an object");
  }
  return root;
}

// *out = the string member `key` of `object`; "" when absent or null, unless `required`.
Status GetString(const JsonValue& object, std::string_view key, bool required,
                 std::string_view what, std::string* out) {
  std::optional<JsonValue> v = object.Find(key);
  if (!v) {
    if (required) return Malformed(std::string(what) + " has no " + std::string(key));
    out->clear();
    return Status();
  }
  if (!v->is(JsonValue::Type::kString)) {
    return Malformed(std::string(what) + "'s " + std::string(key) + " is not a string");
  }
  *out = std::string(v->string());
  return Status();
}

// The number member `key` of `object`, truncated to an integer; nullopt when absent or null.
Result<std::optional<int64_t>> GetInteger(const JsonValue& object, std::string_view key,
                                          std::string_view what) {
  std::optional<JsonValue> v = object.Find(key);
  if (!v) return std::optional<int64_t>();
  if (!v->is(JsonValue::Type::kNumber)) {
    return Malformed(std::string(what) + "'s " + std::string(key) + " is not a number");
  }
  if (v->is_integer()) return std::optional<int64_t>(v->integer());
  double d = v->number();
  if (!(d > -9.2e18 && d < 9.2e18)) {
    return Malformed(std::string(what) + "'s " + std::string(key) + " is out of range");
  }
  return std::optional<int64_t>(static_cast<int64_t>(d));
}

Result<FunctionConfiguration> ReadFunction(const JsonValue& v) {
  constexpr std::string_view what = "FunctionConfiguration";
  if (!v.is(JsonValue::Type::kObject)) return Malformed("a FunctionConfiguration is not an object");
  FunctionConfiguration f;
  CIRRUS_RETURN_IF_ERROR(GetString(v, "FunctionName", true, what, &f.name));
  CIRRUS_RETURN_IF_ERROR(GetString(v, "FunctionArn", true, what, &f.arn));
  CIRRUS_RETURN_IF_ERROR(GetString(v, "LastModified", false, what, &f.last_modified));
  CIRRUS_ASSIGN_OR_RETURN(std::optional<int64_t> timeout, GetInteger(v, "Timeout", what));
  f.timeout_seconds = timeout.value_or(0);
  std::optional<JsonValue> handler = v.Find("CirrusHandler");
  if (!handler) return Malformed("FunctionConfiguration of " + f.name + " has no CirrusHandler");
  if (!handler->is(JsonValue::Type::kObject)) {
    return Malformed("CirrusHandler of " + f.name + " is not an object");
  }
  CIRRUS_RETURN_IF_ERROR(GetString(*handler, "Command", false, "CirrusHandler", &f.command));
  CIRRUS_RETURN_IF_ERROR(GetString(*handler, "Url", false, "CirrusHandler", &f.url));
  if (f.command.empty() == f.url.empty()) {
    return Malformed("CirrusHandler of " + f.name + " needs exactly one of Command and Url");
  }
  return f;
}

Result<EventSourceMapping> ReadMapping(const JsonValue& v) {
  constexpr std::string_view what = "EventSourceMapping";
  if (!v.is(JsonValue::Type::kObject)) return Malformed("an EventSourceMapping is not an object");
  EventSourceMapping m;
  CIRRUS_RETURN_IF_ERROR(GetString(v, "UUID", true, what, &m.uuid));
  CIRRUS_RETURN_IF_ERROR(GetString(v, "FunctionArn", true, what, &m.function_arn));
  CIRRUS_RETURN_IF_ERROR(GetString(v, "EventSourceArn", true, what, &m.event_source_arn));
  CIRRUS_RETURN_IF_ERROR(GetString(v, "State", false, what, &m.state));
  CIRRUS_RETURN_IF_ERROR(
      GetString(v, "LastProcessingResult", false, what, &m.last_processing_result));
  CIRRUS_ASSIGN_OR_RETURN(std::optional<int64_t> batch_size, GetInteger(v, "BatchSize", what));
  m.batch_size = batch_size.value_or(0);
  CIRRUS_ASSIGN_OR_RETURN(m.iterator_age_ms, GetInteger(v, "IteratorAgeMilliseconds", what));
  return m;
}

// The array member `key` of a list reply, each element read by `read`.
template <typename T, typename ReadFn>
Result<std::vector<T>> ReadList(std::string body, std::string_view key, ReadFn read,
                                std::string* next_marker) {
  JsonParser parser;
  CIRRUS_ASSIGN_OR_RETURN(JsonValue root, ParseObject(parser, body, "the reply"));
  std::optional<JsonValue> list = root.Find(key);
  if (!list) return Malformed("the reply has no " + std::string(key));
  if (!list->is(JsonValue::Type::kArray)) {
    return Malformed("the reply's " + std::string(key) + " is not an array");
  }
  std::vector<T> out;
  for (const JsonValue& element : list->elements()) {
    CIRRUS_ASSIGN_OR_RETURN(T value, read(element));
    out.push_back(std::move(value));
  }
  if (next_marker) {
    CIRRUS_RETURN_IF_ERROR(GetString(root, "NextMarker", false, "the reply", next_marker));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Formatting

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

Row MappingRow(const EventSourceMapping& m) {
  return {Cell(m.uuid), Cell(m.event_source_arn), m.state.empty() ? "-" : Cell(m.state),
          m.last_processing_result.empty() ? "-" : Cell(m.last_processing_result),
          m.iterator_age_ms ? FormatLag(*m.iterator_age_ms) : "-"};
}

// Whether mapping `m` invokes function `f` (its FunctionArn may carry a qualifier, ":$LATEST").
bool Invokes(const EventSourceMapping& m, const FunctionConfiguration& f) {
  return m.function_arn == f.arn ||
         (m.function_arn.size() > f.arn.size() && m.function_arn.starts_with(f.arn) &&
          m.function_arn[f.arn.size()] == ':');
}

// ---------------------------------------------------------------------------------------------
// HTTP

struct Reply {
  int status = 0;
  std::string reason;
  std::string error_type;  // x-amzn-ErrorType
  std::string body;
};

Status Failure(std::string message) { return Status(ErrorKind::kInternal, std::move(message)); }

// The Status of a non-2xx reply, its kind from the error type.
Status ReplyError(Reply reply) {
  std::string_view type = reply.error_type;
  type = type.substr(0, type.find(':'));
  ErrorKind kind = ErrorKind::kInternal;
  if (type == "ResourceNotFoundException") kind = ErrorKind::kResourceNotFound;
  if (type == "ResourceConflictException") kind = ErrorKind::kResourceInUse;
  if (type == "InvalidParameterValueException" || type == "ValidationException") {
    kind = ErrorKind::kValidation;
  }
  return Status(kind,
                ErrorMessage(reply.status, reply.reason, reply.error_type, std::move(reply.body)));
}

// Runs the operation just started on `ioc` to completion.
void RunPending(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

// One HTTP/1.1 exchange on a new connection, all of it before `deadline`. Fails only when no
// complete reply arrived; any status is a Reply.
Result<Reply> Exchange(const Endpoint& endpoint, http::verb verb, const std::string& target,
                       std::string body, Clock::time_point deadline) {
  std::string timed_out = "no response from " + endpoint.text + " within " +
                          std::to_string(kRequestTimeoutSeconds) + " s";
  std::string unreachable = "cannot reach the server at " + endpoint.text + ": ";

  // Beast's timeouts apply to asynchronous operations only: we start one at a time on a
  // private io_context and run it, so the code reads as synchronous.
  net::io_context ioc(1);
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  tcp::resolver::results_type addresses = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (ec) return Failure(unreachable + "cannot resolve " + endpoint.host + ": " + ec.message());
  if (Clock::now() >= deadline) return Failure(timed_out);

  beast::tcp_stream stream(ioc);
  stream.expires_at(deadline);
  stream.async_connect(addresses, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  RunPending(ioc);
  if (ec == beast::error::timeout) {
    return Failure(unreachable + "no connection within " +
                   std::to_string(kRequestTimeoutSeconds) + " s");
  }
  if (ec) return Failure(unreachable + ec.message());

  http::request<http::string_body> request{verb, endpoint.base_path + target, 11};
  request.set(http::field::host, endpoint.authority);
  request.set(http::field::user_agent, "cirrus");
  request.set(http::field::accept, "application/json");
  if (verb == http::verb::post) request.set(http::field::content_type, "application/json");
  request.keep_alive(false);
  request.body() = std::move(body);
  request.prepare_payload();
  stream.expires_at(deadline);
  http::async_write(stream, request, [&](beast::error_code e, size_t) { ec = e; });
  RunPending(ioc);
  if (ec == beast::error::timeout) return Failure(timed_out);
  if (ec) return Failure("sending to " + endpoint.text + ": " + ec.message());

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  stream.expires_at(deadline);
  http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  RunPending(ioc);
  if (ec == beast::error::timeout) return Failure(timed_out);
  if (ec == http::error::end_of_stream) {
    return Failure(endpoint.text + " closed the connection without a response");
  }
  if (ec) return Failure("reading from " + endpoint.text + ": " + ec.message());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  http::response<http::string_body> response = parser.release();
  Reply reply;
  reply.status = static_cast<int>(response.result_int());
  reply.reason = std::string(response.reason());
  if (auto type = response.find("x-amzn-ErrorType"); type != response.end()) {
    reply.error_type = std::string(type->value());
  }
  reply.body = std::move(response.body());
  return reply;
}

bool Succeeded(const Reply& reply) { return reply.status >= 200 && reply.status < 300; }

// Runs `operation` and turns an escaping exception (std::bad_alloc, in practice; Asio and
// Beast report by value here) into a Status.
template <typename Fn>
auto Guarded(Fn operation) -> decltype(operation()) {
  try {
    return operation();
  } catch (const std::exception& e) {
    return Failure(std::string("internal error: ") + e.what());
  }
}

}  // namespace

Result<Endpoint> ParseEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  std::string scheme(url.substr(0, kScheme.size()));
  for (char& c : scheme) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (scheme != kScheme) {
    if (url.find("://") != std::string_view::npos) {
      return ValidationError("only http:// endpoints are supported, not '" + std::string(url) +
                             "'");
    }
    return ValidationError("endpoint '" + std::string(url) + "' is not an http:// URL");
  }
  if (std::any_of(url.begin(), url.end(), [](char c) { return IsControl(c) || c == ' '; })) {
    return ValidationError("endpoint URL contains whitespace or control characters");
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    return ValidationError("endpoint URL may not have a query or fragment");
  }
  Endpoint e;
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = std::min(rest.find('/'), rest.size());
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = rest.substr(slash);
  while (path.ends_with('/')) path.remove_suffix(1);
  if (authority.find('@') != std::string_view::npos) {
    return ValidationError("endpoint URL may not have user information");
  }
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {  // IPv6 literal: [::1]:8000
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return ValidationError("endpoint URL has an unclosed '['");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return ValidationError("unexpected characters after the host in the endpoint URL");
    }
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
  }
  if (host.empty()) return ValidationError("endpoint URL has no host");
  e.port = "80";
  if (has_port) {
    bool digits =
        !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), IsDigit);
    unsigned long n = digits ? std::stoul(std::string(port)) : 0;
    if (n == 0 || n > 65535) {
      return ValidationError("invalid port '" + std::string(port) + "' in the endpoint URL");
    }
    e.port = std::to_string(n);
  }
  e.host = std::string(host);
  e.authority = std::string(authority);
  e.base_path = std::string(path);
  e.text = std::string(url.substr(0, kScheme.size() + slash)) + e.base_path;
  return e;
}

Status ValidateFunctionName(std::string_view name) {
  if (name.empty()) return ValidationError("the function name is empty");
  if (!std::all_of(name.begin(), name.end(),
                   [](char c) { return IsAlnum(c) || c == '-' || c == '_'; })) {
    return ValidationError("invalid function name '" + Cell(name) +
                           "': use letters, digits, '-' and '_' only");
  }
  return Status();
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsAlnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      unsigned char b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

std::string CreateFunctionBody(const CreateFunctionRequest& request) {
  std::string body;
  wire::JsonWriter json(&body);
  json.BeginObject();
  json.Key("FunctionName");
  json.String(request.name);
  if (request.timeout_seconds) {
    json.Key("Timeout");
    json.Int(*request.timeout_seconds);
  }
  json.Key("CirrusHandler");
  json.BeginObject();
  if (!request.command.empty()) {
    json.Key("Command");
    json.String(request.command);
  } else {
    json.Key("Url");
    json.String(request.url);
  }
  json.EndObject();
  json.EndObject();
  return body;
}

Result<FunctionConfiguration> ParseFunctionConfiguration(std::string body) {
  JsonParser parser;
  CIRRUS_ASSIGN_OR_RETURN(JsonValue root, ParseObject(parser, body, "the reply"));
  return ReadFunction(root);
}

Result<std::vector<FunctionConfiguration>> ParseFunctionList(std::string body,
                                                             std::string* next_marker) {
  return ReadList<FunctionConfiguration>(std::move(body), "Functions", ReadFunction, next_marker);
}

Result<std::vector<EventSourceMapping>> ParseEventSourceMappingList(std::string body,
                                                                    std::string* next_marker) {
  return ReadList<EventSourceMapping>(std::move(body), "EventSourceMappings", ReadMapping,
                                      next_marker);
}

std::string ErrorMessage(int status, std::string_view reason, std::string_view error_type,
                         std::string body) {
  if (!body.empty()) {
    JsonParser parser;
    Result<JsonValue> root = ParseObject(parser, body, "the error");
    if (root.ok()) {
      for (std::string_view key : {"Message", "message"}) {
        std::optional<JsonValue> message = root->Find(key);
        if (message && message->is(JsonValue::Type::kString) && !message->string().empty()) {
          return Cell(message->string());
        }
      }
    }
  }
  error_type = error_type.substr(0, error_type.find(':'));
  std::string code = "HTTP " + std::to_string(status);
  if (!error_type.empty()) return Cell(error_type) + " (" + code + ")";
  return reason.empty() ? code : code + " " + Cell(reason);
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
  const std::vector<FunctionConfiguration>& functions = listing.functions;
  const std::vector<EventSourceMapping>& mappings = listing.mappings;
  std::vector<Row> function_rows = {{"FUNCTION", "HANDLER", "", "TIMEOUT"}};
  for (const FunctionConfiguration& f : functions) {
    bool command = !f.command.empty();
    function_rows.push_back(
        {Cell(f.name), command ? "command" : "url", Cell(command ? f.command : f.url),
         f.timeout_seconds > 0 ? std::to_string(f.timeout_seconds) + " s" : "-"});
  }
  std::vector<Row> mapping_rows = {{"MAPPING", "STREAM", "STATE", "LAST RESULT", "LAG"}};
  for (const EventSourceMapping& m : mappings) mapping_rows.push_back(MappingRow(m));
  // Each kind of row is aligned with its own header; [0] is the header.
  std::vector<std::string> function_lines = LayOut(function_rows, "");
  std::vector<std::string> mapping_lines = LayOut(mapping_rows, "  ");

  std::string out;
  if (functions.empty()) {
    out = "no functions\n";
  } else {
    out = function_lines[0];
  }
  if (!mappings.empty()) out += mapping_lines[0];
  std::vector<bool> shown(mappings.size(), false);
  for (size_t i = 0; i < functions.size(); ++i) {
    out += function_lines[i + 1];
    for (size_t j = 0; j < mappings.size(); ++j) {
      if (!shown[j] && Invokes(mappings[j], functions[i])) {
        out += mapping_lines[j + 1];
        shown[j] = true;
      }
    }
  }
  // Mappings of functions not listed (deleted ones, say), grouped by FunctionArn.
  for (size_t j = 0; j < mappings.size(); ++j) {
    if (shown[j]) continue;
    out += Cell(mappings[j].function_arn) + " (function not listed)\n";
    for (size_t k = j; k < mappings.size(); ++k) {
      if (!shown[k] && mappings[k].function_arn == mappings[j].function_arn) {
        out += mapping_lines[k + 1];
        shown[k] = true;
      }
    }
  }
  return out;
}

Result<FunctionConfiguration> CreateFunction(const Endpoint& endpoint,
                                             const CreateFunctionRequest& request) {
  CIRRUS_RETURN_IF_ERROR(ValidateFunctionName(request.name));
  return Guarded([&]() -> Result<FunctionConfiguration> {
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(kRequestTimeoutSeconds);
    CIRRUS_ASSIGN_OR_RETURN(
        Reply reply, Exchange(endpoint, http::verb::post, std::string(kApiPrefix) + "/functions",
                              CreateFunctionBody(request), deadline));
    if (!Succeeded(reply)) return ReplyError(std::move(reply));
    Result<FunctionConfiguration> created = ParseFunctionConfiguration(std::move(reply.body));
    if (!created.ok()) {
      return Failure(
          "the server answered HTTP " + std::to_string(reply.status) +
          " but its reply is not a FunctionConfiguration: " + created.status().message());
    }
    return created;
  });
}

Result<FunctionListing> ListFunctions(const Endpoint& endpoint) {
  return Guarded([&]() -> Result<FunctionListing> {
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(kRequestTimeoutSeconds);
    FunctionListing listing;
    // Pages until NextMarker is absent. Each page is a separate exchange under one deadline.
    auto fetch = [&](std::string_view collection, auto parse, auto* out) -> Status {
      std::string marker;
      do {
        std::string target = std::string(kApiPrefix) + "/" + std::string(collection) + "/";
        if (!marker.empty()) target += "?Marker=" + PercentEncode(marker);
        CIRRUS_ASSIGN_OR_RETURN(Reply reply,
                                Exchange(endpoint, http::verb::get, target, "", deadline));
        if (!Succeeded(reply)) return ReplyError(std::move(reply));
        std::string previous = std::move(marker);
        auto page = parse(std::move(reply.body), &marker);
        if (!page.ok()) {
          return Failure("unexpected reply to GET " + target + ": " + page.status().message());
        }
        if (!marker.empty() && marker == previous) {
          return Failure("the server repeated NextMarker '" + Cell(marker) + "' for " + target);
        }
        for (auto& value : *page) out->push_back(std::move(value));
      } while (!marker.empty());
      return Status();
    };
    CIRRUS_RETURN_IF_ERROR(fetch("functions", ParseFunctionList, &listing.functions));
    CIRRUS_RETURN_IF_ERROR(
        fetch("event-source-mappings", ParseEventSourceMappingList, &listing.mappings));
    return listing;
  });
}

Status DeleteFunction(const Endpoint& endpoint, std::string_view name) {
  CIRRUS_RETURN_IF_ERROR(ValidateFunctionName(name));
  return Guarded([&]() -> Status {
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(kRequestTimeoutSeconds);
    std::string target = std::string(kApiPrefix) + "/functions/" + PercentEncode(name);
    CIRRUS_ASSIGN_OR_RETURN(Reply reply,
                            Exchange(endpoint, http::verb::delete_, target, "", deadline));
    if (!Succeeded(reply)) return ReplyError(std::move(reply));
    return Status();
  });
}

}  // namespace cirrus::tools
