// DescribeTable.
#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {
namespace {

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  std::shared_ptr<const db::Table> table = ctx.db->FindTable(*name);
  if (!table) return TableNotFound(*name);
  return TableDescriptionResponse("Table", *table, "ACTIVE", *ctx.config);
}

}  // namespace

void DescribeTable(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
