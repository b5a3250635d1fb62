// DeleteItem: removes one item (a missing item is not an error), after its condition.
#include "server/ops/ops.h"
#include "server/ops/single_write.h"

namespace cirrus::server {
namespace {

Status MakeDelete(const db::Table& table, Item key, db::ItemWrite* write) {
  CIRRUS_RETURN_IF_ERROR(table.codec().EncodeKey(key, &write->key));
  write->mutation = db::Mutation::Delete();
  return Status();
}

}  // namespace

void DeleteItem(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  RunConditionalWrite(ctx, request, std::move(done), "Key", &MakeDelete);
}

}  // namespace cirrus::server
