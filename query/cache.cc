#include "query/cache.h"

#include <string>
#include <unordered_map>

namespace cirrus::query {
namespace {

std::string KeyOf(ExpressionKind kind, std::string_view text, const Placeholders& placeholders) {
  std::string key;
  key.reserve(text.size() + 32);
  key.push_back(static_cast<char>('0' + static_cast<int>(kind)));
  key.append(text);
  if (const auto* names = placeholders.names()) {
    for (const auto& [placeholder, name] : *names) {
      key.push_back('\0');
      key.append(placeholder);
      key.push_back('=');
      key.append(name);
    }
  }
  return key;
}

template <typename Parsed, typename ParseFn>
Result<std::shared_ptr<const Parsed>> Cached(ExpressionKind kind, std::string_view text,
                                             Placeholders& placeholders, ParseFn parse) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const void>> cache;
  std::string key = KeyOf(kind, text, placeholders);
  auto it = cache.find(key);
  if (it != cache.end()) {
    auto hit = std::static_pointer_cast<const Parsed>(it->second);
    placeholders.UseNames(hit->use);
    return hit;
  }
  CIRRUS_ASSIGN_OR_RETURN(Parsed parsed, parse());
  auto entry = std::make_shared<const Parsed>(std::move(parsed));
  if (cache.size() >= kMaxCachedExpressions) cache.clear();
  cache.emplace(std::move(key), entry);
  return entry;
}

}  // namespace

Result<std::shared_ptr<const ParsedCondition>> ParseConditionCached(std::string_view text,
                                                                    ExpressionKind kind,
                                                                    Placeholders& placeholders) {
  return Cached<ParsedCondition>(kind, text, placeholders,
                                 [&] { return ParseCondition(text, kind, placeholders); });
}

Result<std::shared_ptr<const ParsedUpdate>> ParseUpdateCached(std::string_view text,
                                                              Placeholders& placeholders) {
  return Cached<ParsedUpdate>(ExpressionKind::kUpdate, text, placeholders,
                              [&] { return ParseUpdate(text, placeholders); });
}

Result<std::shared_ptr<const ParsedProjection>> ParseProjectionCached(std::string_view text,
                                                                      Placeholders& placeholders) {
  return Cached<ParsedProjection>(ExpressionKind::kProjection, text, placeholders,
                                  [&] { return ParseProjection(text, placeholders); });
}

}  // namespace cirrus::query
