#include "server/iam_policy.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "db/item/ascii.h"
#include "query/partiql.h"
#include "server/ops/common.h"
#include "server/sigv4.h"
#include "server/wire/errors.h"

namespace cirrus::server {
namespace {


// IAM's wildcards: * any run (also empty), ? one character. Iterative, linear-ish backtracking.
bool WildcardMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// A string or a list of strings; kValidation otherwise.
Result<std::vector<std::string>> Strings(const wire::JsonValue& v, std::string_view member) {
  std::vector<std::string> out;
  if (v.is(wire::JsonValue::Type::kString)) {
    out.emplace_back(v.string());
    return out;
  }
  if (v.is(wire::JsonValue::Type::kArray)) {
    for (const wire::JsonValue& e : v.elements()) {
      if (!e.is(wire::JsonValue::Type::kString)) break;
      out.emplace_back(e.string());
    }
    if (out.size() == v.size() && !out.empty()) return out;
  }
  return ValidationError("policy: " + std::string(member) + " is a string or a list of strings");
}

}  // namespace

Result<Policy> Policy::Parse(std::string_view json) {
  std::string body(json);
  body.reserve(body.size() + wire::JsonParser::kPadding);
  wire::JsonParser parser;
  Result<wire::JsonValue> doc = parser.Parse(&body);
  if (!doc.ok() || !doc->is(wire::JsonValue::Type::kObject)) {
    return ValidationError("policy: not a JSON object");
  }
  std::optional<wire::JsonValue> statements = doc->Find("Statement");
  if (!statements) return ValidationError("policy: no Statement");
  std::vector<wire::JsonValue> list =
      statements->is(wire::JsonValue::Type::kArray) ? statements->elements() : std::vector<wire::JsonValue>{*statements};
  Policy policy;
  for (const wire::JsonValue& s : list) {
    if (!s.is(wire::JsonValue::Type::kObject)) return ValidationError("policy: a Statement is an object");
    Statement st;
    std::optional<wire::JsonValue> effect = s.Find("Effect");
    if (!effect || !effect->is(wire::JsonValue::Type::kString) ||
        (effect->string() != "Allow" && effect->string() != "Deny")) {
      return ValidationError("policy: Effect is Allow or Deny");
    }
    st.allow = effect->string() == "Allow";
    std::optional<wire::JsonValue> action = s.Find("Action"), not_action = s.Find("NotAction");
    if (action.has_value() == not_action.has_value()) {
      return ValidationError("policy: a Statement has Action or NotAction");
    }
    st.not_action = not_action.has_value();
    CIRRUS_ASSIGN_OR_RETURN(st.actions, Strings(action ? *action : *not_action, "Action"));
    for (std::string& a : st.actions) a = AsciiLower(a);
    std::optional<wire::JsonValue> resource = s.Find("Resource"), not_resource = s.Find("NotResource");
    if (resource.has_value() == not_resource.has_value()) {
      return ValidationError("policy: a Statement has Resource or NotResource");
    }
    st.not_resource = not_resource.has_value();
    CIRRUS_ASSIGN_OR_RETURN(st.resources, Strings(resource ? *resource : *not_resource, "Resource"));
    if (s.Find("Condition")) return ValidationError("policy: Condition is not supported");
    if (s.Find("Principal") || s.Find("NotPrincipal")) {
      return ValidationError("policy: an identity-based policy has no Principal");
    }
    policy.statements_.push_back(std::move(st));
  }
  return policy;
}

Result<Policy> Policy::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ValidationError("cannot read the policy file " + path);
  std::stringstream text;
  text << in.rdbuf();
  Result<Policy> p = Parse(text.str());
  if (!p.ok()) return ValidationError(path + ": " + p.status().message());
  return p;
}

Policy::Decision Policy::Evaluate(std::string_view action, std::string_view resource) const {
  const std::string lowered = AsciiLower(action);
  bool allowed = false;
  for (const Statement& st : statements_) {
    bool action_matches = false;
    for (const std::string& a : st.actions) action_matches = action_matches || WildcardMatch(a, lowered);
    if (st.not_action) action_matches = !action_matches;
    bool resource_matches = false;
    for (const std::string& r : st.resources) resource_matches = resource_matches || WildcardMatch(r, resource);
    if (st.not_resource) resource_matches = !resource_matches;
    if (!action_matches || !resource_matches) continue;
    if (!st.allow) return Decision::kExplicitDeny;
    allowed = true;
  }
  return allowed ? Decision::kAllow : Decision::kImplicitDeny;
}

std::vector<std::pair<std::string, std::string>> RequestedPermissions(std::string_view operation,
                                                                      const wire::JsonValue& request,
                                                                      const ServerConfig& config) {
  std::vector<std::pair<std::string, std::string>> out;
  // A TableName may be the table's ARN (api.cc refuses another region's or account's): that ARN
  // is the resource, as given.
  auto table = [&](std::string_view name) {
    return name.substr(0, 4) == "arn:" ? std::string(name) : TableArn(config, name);
  };
  auto add = [&](std::string_view action, std::string resource) {
    out.emplace_back("dynamodb:" + std::string(action), std::move(resource));
  };
  auto string_member = [](const wire::JsonValue& v, std::string_view member) -> std::optional<std::string> {
    std::optional<wire::JsonValue> m = v.Find(member);
    if (!m || !m->is(wire::JsonValue::Type::kString)) return std::nullopt;
    return std::string(m->string());
  };
  if (operation == "BatchGetItem" || operation == "BatchWriteItem") {
    if (std::optional<wire::JsonValue> items = request.Find("RequestItems")) {
      for (const auto& [name, unused] : items->members()) add(operation, table(name));
    }
  } else if (operation == "TransactGetItems" || operation == "TransactWriteItems") {
    if (std::optional<wire::JsonValue> items = request.Find("TransactItems")) {
      for (const wire::JsonValue& item : items->elements()) {
        for (const auto& [kind, action] : item.members()) {
          std::optional<std::string> name = string_member(action, "TableName");
          const std::string iam_action = kind == "Get"      ? "GetItem"
                                         : kind == "Put"    ? "PutItem"
                                         : kind == "Update" ? "UpdateItem"
                                         : kind == "Delete" ? "DeleteItem"
                                                            : "ConditionCheckItem";
          add(iam_action, name ? table(*name) : "*");
        }
      }
    }
  } else if (operation == "ExecuteStatement" || operation == "BatchExecuteStatement" ||
             operation == "ExecuteTransaction") {
    std::vector<std::string> texts;
    if (operation == "ExecuteStatement") {
      if (std::optional<std::string> t = string_member(request, "Statement")) texts.push_back(*t);
    } else {
      std::optional<wire::JsonValue> list =
          request.Find(operation == "ExecuteTransaction" ? "TransactStatements" : "Statements");
      for (const wire::JsonValue& e : list ? list->elements() : std::vector<wire::JsonValue>{}) {
        if (std::optional<std::string> t = string_member(e, "Statement")) texts.push_back(*t);
      }
    }
    for (const std::string& text : texts) {
      Result<std::shared_ptr<const query::PartiqlStatement>> st = query::ParsePartiqlCached(text);
      if (!st.ok()) continue;  // the operation refuses it
      using Kind = query::PartiqlStatement::Kind;
      const Kind kind = (*st)->kind;
      std::string resource = table((*st)->table);
      if ((*st)->index) resource += "/index/" + *(*st)->index;
      add(kind == Kind::kInsert   ? "PartiQLInsert"
          : kind == Kind::kUpdate ? "PartiQLUpdate"
          : kind == Kind::kDelete ? "PartiQLDelete"
                                  : "PartiQLSelect",
          resource);
    }
  } else if (std::optional<std::string> name = string_member(request, "TableName")) {
    std::string resource = table(*name);
    if (std::optional<std::string> index = string_member(request, "IndexName")) resource += "/index/" + *index;
    add(operation, resource);
  } else if (std::optional<std::string> arn = string_member(request, "ResourceArn")) {
    add(operation, *arn);
  } else if (std::optional<std::string> backup = string_member(request, "BackupArn")) {
    add(operation, *backup);
  } else if (std::optional<std::string> stream = string_member(request, "StreamArn")) {
    add(operation, *stream);
  } else if (std::optional<std::string> target = string_member(request, "TargetTableName")) {
    add(operation, table(*target));
  } else {
    add(operation, "*");
  }
  if (out.empty()) add(operation, "*");
  return out;
}

std::pair<std::string, std::string> LambdaPermission(std::string_view method, std::string_view path,
                                                     const ServerConfig& config) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const std::string arn_prefix = "arn:aws:lambda:" + config.region + ":" + config.account_id + ":";
  // "/2015-03-31/<collection>/<name>/...": the collection and the name (none for a list).
  std::string_view rest = path.substr(std::min(path.size(), path.find('/', 1)));
  if (!rest.empty()) rest.remove_prefix(1);
  const std::string_view collection = rest.substr(0, rest.find('/'));
  auto segment_after = [&](std::string_view) -> std::optional<std::string> {
    if (collection.size() == rest.size()) return std::nullopt;
    std::string_view name = rest.substr(collection.size() + 1);
    if (name.empty()) return std::nullopt;
    return PercentDecode(name.substr(0, name.find('/')));
  };
  if (collection == "event-source-mappings") {
    std::optional<std::string> uuid = segment_after("/event-source-mappings");
    if (!uuid) {
      return {method == "POST" ? "lambda:CreateEventSourceMapping" : "lambda:ListEventSourceMappings", "*"};
    }
    std::string resource = arn_prefix + "event-source-mapping:" + *uuid;
    if (method == "PUT") return {"lambda:UpdateEventSourceMapping", resource};
    if (method == "DELETE") return {"lambda:DeleteEventSourceMapping", resource};
    return {"lambda:GetEventSourceMapping", resource};
  }
  std::optional<std::string> name = segment_after("/functions");
  if (!name) return {"lambda:ListFunctions", "*"};
  std::string resource = name->rfind("arn:", 0) == 0 ? *name : arn_prefix + "function:" + *name;
  return {path.ends_with("/invocations") ? "lambda:InvokeFunction" : "lambda:GetFunction", resource};
}

Status AccessDenied(std::string_view user_arn, std::string_view action, std::string_view resource,
                    bool explicit_deny) {
  return Status(ErrorKind::kAccessDenied,
                "User: " + std::string(user_arn) + " is not authorized to perform: " + std::string(action) +
                    " on resource: " + std::string(resource) +
                    (explicit_deny ? " with an explicit deny in an identity-based policy"
                                   : " because no identity-based policy allows the " + std::string(action) +
                                         " action"));
}

}  // namespace cirrus::server
