// DescribeLimits: the default quotas of an account in a region, as DynamoDB documents them
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html:
// 80,000 read and write capacity units per account, 40,000 per table; CreateTable and
// UpdateTable enforce the per-table ones).
#include "server/ops/common.h"
#include "server/ops/ops.h"

namespace cirrus::server {

void DescribeLimits(OperationContext&, const wire::JsonValue& request, Done done) {
  RequestReader r(request);
  if (Status s = r.Finish(); !s.ok()) return done(std::move(s));
  done(std::string("{\"AccountMaxReadCapacityUnits\":80000,\"AccountMaxWriteCapacityUnits\":80000,"
                   "\"TableMaxReadCapacityUnits\":40000,\"TableMaxWriteCapacityUnits\":40000}"));
}

}  // namespace cirrus::server
