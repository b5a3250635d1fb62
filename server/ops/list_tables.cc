// ListTables: names in ascending order, paginated by ExclusiveStartTableName.
#include <algorithm>

#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {
namespace {

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string_view> start = r.String("ExclusiveStartTableName");
  r.Name("ExclusiveStartTableName", start);
  std::optional<int64_t> limit = r.Long("Limit");
  r.Minimum("Limit", limit, 1);
  r.Maximum("Limit", limit, 100);
  CIRRUS_RETURN_IF_ERROR(r.Finish());

  std::vector<std::string> names = ctx.db->TableNames();  // ascending
  auto it = start ? std::upper_bound(names.begin(), names.end(), std::string(*start)) : names.begin();
  const size_t max = static_cast<size_t>(limit.value_or(100));
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("TableNames");
  w.BeginArray();
  size_t n = 0;
  for (; it != names.end() && n < max; ++it, ++n) w.String(*it);
  w.EndArray();
  if (it != names.end() && n > 0) {
    w.Key("LastEvaluatedTableName");
    w.String(*(it - 1));
  }
  w.EndObject();
  return body;
}

}  // namespace

void ListTables(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
