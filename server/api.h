#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "server/access_log.h"
#include "server/accounts.h"
#include "server/http.h"
#include "server/iam_policy.h"
#include "server/metrics.h"
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
  // Requests are served from `accounts` (which must outlive *this): with --auth=none all from
  // the server's account, with --auth=sigv4 each from its credential's account. `config`:
  // what is the server's rather than an account's (CORS, region). Each account's triggers
  // serve its Lambda API paths (lambda_api.h).
  Api(Accounts* accounts, ServerConfig config);
  void Handle(const HttpRequest& request, std::shared_ptr<Reply> reply) override;

  // --auth=sigv4: every API request (DynamoDB, Streams, Lambda paths) must be signed by one
  // of `verifier`'s credentials; the server's HttpServer must fill signed_parts. Null (the
  // default, --auth=none): a signature's shape is checked, not the signature. Thread-safe:
  // a reload replaces the set while requests run.
  // `policies` (by access key id): what a credential with a policy_file may do; a credential
  // without one may do anything. Every account a credential names must be open in the
  // Accounts (an unknown one is answered as an unknown key).
  struct Auth {
    std::shared_ptr<const SigV4Verifier> verifier;
    std::unordered_map<std::string, Policy> policies;
  };
  void SetAuth(std::shared_ptr<const Auth> auth);
  // --access-log: every API request (DynamoDB and Streams) gets a line. Call before serving.
  void SetAccessLog(std::shared_ptr<AccessLog> log) { access_log_ = std::move(log); }

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
  // The account `who` works in (the server's when null); null when it is not open.
  Account* AccountOf(const Credential* who) const;

  Accounts* const accounts_;
  ServerConfig config_;
  // Shared with the answers in flight, which may complete after the Api is gone.
  std::shared_ptr<Metrics> metrics_ = std::make_shared<Metrics>();
  std::shared_ptr<AccessLog> access_log_;  // null: none
};

// Checks that an Authorization header has SigV4's shape (signatures are not verified yet).
// MissingAuthenticationToken, IncompleteSignature otherwise.
Status CheckAuthorization(const HttpRequest& request);

}  // namespace cirrus::server
