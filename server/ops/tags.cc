// TagResource, UntagResource and ListTagsOfResource: a table's tags, kept in its catalog
// record (CreateTable's Tags too).
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TagResource.html
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.html (restrictions)
#include <algorithm>
#include <charconv>

#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {

namespace {

constexpr size_t kMaxTags = 50;
constexpr size_t kTagsPerPage = 10;

Status TooManyTags() {
  return ValidationError(
      "One or more parameter values were invalid: The number of tags exceeds the limit of 50");
}

// The table an ARN of this server's region and account names: "arn:aws:dynamodb:REGION:
// ACCOUNT:table/NAME".
Result<std::shared_ptr<const db::Table>> TableOfArn(OperationContext& ctx, std::string_view arn) {
  if (arn.substr(0, 4) != "arn:") {
    return ValidationError("Invalid TableArn: Invalid ResourceArn provided as input " +
                           std::string(arn));
  }
  const std::string prefix = "arn:aws:dynamodb:" + ctx.config->region + ":" +
                             ctx.config->account_id + ":table/";
  std::string_view name;
  if (arn.substr(0, prefix.size()) == prefix) name = arn.substr(prefix.size());
  if (name.empty() || name.find('/') != std::string_view::npos) {
    return ValidationError("Invalid TableArn: Invalid ResourceArn provided as input " +
                           std::string(arn));
  }
  std::shared_ptr<const db::Table> table = ctx.db->FindTable(name);
  if (!table) {
    return Status(ErrorKind::kResourceNotFound,
                  "Requested resource not found: ResourceArn: " + std::string(arn) +
                      " not found");
  }
  return table;
}

std::optional<std::string_view> ReadArn(RequestReader& r) {
  std::optional<std::string_view> arn = r.String("ResourceArn");
  r.Required("ResourceArn", arn.has_value());
  r.Length("ResourceArn", arn, 1, 1283);
  return arn;
}

Result<std::string> Tag(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> arn = ReadArn(r);
  std::vector<std::pair<std::string, std::string>> tags;
  Status tag_rules = ReadTags(r, "Tags", true, &tags);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_RETURN_IF_ERROR(tag_rules);
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, TableOfArn(ctx, *arn));
  CIRRUS_RETURN_IF_ERROR(ctx.db->UpdateTable(table->name(), [&](db::TableDefinition& d) {
    for (auto& [key, value] : tags) {
      auto it = std::find_if(d.tags.begin(), d.tags.end(),
                             [&](const auto& t) { return t.first == key; });
      if (it != d.tags.end()) {
        it->second = value;
      } else {
        d.tags.emplace_back(key, value);
      }
    }
    if (d.tags.size() > kMaxTags) return TooManyTags();
    return Status();
  }).status());
  return std::string();  // no output shape: an empty body
}

Result<std::string> Untag(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> arn = ReadArn(r);
  std::optional<std::vector<std::string>> keys = r.StringList("TagKeys");
  r.Required("TagKeys", keys.has_value());
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  const std::vector<std::string> names = keys.value_or(std::vector<std::string>());
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, TableOfArn(ctx, *arn));
  CIRRUS_RETURN_IF_ERROR(ctx.db->UpdateTable(table->name(), [&](db::TableDefinition& d) {
    std::erase_if(d.tags, [&](const auto& t) {
      return std::find(names.begin(), names.end(), t.first) != names.end();
    });
    return Status();
  }).status());
  return std::string();
}

Result<std::string> List(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> arn = ReadArn(r);
  std::optional<std::string_view> token = r.String("NextToken");
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, TableOfArn(ctx, *arn));
  size_t start = 0;
  if (token) {
    auto [end, ec] = std::from_chars(token->data(), token->data() + token->size(), start);
    if (ec != std::errc() || end != token->data() + token->size()) {
      return ValidationError("Invalid NextToken");
    }
  }
  const auto& tags = table->definition().tags;
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("Tags");
  w.BeginArray();
  size_t i = start;
  for (; i < tags.size() && i < start + kTagsPerPage; ++i) {
    w.BeginObject();
    w.Key("Key");
    w.String(tags[i].first);
    w.Key("Value");
    w.String(tags[i].second);
    w.EndObject();
  }
  w.EndArray();
  if (i < tags.size()) {
    w.Key("NextToken");
    w.String(std::to_string(i));
  }
  w.EndObject();
  return body;
}

}  // namespace

Status ReadTags(RequestReader& r, std::string_view member, bool required,
                std::vector<std::pair<std::string, std::string>>* tags) {
  Status semantic;
  std::optional<std::vector<wire::JsonValue>> list = r.List(member);
  if (required) r.Required(member, list.has_value());
  for (size_t i = 0; list && i < list->size(); ++i) {
    std::optional<RequestReader> e = r.Element(member, i, (*list)[i]);
    if (!e) break;
    std::optional<std::string_view> key = e->String("Key");
    std::optional<std::string_view> value = e->String("Value");
    e->Required("Key", key.has_value());
    e->Length("Key", key, 1, 128);
    e->Required("Value", value.has_value());
    e->Length("Value", value, 0, 256);
    if (key && key->substr(0, 4) == "aws:" && semantic.ok()) {
      semantic = ValidationError("One or more parameter values were invalid: Tag keys starting "
                                 "with 'aws:' are reserved for system use");
    }
    if (key && value) tags->emplace_back(std::string(*key), std::string(*value));
  }
  if (tags->size() > kMaxTags && semantic.ok()) semantic = TooManyTags();
  return semantic;
}

void TagResource(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Tag(ctx, request));
}

void UntagResource(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Untag(ctx, request));
}

void ListTagsOfResource(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(List(ctx, request));
}

}  // namespace cirrus::server
