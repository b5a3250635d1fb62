#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/item/status.h"
#include "server/ops/operation.h"
#include "server/wire/json.h"

// IAM-shaped permissions for --auth=sigv4: a credential's policy_file is an IAM policy
// document in IAM's own JSON
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html):
// Version, Statement (one or a list) of Effect Allow|Deny, Action or NotAction, Resource or
// NotResource, each a string or a list, with * and ? wildcards (actions case-insensitive).
// Evaluation as IAM's for one identity-based policy: an explicit Deny wins, then an Allow,
// else the request is denied.
namespace cirrus::server {

class Policy {
 public:
  // Parses a policy document. kValidation naming what is wrong.
  static Result<Policy> Parse(std::string_view json);
  static Result<Policy> Load(const std::string& path);

  enum class Decision { kAllow, kImplicitDeny, kExplicitDeny };
  // What the policy says of `action` ("dynamodb:GetItem") on `resource` (an ARN).
  Decision Evaluate(std::string_view action, std::string_view resource) const;

 private:
  struct Statement {
    bool allow = true;
    std::vector<std::string> actions;  // lower case
    bool not_action = false;
    std::vector<std::string> resources;
    bool not_resource = false;
  };
  std::vector<Statement> statements_;
};

// What a DynamoDB or DynamoDB Streams request does, as IAM names it: (action, resource ARN)
// pairs, one per table a batch or transaction touches, the index for an index read,
// PartiQL's PartiQLSelect/Insert/Update/Delete per statement, "*" where no table is named.
// `operation` is X-Amz-Target's suffix ("PutItem"); `prefix` "dynamodb".
std::vector<std::pair<std::string, std::string>> RequestedPermissions(std::string_view operation,
                                                                      const wire::JsonValue& request,
                                                                      const ServerConfig& config);

// The Lambda API call a Lambda path stands for and its resource as Lambda's IAM names them
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html):
// ("lambda:InvokeFunction", "arn:aws:lambda:REGION:ACCOUNT:function:NAME"); a mapping's
// "arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID"; "*" for the list and create
// calls.
std::pair<std::string, std::string> LambdaPermission(std::string_view method, std::string_view path,
                                                     const ServerConfig& config);

// IAM's refusal: AccessDeniedException, "User: <user arn> is not authorized to perform:
// <action> on resource: <arn> because no identity-based policy allows the <action> action".
Status AccessDenied(std::string_view user_arn, std::string_view action, std::string_view resource,
                    bool explicit_deny);

}  // namespace cirrus::server
