#include "server/ops/expressions.h"

#include <cctype>

#include "query/cache.h"
#include "server/wire/item_json.h"

namespace cirrus::server {

using wire::JsonValue;

namespace {

constexpr size_t kMaxPlaceholderBytes = 255;
constexpr size_t kMaxPlaceholderTotalBytes = 2 * 1024 * 1024;

bool ValidPlaceholder(std::string_view key, char sigil) {
  if (key.size() < 2 || key[0] != sigil) return false;
  for (char c : key.substr(1)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

ExpressionContext::ExpressionContext(RequestReader& r) {
  auto keep_first = [&](Status s) {
    if (status_.ok()) status_ = std::move(s);
  };
  size_t total = 0;
  if (std::optional<JsonValue> names = r.Object("ExpressionAttributeNames")) {
    names_.emplace();
    for (const auto& [key, value] : names->members()) {
      if (value.is(JsonValue::Type::kNull)) continue;
      if (!value.is(JsonValue::Type::kString)) {
        keep_first(wire::TypeMismatch(value, "String"));
        continue;
      }
      if (!ValidPlaceholder(key, '#')) {
        keep_first(ValidationError("ExpressionAttributeNames contains invalid key: Syntax error; key: \"" +
                                   std::string(key) + "\""));
      } else if (key.size() > kMaxPlaceholderBytes) {
        keep_first(ValidationError("ExpressionAttributeNames contains invalid key: The key is too "
                                   "long; key: \"" + std::string(key.substr(0, 32)) + "...\""));
      } else if (value.string().empty()) {
        keep_first(ValidationError(
            "ExpressionAttributeNames contains invalid value: Empty attribute name for key " +
            std::string(key)));
      } else if (Status name = wire::CheckAttributeName(value.string()); !name.ok()) {
        keep_first(std::move(name));  // too long (conformance fact I2)
      }
      total += key.size() + value.string().size();
      names_->emplace(std::string(key), std::string(value.string()));
    }
    if (names_->empty()) keep_first(ValidationError("ExpressionAttributeNames must not be empty"));
  }
  if (std::optional<JsonValue> values = r.Object("ExpressionAttributeValues")) {
    auto owned = std::make_shared<Item>();
    for (const auto& [key, value] : values->members()) {
      if (value.is(JsonValue::Type::kNull)) continue;
      Result<AttributeValue> v = wire::ParseAttributeValue(value);
      if (!v.ok()) {
        if (v.status().kind() == ErrorKind::kSerialization) {
          keep_first(v.status());
        } else {
          keep_first(ValidationError("ExpressionAttributeValues contains invalid value: " +
                                     v.status().message() + " for key " + std::string(key)));
        }
        continue;
      }
      if (!ValidPlaceholder(key, ':')) {
        keep_first(ValidationError("ExpressionAttributeValues contains invalid key: Syntax error; key: \"" +
                                   std::string(key) + "\""));
      } else if (key.size() > kMaxPlaceholderBytes) {
        keep_first(ValidationError("ExpressionAttributeValues contains invalid key: The key is "
                                   "too long; key: \"" + std::string(key.substr(0, 32)) + "...\""));
      }
      total += key.size() + ValueSize(*v);
      owned->emplace(std::string(key), std::move(*v));
    }
    if (owned->empty()) keep_first(ValidationError("ExpressionAttributeValues must not be empty"));
    values_ = std::move(owned);
  }
  if (total > kMaxPlaceholderTotalBytes) {
    keep_first(ValidationError(
        "ExpressionAttributeNames and ExpressionAttributeValues exceed the maximum allowed size "
        "of 2 MB"));
  }
  placeholders_ = query::Placeholders(names_ ? &*names_ : nullptr, values_.get());
}

Status ExpressionContext::CheckUsed(bool any_expression, std::string_view missing) const {
  if (!any_expression) {
    if (names_) {
      return ValidationError("ExpressionAttributeNames can only be specified when using expressions");
    }
    if (values_) {
      return ValidationError("ExpressionAttributeValues can only be specified when using "
                             "expressions: " + std::string(missing));
    }
    return Status();
  }
  return placeholders_.CheckAllUsed();
}

Result<BoundCondition> ParseBoundCondition(std::string_view text, query::ExpressionKind kind,
                                           ExpressionContext& expressions) {
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const query::ParsedCondition> parsed,
                          query::ParseConditionCached(text, kind, expressions.placeholders()));
  CIRRUS_ASSIGN_OR_RETURN(query::Values values, expressions.placeholders().Bind(parsed->use, kind));
  CIRRUS_RETURN_IF_ERROR(query::CheckConditionValues(parsed->tree, values, kind));
  const query::Condition* tree = &parsed->tree;
  return BoundCondition{std::shared_ptr<const query::Condition>(std::move(parsed), tree),
                        std::move(values), expressions.values()};
}

Result<std::optional<BoundCondition>> TranslateBoundConditions(
    const std::vector<query::LegacyCondition>& entries, bool use_or) {
  CIRRUS_ASSIGN_OR_RETURN(std::optional<query::Translated<query::Condition>> translated,
                          query::TranslateConditions(entries, use_or));
  if (!translated) return std::optional<BoundCondition>();
  auto owned = std::make_shared<const query::Translated<query::Condition>>(std::move(*translated));
  return std::optional<BoundCondition>(BoundCondition{
      std::shared_ptr<const query::Condition>(owned, &owned->tree), owned->Bound(), owned});
}

Result<BoundUpdate> ParseBoundUpdate(std::string_view text, ExpressionContext& expressions,
                                     const std::vector<std::string>& key_attributes) {
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const query::ParsedUpdate> parsed,
                          query::ParseUpdateCached(text, expressions.placeholders()));
  CIRRUS_ASSIGN_OR_RETURN(query::Values values,
                          expressions.placeholders().Bind(parsed->use, query::ExpressionKind::kUpdate));
  CIRRUS_RETURN_IF_ERROR(query::CheckUpdate(parsed->tree, values, key_attributes));
  const query::UpdateExpression* tree = &parsed->tree;
  return BoundUpdate{std::shared_ptr<const query::UpdateExpression>(std::move(parsed), tree),
                     std::move(values), expressions.values()};
}

Result<BoundUpdate> TranslateBoundUpdate(const std::vector<query::LegacyUpdate>& updates,
                                         const std::vector<std::string>& key_attributes) {
  CIRRUS_ASSIGN_OR_RETURN(query::Translated<query::UpdateExpression> translated,
                          query::TranslateAttributeUpdates(updates, key_attributes));
  auto owned = std::make_shared<const query::Translated<query::UpdateExpression>>(std::move(translated));
  return BoundUpdate{std::shared_ptr<const query::UpdateExpression>(owned, &owned->tree),
                     owned->Bound(), owned};
}

Result<query::KeyCondition> ParseKeyConditionCached(
    std::string_view text, ExpressionContext& expressions, const query::QueryKeys& keys) {
  constexpr query::ExpressionKind kKind = query::ExpressionKind::kKeyCondition;
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const query::ParsedCondition> parsed,
                          query::ParseConditionCached(text, kKind, expressions.placeholders()));
  CIRRUS_ASSIGN_OR_RETURN(query::Values values, expressions.placeholders().Bind(parsed->use, kKind));
  CIRRUS_RETURN_IF_ERROR(query::CheckConditionValues(parsed->tree, values, kKind));
  return query::AnalyzeKeyCondition(parsed->tree, values, keys);
}

Status CheckNotMixed(std::initializer_list<std::pair<std::string_view, bool>> legacy,
                     std::initializer_list<std::pair<std::string_view, bool>> expressions) {
  auto list = [](std::initializer_list<std::pair<std::string_view, bool>> members) {
    std::string out;
    for (const auto& [name, present] : members) {
      if (!present) continue;
      if (!out.empty()) out += ", ";
      out += name;
    }
    return out;
  };
  std::string l = list(legacy), e = list(expressions);
  if (l.empty() || e.empty()) return Status();
  return ValidationError(
      "Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {" + l + "} Expression parameters: {" + e + "}");
}

std::optional<std::vector<query::LegacyCondition>> ReadLegacyConditions(RequestReader& r,
                                                                        std::string_view member,
                                                                        Status* entry_status) {
  std::optional<JsonValue> map = r.Object(member);
  if (!map) return std::nullopt;
  std::vector<query::LegacyCondition> out;
  for (const auto& [attribute, spec] : map->members()) {
    if (!r.Element(member, 0, spec)) break;  // not a structure
    // A map entry's path in messages: "keyConditions.<attribute>.member.comparisonOperator".
    std::optional<RequestReader> e =
        r.Nested(spec, r.PathOf(member) + "." + std::string(attribute) + ".member");
    query::LegacyCondition c;
    c.attribute = std::string(attribute);
    if (std::optional<std::string_view> op = e->String("ComparisonOperator")) {
      // The model's enum first (case sensitive), then the operator's own rules (conformance
      // fact L5).
      e->Enum("ComparisonOperator", op,
              {"IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE",
               "BEGINS_WITH", "GE", "CONTAINS"});
      c.comparison_operator = std::string(*op);
    }
    c.exists = e->Bool("Exists");
    if (std::optional<JsonValue> value = e->Object("Value")) {
      Result<AttributeValue> v = wire::ParseAttributeValue(*value);
      if (!v.ok()) {
        if (entry_status->ok()) *entry_status = v.status();
        continue;
      }
      c.value = std::move(*v);
    }
    if (std::optional<std::vector<JsonValue>> list = e->List("AttributeValueList")) {
      for (const JsonValue& item : *list) {
        Result<AttributeValue> v = wire::ParseAttributeValue(item);
        if (!v.ok()) {
          if (entry_status->ok()) *entry_status = v.status();
          continue;
        }
        c.values.push_back(std::move(*v));
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

bool ReadConditionalOperator(RequestReader& r) {
  std::optional<std::string_view> op = r.String("ConditionalOperator");
  r.Enum("ConditionalOperator", op, {"OR", "AND"});  // probable order (fact M7)
  return op == "OR";
}

std::optional<std::vector<std::string>> ReadAttributesToGet(RequestReader& r) {
  std::optional<std::vector<std::string>> names = r.StringList("AttributesToGet");
  if (names) r.Count("AttributesToGet", names->size(), 1, SIZE_MAX);
  return names;
}

Result<std::optional<Projection>> ParseProjection(
    std::optional<std::string_view> expression,
    const std::optional<std::vector<std::string>>& attributes_to_get,
    ExpressionContext& expressions) {
  std::optional<Projection> projection;
  if (expression) {
    CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const query::ParsedProjection> parsed,
                            query::ParseProjectionCached(*expression, expressions.placeholders()));
    projection.emplace();
    projection->paths = parsed->tree;
  } else if (attributes_to_get) {
    for (const std::string& name : *attributes_to_get) {  // conformance facts I2, I3
      CIRRUS_RETURN_IF_ERROR(wire::CheckAttributeName(name));
    }
    CIRRUS_ASSIGN_OR_RETURN(std::vector<query::Path> paths,
                            query::TranslateAttributesToGet(*attributes_to_get));
    projection.emplace();
    projection->paths = std::move(paths);
  }
  if (projection) query::AddAttributeNames(projection->paths, &projection->attributes);
  return projection;
}

}  // namespace cirrus::server
