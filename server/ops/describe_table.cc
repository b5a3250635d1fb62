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
  if (!table) {
    return Status(ErrorKind::kResourceNotFound,
                  "Requested resource not found: Table: " + *name + " not found");
  }
  std::string body;
  wire::JsonWriter w(&body);
  w.BeginObject();
  w.Key("Table");
  WriteTableDescription(*table, "ACTIVE", *ctx.config, w);
  w.EndObject();
  return body;
}

}  // namespace

void DescribeTable(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
