#pragma once

#include <memory>

#include "db/database.h"
#include "server/http.h"
#include "server/ops/operation.h"
#include "streams/triggers.h"

namespace cirrus::server {

// The DynamoDB JSON 1.0 protocol over HTTP
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html):
// health and CORS answers, X-Amz-Target routing, the SigV4 header's shape, body parsing,
// error bodies. Thread-safe.
class Api : public RequestHandler {
 public:
  // `triggers` (may be null) serves the Lambda API paths (lambda_api.h).
  Api(db::Database* db, ServerConfig config, streams::Triggers* triggers = nullptr);
  void Handle(const HttpRequest& request, std::shared_ptr<Reply> reply) override;

 private:
  ServerConfig config_;
  OperationContext ctx_;
  streams::Triggers* triggers_;
};

// Checks that an Authorization header has SigV4's shape (signatures are not verified yet).
// MissingAuthenticationToken, IncompleteSignature otherwise.
Status CheckAuthorization(const HttpRequest& request);

}  // namespace cirrus::server
