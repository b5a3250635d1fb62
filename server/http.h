#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cirrus::server {

// One HTTP request as the API sees it: the few headers the DynamoDB protocol uses.
struct HttpRequest {
  std::string_view method;  // "POST", "GET", ...
  std::string_view path;    // target without the query string
  std::string_view query;   // after '?', may be empty
  std::string_view content_type;
  std::string_view amz_target;
  std::string_view authorization;
  std::string_view amz_date;  // X-Amz-Date, else Date
  std::string_view origin;
  std::string_view host;  // the Host header: the address the client used
  std::string_view invocation_type;  // X-Amz-Invocation-Type (Lambda Invoke)
  std::string_view access_control_request_headers;
  std::string_view access_control_request_method;
  // The body, with spare capacity for the JSON parser's padding. The handler may modify it.
  std::string* body = nullptr;
  // With HttpServer::Options::signed_parts only (what SigV4 signs): every header as sent, and
  // the hex SHA-256 of the body as sent when a Content-Encoding was undone (else empty).
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body_sha256;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type;  // empty: none
  std::string body;
  // Protocol headers: x-amzn-RequestId and x-amz-crc32 on every API answer.
  bool api_headers = true;
  std::string request_id;  // x-amzn-RequestId; empty: the server makes one
  std::string headers;  // more headers, "Name: value\r\n" each (CORS, Lambda's)
};

// Where the response to one request goes. Send may be called from any thread, once.
class Reply {
 public:
  virtual ~Reply() = default;
  virtual void Send(HttpResponse response) = 0;
};

// The API behind the HTTP server. Handle runs on an I/O thread; it must not block for long
// and must eventually call reply->Send exactly once (possibly from another thread).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual void Handle(const HttpRequest& request, std::shared_ptr<Reply> reply) = 0;
};

}  // namespace cirrus::server
