#pragma once
// cirrus functions: registers Lambda-style functions with a RUNNING cirrusd over HTTP (the
// server's /2015-03-31/ Lambda routes), unlike the other tools, which open a data directory.
//
// Requests and replies (JSON):
//   create  POST   /2015-03-31/functions                  -> 201 FunctionConfiguration
//           {"FunctionName":N,["Timeout":S,]"CirrusHandler":{"Command":C} | {"Url":U}}
//   list    GET    /2015-03-31/functions/                 -> 200 {"Functions":[...]}
//           GET    /2015-03-31/event-source-mappings/     -> 200 {"EventSourceMappings":[...]}
//   delete  DELETE /2015-03-31/functions/NAME             -> 204
// An error is any other status, usually with x-amzn-ErrorType: SomeException and a body
// {"Type":"User","Message":"..."}.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/status.h"

namespace cirrus::tools {

// Where a running cirrusd listens, from http://host[:port][/base-path].
struct Endpoint {
  std::string text;       // as given, without trailing slashes: for messages
  std::string host;       // a name or address (an IPv6 address without its brackets)
  std::string port;       // decimal; "80" when the URL has none
  std::string authority;  // host[:port] as given: the Host header
  std::string base_path;  // "" or "/prefix" without a trailing slash; requests go below it
};

// kValidation naming the problem unless `url` is an http:// URL with a host, an optional port
// (1..65535) and an optional path; https, user information, queries and fragments are refused.
Result<Endpoint> ParseEndpoint(std::string_view url);

// kValidation unless `name` is 1 or more of [a-zA-Z0-9-_] (what the server accepts, less its
// length limit, which it reports itself).
Status ValidateFunctionName(std::string_view name);

// `text` with every byte but RFC 3986's unreserved characters as %XX: a path segment or
// query value.
std::string PercentEncode(std::string_view text);

struct CreateFunctionRequest {
  std::string name;
  std::string command;  // exactly one of command and url is non-empty
  std::string url;
  std::optional<int> timeout_seconds;  // not sent when absent: the server defaults to 3
};

// A registered function, as the server describes it.
struct FunctionConfiguration {
  std::string name;
  std::string arn;
  std::string command;  // one of command and url is set
  std::string url;
  int64_t timeout_seconds = 0;  // 0 when the server sent none
  std::string last_modified;
};

// A mapping from a table's stream to a function, as the server describes it.
struct EventSourceMapping {
  std::string uuid;
  std::string function_arn;
  std::string event_source_arn;  // the stream's ARN
  std::string state;             // "Enabled", "Disabled", "Creating", ...
  std::string last_processing_result;
  int64_t batch_size = 0;
  std::optional<int64_t> iterator_age_ms;  // the lag; absent before the first batch
};

struct FunctionListing {
  std::vector<FunctionConfiguration> functions;
  std::vector<EventSourceMapping> mappings;
};

// The request body of a create (compact JSON).
std::string CreateFunctionBody(const CreateFunctionRequest& request);

// Parsers of the server's replies. kSerialization naming the problem when `body` is not JSON
// or lacks a required member (FunctionName, FunctionArn, CirrusHandler with Command or Url;
// UUID, FunctionArn, EventSourceArn) or has one of the wrong type. Unknown members are ignored.
// `next_marker`, when given, receives NextMarker ("" when absent).
Result<FunctionConfiguration> ParseFunctionConfiguration(std::string body);
Result<std::vector<FunctionConfiguration>> ParseFunctionList(std::string body,
                                                             std::string* next_marker = nullptr);
Result<std::vector<EventSourceMapping>> ParseEventSourceMappingList(
    std::string body, std::string* next_marker = nullptr);

// The line to show for a failed request: the body's "Message" (or "message"), else the
// error type with the status ("ResourceNotFoundException (HTTP 404)"), else "HTTP 404 Not Found".
// `error_type`: the x-amzn-ErrorType header, possibly with a ":<url>" suffix, or "".
std::string ErrorMessage(int status, std::string_view reason, std::string_view error_type,
                         std::string body);

// `cirrus functions list`'s table: each function (name, handler kind and value, timeout), its
// mappings (matched by FunctionArn) indented beneath it; "no functions" when there are none.
// Mappings whose function is not listed come last. Ends with a newline.
std::string FormatFunctionListing(const FunctionListing& listing);

// A lag for people: "850 ms", "4.2 s", "17 min", "3.5 h".
std::string FormatLag(int64_t milliseconds);

// The requests. Each opens one connection per HTTP exchange and gives up when the whole
// operation (all its exchanges) has taken kRequestTimeoutSeconds. On failure the Status message is
// the line to show: "cannot reach the server at <endpoint>: <reason>", the server's message,
// "no response from <endpoint> within 30 s", ... Its kind is kValidation for a bad name
// (nothing sent), else mapped from the error type when the server gave one
// (ResourceNotFoundException: kResourceNotFound, ResourceConflictException: kResourceInUse,
// InvalidParameterValueException or ValidationException: kValidation), else kInternal.
// Host names are resolved by the system resolver, outside the timeout.
inline constexpr int kRequestTimeoutSeconds = 30;

Result<FunctionConfiguration> CreateFunction(const Endpoint& endpoint,
                                             const CreateFunctionRequest& request);
// All functions and all event source mappings (following NextMarker when the server pages).
Result<FunctionListing> ListFunctions(const Endpoint& endpoint);
Status DeleteFunction(const Endpoint& endpoint, std::string_view name);

}  // namespace cirrus::tools
