// PutItem: replaces the whole item, durably, through the group-committing writer; a
// condition, when given, is checked against the current item in the same transaction.
#include "server/ops/ops.h"
#include "server/ops/single_write.h"

namespace cirrus::server {
namespace {

Status MakePut(const db::Table& table, Item item, db::ItemWrite* write) {
  CIRRUS_RETURN_IF_ERROR(table.codec().EncodeKeyOf(item, &write->key));
  size_t size = ItemSize(item);
  if (size > kMaxItemSize) return ValidationError("Item size has exceeded the maximum allowed size");
  write->mutation = db::Mutation::Put(std::move(item), size);
  return Status();
}

}  // namespace

void PutItem(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  RunConditionalWrite(ctx, request, std::move(done), "Item", &MakePut);
}

}  // namespace cirrus::server
