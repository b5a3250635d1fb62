// DeleteTable: removes the table and its items at once; answers with status DELETING.
#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {
namespace {

Result<std::string> Run(OperationContext& ctx, const wire::JsonValue& request) {
  RequestReader r(request);
  std::optional<std::string> name = ReadTableName(r);
  CIRRUS_RETURN_IF_ERROR(r.Finish());
  std::shared_ptr<const db::Table> current = ctx.db->FindTable(*name);
  if (!current) return TableNotFound(*name);
  CIRRUS_RETURN_IF_ERROR(TableBeingRestored(*current));
  if (current->definition().deletion_protection) {
    return ValidationError(
        "Resource cannot be deleted as it is currently protected against deletion. Disable "
        "deletion protection first.");
  }
  // Describe before the items go, as DynamoDB's answer still counts them.
  std::string body = TableDescriptionResponse("TableDescription", *current, "DELETING", *ctx.config);
  CIRRUS_RETURN_IF_ERROR(ctx.db->DeleteTable(*name).status());
  return body;
}

}  // namespace

void DeleteTable(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  done(Run(ctx, request));
}

}  // namespace cirrus::server
