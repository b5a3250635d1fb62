#pragma once

#include <memory>
#include <string_view>

#include "db/item/status.h"
#include "query/expression.h"

namespace cirrus::query {

// Parsing through a per-thread cache keyed by (kind, text, ExpressionAttributeNames): a parsed
// tree depends on nothing else (values are slots, bound per request), so requests repeating
// an expression with other values parse it once. Errors are not cached. A hit marks the
// #names the expression uses, as a parse would. At most kMaxEntries per thread (then the
// cache starts over).
Result<std::shared_ptr<const ParsedCondition>> ParseConditionCached(std::string_view text,
                                                                    ExpressionKind kind,
                                                                    Placeholders& placeholders);
Result<std::shared_ptr<const ParsedUpdate>> ParseUpdateCached(std::string_view text,
                                                              Placeholders& placeholders);
Result<std::shared_ptr<const ParsedProjection>> ParseProjectionCached(std::string_view text,
                                                                      Placeholders& placeholders);

constexpr size_t kMaxCachedExpressions = 1024;

}  // namespace cirrus::query
