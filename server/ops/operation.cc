#include "server/ops/operation.h"

#include <algorithm>
#include <array>
#include <utility>

#include "server/ops/ops.h"

namespace cirrus::server {

Operation FindOperation(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Operation>, 32> kOperations = {{
      {"BatchExecuteStatement", &BatchExecuteStatement},
      {"BatchGetItem", &BatchGetItem},
      {"BatchWriteItem", &BatchWriteItem},
      {"CreateBackup", &CreateBackup},
      {"CreateTable", &CreateTable},
      {"DeleteBackup", &DeleteBackup},
      {"DeleteItem", &DeleteItem},
      {"DeleteTable", &DeleteTable},
      {"DescribeBackup", &DescribeBackup},
      {"DescribeContinuousBackups", &DescribeContinuousBackups},
      {"DescribeLimits", &DescribeLimits},
      {"DescribeTable", &DescribeTable},
      {"DescribeTimeToLive", &DescribeTimeToLive},
      {"ExecuteStatement", &ExecuteStatement},
      {"ExecuteTransaction", &ExecuteTransaction},
      {"GetItem", &GetItem},
      {"ListBackups", &ListBackups},
      {"ListTables", &ListTables},
      {"ListTagsOfResource", &ListTagsOfResource},
      {"PutItem", &PutItem},
      {"Query", &Query},
      {"RestoreTableFromBackup", &RestoreTableFromBackup},
      {"RestoreTableToPointInTime", &RestoreTableToPointInTime},
      {"Scan", &Scan},
      {"TagResource", &TagResource},
      {"TransactGetItems", &TransactGetItems},
      {"TransactWriteItems", &TransactWriteItems},
      {"UntagResource", &UntagResource},
      {"UpdateContinuousBackups", &UpdateContinuousBackups},
      {"UpdateItem", &UpdateItem},
      {"UpdateTable", &UpdateTable},
      {"UpdateTimeToLive", &UpdateTimeToLive},
  }};
  static_assert(std::is_sorted(kOperations.begin(), kOperations.end()), "binary search");
  auto it = std::lower_bound(kOperations.begin(), kOperations.end(), name,
                             [](const auto& entry, std::string_view n) { return entry.first < n; });
  return it != kOperations.end() && it->first == name ? it->second : nullptr;
}

}  // namespace cirrus::server
