#include "server/ops/operation.h"

#include <algorithm>
#include <array>
#include <utility>

#include "server/ops/ops.h"

namespace cirrus::server {

Operation FindOperation(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Operation>, 15> kOperations = {{
      {"BatchGetItem", &BatchGetItem},
      {"BatchWriteItem", &BatchWriteItem},
      {"CreateTable", &CreateTable},
      {"DeleteItem", &DeleteItem},
      {"DeleteTable", &DeleteTable},
      {"DescribeTable", &DescribeTable},
      {"GetItem", &GetItem},
      {"ListTables", &ListTables},
      {"PutItem", &PutItem},
      {"Query", &Query},
      {"Scan", &Scan},
      {"TransactGetItems", &TransactGetItems},
      {"TransactWriteItems", &TransactWriteItems},
      {"UpdateItem", &UpdateItem},
      {"UpdateTable", &UpdateTable},
  }};
  auto it = std::lower_bound(kOperations.begin(), kOperations.end(), name,
                             [](const auto& entry, std::string_view n) { return entry.first < n; });
  return it != kOperations.end() && it->first == name ? it->second : nullptr;
}

}  // namespace cirrus::server
