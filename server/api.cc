#include "server/api.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "server/backups.h"
#include "server/capacity.h"
#include "server/http_server.h"
#include "server/lambda_api.h"
#include "server/ops/transaction_conflicts.h"
#include "server/ops/transaction_tokens.h"
#include "server/wire/errors.h"
#include "server/wire/json.h"
#include "server/wire/json_writer.h"

namespace cirrus::server {
namespace {

constexpr std::string_view kDynamoDbPrefix = "DynamoDB_20120810.";
constexpr std::string_view kStreamsPrefix = "DynamoDBStreams_20120810.";
constexpr std::string_view kAmzJson = "application/x-amz-json-1.0";
constexpr std::string_view kJson = "application/json";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The media type without parameters ("; charset=utf-8"), lower case.
std::string MediaType(std::string_view content_type) {
  std::string out(Trim(content_type.substr(0, content_type.find(';'))));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

HttpResponse ErrorResponse(const Status& status, std::string content_type,
                           std::string_view extra_members = {}) {
  HttpResponse r;
  r.status = static_cast<unsigned>(wire::ShapeOf(status.kind()).http_status);
  r.body = wire::ErrorBody(status, extra_members);
  if (!r.body.empty()) r.content_type = std::move(content_type);
  return r;
}

// DynamoDB answers browsers (CORS): every answer to a request from an allowed Origin says that
// origin ("*" when any is) may read it. Only such requests pay for this wrapper.
class CorsReply : public Reply {
 public:
  CorsReply(std::shared_ptr<Reply> inner, std::string allowed)
      : inner_(std::move(inner)), allowed_(std::move(allowed)) {}
  void Send(HttpResponse r) override {
    r.headers += "Access-Control-Allow-Origin: " + allowed_ +
                 "\r\nAccess-Control-Expose-Headers: "
                 "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date\r\n";
    if (allowed_ != "*") r.headers += "Vary: Origin\r\n";
    inner_->Send(std::move(r));
  }

 private:
  std::shared_ptr<Reply> inner_;
  std::string allowed_;
};

// What Access-Control-Allow-Origin says to `origin`: "*", the origin itself, or nothing (the
// browser then withholds the answer from the page, and a preflight is refused).
std::string AllowedOrigin(const std::vector<std::string>& allowed, std::string_view origin) {
  for (const std::string& a : allowed) {
    if (a == "*") return "*";
    if (a == origin) return a;
  }
  return "";
}

// DescribeEndpoints: this server, as the client addressed it (its Host header), for SDKs with
// endpoint discovery. Here rather than in ops/, which never see the HTTP request.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeEndpoints.html
HttpResponse DescribeEndpoints(const HttpRequest& request, std::string_view content_type) {
  HttpResponse r;
  r.content_type = content_type;
  wire::JsonWriter w(&r.body);
  w.BeginObject();
  w.Key("Endpoints");
  w.BeginArray();
  w.BeginObject();
  w.Key("Address");
  w.String(request.host.empty() ? std::string_view("localhost") : request.host);
  w.Key("CachePeriodInMinutes");
  w.Int(1440);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return r;
}

// A credential whose account the server has not opened: a reload that could not open it
// keeps the old credentials, so this is a race with a reload at most.
Status UnopenedAccount() {
  return Status(ErrorKind::kUnrecognizedClient, "The security token included in the request is invalid.");
}

// A table named by its ARN (TableName, RequestItems' keys, TransactItems, SourceTableArn)
// must be one of this region and account: ResourceNotFound otherwise, checked here once
// rather than in each operation (which take the name after ":table/").
Status CheckTableArns(const wire::JsonValue& body, const ServerConfig& config) {
  const std::string prefix = "arn:aws:dynamodb:" + config.region + ":" + config.account_id + ":table/";
  auto check = [&](std::string_view name) -> Status {
    if (name.substr(0, 4) != "arn:" || (name.substr(0, prefix.size()) == prefix && name.size() > prefix.size())) {
      return Status();
    }
    return Status(ErrorKind::kResourceNotFound, "Requested resource not found: Table: " + std::string(name) + " not found");
  };
  auto member = [&](const wire::JsonValue& v, std::string_view key) -> Status {
    std::optional<wire::JsonValue> m = v.Find(key);
    return m && m->is(wire::JsonValue::Type::kString) ? check(m->string()) : Status();
  };
  CIRRUS_RETURN_IF_ERROR(member(body, "TableName"));
  CIRRUS_RETURN_IF_ERROR(member(body, "SourceTableArn"));
  if (std::optional<wire::JsonValue> items = body.Find("RequestItems")) {
    for (const auto& [name, value] : items->members()) CIRRUS_RETURN_IF_ERROR(check(name));
  }
  if (std::optional<wire::JsonValue> items = body.Find("TransactItems")) {
    for (const wire::JsonValue& item : items->elements()) {
      for (const auto& [kind, action] : item.members()) CIRRUS_RETURN_IF_ERROR(member(action, "TableName"));
    }
  }
  return Status();
}

// --enforce-capacity: the tables a request reads or writes must have capacity left
// (server/capacity.h). Which side an operation uses, by its name.
Status AdmitCapacity(CapacityLimiter& limiter, std::string_view operation, const wire::JsonValue& body) {
  static constexpr std::string_view kReads[] = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"};
  static constexpr std::string_view kWrites[] = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                                 "TransactWriteItems"};
  const bool read = std::find(std::begin(kReads), std::end(kReads), operation) != std::end(kReads);
  if (!read && std::find(std::begin(kWrites), std::end(kWrites), operation) == std::end(kWrites)) return Status();
  auto admit = [&](std::string_view name) {
    if (size_t at = name.find(":table/"); name.substr(0, 4) == "arn:" && at != std::string_view::npos) {
      name = name.substr(at + 7);
    }
    return limiter.Admit(name, read);
  };
  if (std::optional<wire::JsonValue> t = body.Find("TableName"); t && t->is(wire::JsonValue::Type::kString)) {
    CIRRUS_RETURN_IF_ERROR(admit(t->string()));
  }
  if (std::optional<wire::JsonValue> items = body.Find("RequestItems")) {
    for (const auto& [name, value] : items->members()) CIRRUS_RETURN_IF_ERROR(admit(name));
  }
  if (std::optional<wire::JsonValue> items = body.Find("TransactItems")) {
    for (const wire::JsonValue& item : items->elements()) {
      for (const auto& [kind, action] : item.members()) {
        std::optional<wire::JsonValue> t = action.Find("TableName");
        if (t && t->is(wire::JsonValue::Type::kString)) CIRRUS_RETURN_IF_ERROR(admit(t->string()));
      }
    }
  }
  return Status();
}

// "ConditionalCheckFailedException": the error type without its namespace, for metrics.
std::string_view ErrorTypeName(ErrorKind kind) {
  std::string_view type = wire::ShapeOf(kind).type;
  return type.substr(type.find('#') + 1);
}

HttpResponse UnknownOperationPage() {
  HttpResponse r;
  r.status = 404;
  r.content_type = "application/xml";
  r.body = "<UnknownOperationException/>\n";
  return r;
}

}  // namespace

Status CheckAuthorization(const HttpRequest& request) {
  return ReadSignatureParts(request.authorization, request.query, request.amz_date).status();
}

Api::Api(Accounts* accounts, ServerConfig config) : accounts_(accounts), config_(std::move(config)) {}

Account* Api::AccountOf(const Credential* who) const {
  return who ? accounts_->Find(who->account_id) : &accounts_->server_account();
}

void Api::SetAuth(std::shared_ptr<const Auth> auth) {
  std::lock_guard lock(auth_mu_);
  auth_ = std::move(auth);
}

Result<const Credential*> Api::Authenticate(const HttpRequest& request, bool lambda,
                                            std::shared_ptr<const Auth>* auth) const {
  {
    std::lock_guard lock(auth_mu_);
    *auth = auth_;
  }
  // --auth=none: the DynamoDB protocol's header shape only; Lambda paths as before, unchecked.
  if (!*auth) {
    if (lambda) return static_cast<const Credential*>(nullptr);
    CIRRUS_RETURN_IF_ERROR(CheckAuthorization(request));
    return static_cast<const Credential*>(nullptr);
  }
  SignedRequest signed_request{request.method, request.path, request.query, request.headers,
                               *request.body, request.body_sha256};
  // DynamoDB and DynamoDB Streams sign as "dynamodb", the Lambda paths as "lambda".
  return (*auth)->verifier->Verify(signed_request, std::chrono::system_clock::now(),
                                   lambda ? "lambda" : "dynamodb");
}

Status Api::Authorize(const Auth& auth, const Credential* who,
                      const std::vector<std::pair<std::string, std::string>>& permissions) const {
  if (!who) return Status();
  auto it = auth.policies.find(who->access_key_id);
  if (it == auth.policies.end()) return Status();
  for (const auto& [action, resource] : permissions) {
    Policy::Decision d = it->second.Evaluate(action, resource);
    if (d != Policy::Decision::kAllow) {
      return AccessDenied("arn:aws:iam::" + who->account_id + ":user/" + who->profile, action, resource,
                          d == Policy::Decision::kExplicitDeny);
    }
  }
  return Status();
}

void Api::Handle(const HttpRequest& request, std::shared_ptr<Reply> reply) {
  // The Lambda paths are never served to browsers (lambda_api.h), so they come first.
  if (IsLambdaPath(request.path)) {
    std::shared_ptr<const Auth> auth;
    Result<const Credential*> who = Authenticate(request, true, &auth);
    if (!who.ok()) return reply->Send(LambdaErrorResponse(who.status()));
    Account* account = AccountOf(*who);
    if (!account) return reply->Send(LambdaErrorResponse(UnopenedAccount()));
    if (auth) {
      Status allowed = Authorize(*auth, *who, {LambdaPermission(request.method, request.path, account->config)});
      if (!allowed.ok()) return reply->Send(LambdaErrorResponse(allowed));
    }
    return HandleLambda(*account->triggers, request, std::move(reply));
  }
  std::string allowed_origin;
  if (!request.origin.empty()) {
    allowed_origin = AllowedOrigin(config_.cors_origins, request.origin);
    if (!allowed_origin.empty()) reply = std::make_shared<CorsReply>(std::move(reply), allowed_origin);
  }
  if (request.method == "OPTIONS") {  // CORS preflight
    if (!request.origin.empty() && allowed_origin.empty()) {
      HttpResponse r;
      r.status = 403;
      r.api_headers = false;
      return reply->Send(std::move(r));
    }
    HttpResponse r;
    r.api_headers = false;
    r.headers = "Access-Control-Allow-Methods: " +
                std::string(request.access_control_request_method.empty()
                                ? "POST"
                                : request.access_control_request_method) +
                "\r\nAccess-Control-Max-Age: 172800\r\n";
    if (!request.access_control_request_headers.empty()) {
      r.headers += "Access-Control-Allow-Headers: " +
                   std::string(request.access_control_request_headers) + "\r\n";
    }
    return reply->Send(std::move(r));
  }
  if (request.method == "GET" && request.path == "/") {
    HttpResponse r;
    r.api_headers = false;
    r.content_type = "text/plain";
    // DynamoDB names itself as the client addressed it: "healthy: dynamodb.<region>.amazonaws.com ".
    r.body = "healthy: " +
             (request.host.empty() ? "dynamodb." + config_.region + ".amazonaws.com"
                                   : std::string(request.host)) +
             " ";
    return reply->Send(std::move(r));
  }
  if (request.method == "GET" && request.path == "/metrics" && config_.metrics) {
    // Prometheus' scrape. It names every account's tables and functions, so with --auth=sigv4
    // only a request signed by a key of the server's own account (the operator's) gets it.
    bool verifying;
    {
      std::lock_guard lock(auth_mu_);
      verifying = auth_ != nullptr;
    }
    std::shared_ptr<const Auth> auth;
    Result<const Credential*> who = Authenticate(request, false, &auth);
    if (verifying && !who.ok()) return reply->Send(ErrorResponse(who.status(), std::string(kAmzJson)));
    if (verifying && (*who)->account_id != accounts_->server_account().id) {
      return reply->Send(ErrorResponse(
          AccessDenied("arn:aws:iam::" + (*who)->account_id + ":user/" + (*who)->profile, "cirrus:GetMetrics", "*", false),
          std::string(kAmzJson)));
    }
    HttpResponse r;
    r.api_headers = false;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_->Render(*accounts_);
    return reply->Send(std::move(r));
  }
  if (request.method == "GET" && request.path == "/cirrus/stats") {
    // Not DynamoDB's: what the group commit of the server's account did since start, so that
    // a benchmark can tell how many writes each fsync carried (benchmarks/load reads it
    // around a run). With --auth=sigv4 only a signed request gets it.
    bool verifying;
    {
      std::lock_guard lock(auth_mu_);
      verifying = auth_ != nullptr;
    }
    std::shared_ptr<const Auth> auth;
    if (Result<const Credential*> who = Authenticate(request, false, &auth); verifying && !who.ok()) {
      return reply->Send(ErrorResponse(who.status(), std::string(kAmzJson)));
    }
    db::Database::WriterStats w = accounts_->server_account().db->writer_stats();
    HttpResponse r;
    r.api_headers = false;
    r.content_type = "application/json";
    r.body = "{\"WriterCommits\":" + std::to_string(w.commits) +
             ",\"WriterBatches\":" + std::to_string(w.batches) + "}";
    return reply->Send(std::move(r));
  }
  if (request.method == "POST" && request.path != "/") {
    // The path is signed: DynamoDB serves only "/" (conformance fact P4).
    HttpResponse r;
    r.status = 404;
    r.api_headers = false;
    return reply->Send(std::move(r));
  }
  const std::string media = MediaType(request.content_type);
  if (request.method != "POST" || (media != kAmzJson && media != kJson)) {
    return reply->Send(UnknownOperationPage());
  }
  std::string content_type(media == kJson ? kJson : kAmzJson);

  Operation op = nullptr;
  if (request.amz_target.substr(0, kDynamoDbPrefix.size()) == kDynamoDbPrefix) {
    op = FindOperation(request.amz_target.substr(kDynamoDbPrefix.size()));
  } else if (request.amz_target.substr(0, kStreamsPrefix.size()) == kStreamsPrefix) {
    op = FindStreamsOperation(request.amz_target.substr(kStreamsPrefix.size()));
  }
  const bool endpoints = request.amz_target == "DynamoDB_20120810.DescribeEndpoints";
  if (!op && !endpoints) {
    return reply->Send(ErrorResponse(
        Status(ErrorKind::kUnknownOperation, "An unknown operation was requested."), content_type));
  }

  std::shared_ptr<const Auth> auth;
  Result<const Credential*> who = Authenticate(request, false, &auth);
  if (!who.ok()) return reply->Send(ErrorResponse(who.status(), content_type));

  thread_local wire::JsonParser parser;
  Result<wire::JsonValue> body = parser.Parse(request.body);
  if (!body.ok()) {
    Status error = body.status();
    // A body that is not JSON gets no message, as DynamoDB answers it (conformance fact P1).
    if (error.message().rfind(wire::JsonParser::kNotJson, 0) == 0) {
      error = Status(ErrorKind::kSerialization, "");
    }
    return reply->Send(ErrorResponse(error, content_type));
  }
  Account* account = AccountOf(*who);
  if (!account) return reply->Send(ErrorResponse(UnopenedAccount(), content_type));
  if (Status arns = CheckTableArns(*body, account->config); !arns.ok()) {
    return reply->Send(ErrorResponse(arns, content_type));
  }
  if (auth && *who) {
    std::string_view name = request.amz_target.substr(request.amz_target.find('.') + 1);
    Status allowed = Authorize(*auth, *who, RequestedPermissions(name, *body, account->config));
    if (!allowed.ok()) return reply->Send(ErrorResponse(allowed, content_type));
  }
  if (endpoints) return reply->Send(DescribeEndpoints(request, content_type));
  if (account->ctx.limiter) {
    std::string_view name = request.amz_target.substr(request.amz_target.find('.') + 1);
    if (Status admitted = AdmitCapacity(*account->ctx.limiter, name, *body); !admitted.ok()) {
      if (config_.metrics) {
        metrics_->RecordRequest(account->id, name, "", ErrorTypeName(admitted.kind()), std::chrono::nanoseconds(0));
      }
      return reply->Send(ErrorResponse(admitted, content_type));
    }
  }

  std::string_view operation = request.amz_target.substr(request.amz_target.find('.') + 1);
  std::optional<wire::JsonValue> table_member = body->Find("TableName");
  auto done = [reply, content_type, metrics = config_.metrics ? metrics_ : nullptr, log = access_log_,
               started = std::chrono::steady_clock::now(), db = account->db.get(),
               account_id = account->id, operation = std::string(operation),
               table = table_member && table_member->is(wire::JsonValue::Type::kString)
                           ? std::string(table_member->string())
                           : std::string()](Outcome outcome) {
    const std::string_view error =
        outcome.status.ok() ? std::string_view() : ErrorTypeName(outcome.status.kind());
    const auto latency = std::chrono::steady_clock::now() - started;
    // A failed request's table label only when the table exists: clients must not be able to
    // grow the metrics without bound by naming tables.
    if (metrics) {
      metrics->RecordRequest(account_id, operation, error.empty() || db->FindTable(table) ? table : std::string_view(),
                             error, latency);
    }
    HttpResponse r;
    if (!outcome.status.ok()) {
      if (outcome.status.kind() == ErrorKind::kInternal) {
        std::fprintf(stderr, "cirrusd: internal error: %s\n", outcome.status.message().c_str());
      }
      r = ErrorResponse(outcome.status, content_type, outcome.body);
    } else {
      r.content_type = content_type;
      r.body = std::move(outcome.body);
    }
    if (log) {
      r.request_id = NewRequestId();  // the log's and the answer's x-amzn-RequestId
      log->Write({r.request_id, account_id, operation, table, r.status, error, latency});
    }
    reply->Send(std::move(r));
  };
  try {
    op(account->ctx, *body, std::move(done));
  } catch (const std::exception& e) {
    // Bugs and allocation failures only: operations report errors as values.
    std::fprintf(stderr, "cirrusd: %.*s failed: %s\n", static_cast<int>(request.amz_target.size()),
                 request.amz_target.data(), e.what());
    reply->Send(ErrorResponse(InternalError("Internal server error"), content_type));
  } catch (...) {
    std::fprintf(stderr, "cirrusd: %.*s failed\n", static_cast<int>(request.amz_target.size()),
                 request.amz_target.data());
    reply->Send(ErrorResponse(InternalError("Internal server error"), content_type));
  }
}

}  // namespace cirrus::server
