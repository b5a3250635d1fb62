#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/item/status.h"
#include "query/evaluate.h"
#include "query/expression.h"
#include "query/key_condition.h"
#include "query/legacy.h"
#include "server/request_reader.h"

// The expression parameters operations share: placeholders, conditions, projections, and
// the legacy parameters that stand for them.
namespace cirrus::server {

// ExpressionAttributeNames and ExpressionAttributeValues of one request, with which entries
// its expressions used. Lives as long as the parsed expressions' request handling.
class ExpressionContext {
 public:
  // Reads both members; wrong JSON types are recorded in `r`, errors of the entries (empty
  // maps, malformed keys, invalid values, sizes) are kept for status().
  explicit ExpressionContext(RequestReader& r);
  ExpressionContext(const ExpressionContext&) = delete;
  ExpressionContext& operator=(const ExpressionContext&) = delete;

  const Status& status() const { return status_; }
  query::Placeholders& placeholders() { return placeholders_; }
  // Owns the values bound expressions point into; share it with what outlives the request.
  const std::shared_ptr<const Item>& values() const { return values_; }

  // After every expression of the request is parsed: entries no expression used, or names and
  // values in a request without expressions ("... can only be specified when using
  // expressions: <missing>", e.g. "ConditionExpression is null").
  Status CheckUsed(bool any_expression, std::string_view missing) const;

 private:
  std::optional<std::map<std::string, std::string, std::less<>>> names_;
  std::shared_ptr<const Item> values_;  // null when the request has none
  query::Placeholders placeholders_;
  Status status_;
};

// A condition ready to evaluate: its tree (shared with the parse cache) and its bound values,
// with what keeps those alive. Cheap to copy; safe to hand to the writer thread.
struct BoundCondition {
  std::shared_ptr<const query::Condition> tree;
  query::Values values;
  std::shared_ptr<const void> owner;
  bool Matches(const Item& item) const { return query::Matches(*tree, values, item); }
};

// Parses (through the cache), binds and checks a ConditionExpression or FilterExpression.
Result<BoundCondition> ParseBoundCondition(std::string_view text, query::ExpressionKind kind,
                                           ExpressionContext& expressions);
// Translates legacy conditions (Expected, QueryFilter, ScanFilter); nullopt when empty.
Result<std::optional<BoundCondition>> TranslateBoundConditions(
    const std::vector<query::LegacyCondition>& entries, bool use_or);

// An update ready to apply, like BoundCondition.
struct BoundUpdate {
  std::shared_ptr<const query::UpdateExpression> tree;
  query::Values values;
  std::shared_ptr<const void> owner;
};
// Parses (through the cache), binds and checks an UpdateExpression against the table's keys.
Result<BoundUpdate> ParseBoundUpdate(std::string_view text, ExpressionContext& expressions,
                                     const std::vector<std::string>& key_attributes);
Result<BoundUpdate> TranslateBoundUpdate(const std::vector<query::LegacyUpdate>& updates,
                                         const std::vector<std::string>& key_attributes);

// A KeyConditionExpression (through the cache) or KeyConditions, analysed against the keys.
Result<query::KeyCondition> ParseKeyConditionCached(std::string_view text,
                                                    ExpressionContext& expressions,
                                                    const query::QueryKeys& keys);

// DynamoDB's rule: "Can not use both expression and non-expression parameters in the same
// request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}".
// Each list pairs a member name with whether the request has it.
Status CheckNotMixed(std::initializer_list<std::pair<std::string_view, bool>> legacy,
                     std::initializer_list<std::pair<std::string_view, bool>> expressions);

// Reads a map of legacy conditions (Expected, QueryFilter, ScanFilter, KeyConditions).
// nullopt when absent. Wrong JSON types are recorded in `r`.
std::optional<std::vector<query::LegacyCondition>> ReadLegacyConditions(RequestReader& r,
                                                                        std::string_view member,
                                                                        Status* entry_status);

// ConditionalOperator AND (default) or OR.
bool ReadConditionalOperator(RequestReader& r);

// A projection from ProjectionExpression or AttributesToGet (whichever is given).
struct Projection {
  std::vector<query::Path> paths;
  std::set<std::string, std::less<>> attributes;  // their top-level names
};
Result<std::optional<Projection>> ParseProjection(std::optional<std::string_view> expression,
                                                  const std::optional<std::vector<std::string>>& attributes_to_get,
                                                  ExpressionContext& expressions);

// AttributesToGet as names; nullopt when absent.
std::optional<std::vector<std::string>> ReadAttributesToGet(RequestReader& r);

}  // namespace cirrus::server
