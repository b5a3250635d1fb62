#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "db/database.h"
#include "server/http.h"
#include "server/iam_policy.h"
#include "server/ops/operation.h"
#include "server/sigv4.h"
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

  // --auth=sigv4: every API request (DynamoDB, Streams, Lambda paths) must be signed by one
  // of `verifier`'s credentials; the server's HttpServer must fill signed_parts. Null (the
  // default, --auth=none): a signature's shape is checked, not the signature. Thread-safe:
  // a reload replaces the set while requests run.
  // `policies` (by access key id): what a credential with a policy_file may do; a credential
  // without one may do anything.
  struct Auth {
    std::shared_ptr<const SigV4Verifier> verifier;
    std::unordered_map<std::string, Policy> policies;
  };
  void SetAuth(std::shared_ptr<const Auth> auth);

 private:
  // Who signed the request (null with --auth=none), or the refusal of an unsigned or badly
  // signed request.
  Result<const Credential*> Authenticate(const HttpRequest& request, bool lambda,
                                         std::shared_ptr<const Auth>* auth) const;
  // AccessDenied unless `who`'s policy (if any) allows every permission.
  Status Authorize(const Auth& auth, const Credential* who,
                   const std::vector<std::pair<std::string, std::string>>& permissions) const;

  mutable std::mutex auth_mu_;
  std::shared_ptr<const Auth> auth_;  // guarded by auth_mu_
  ServerConfig config_;
  OperationContext ctx_;
  streams::Triggers* triggers_;
};

// Checks that an Authorization header has SigV4's shape (signatures are not verified yet).
// MissingAuthenticationToken, IncompleteSignature otherwise.
Status CheckAuthorization(const HttpRequest& request);

}  // namespace cirrus::server
