#include "db/ttl.h"

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "db/item_codec.h"

namespace cirrus::db {
namespace {

constexpr int64_t kFiveYearsS = int64_t{5} * 365 * 24 * 3600;

Result<ExpiryPass> ExpireTable(Database& db, const std::string& name, int64_t now_s,
                               const ExpiryOptions& options) {
  const size_t chunk = options.chunk, batch_size = options.batch;
  const std::atomic<bool>* cancel = options.cancel;
  ExpiryPass pass;
  std::shared_ptr<const Table> table = db.FindTable(name);
  if (!table || !table->definition().ttl.enabled) return pass;
  const std::string attribute = table->definition().ttl.attribute;
  const std::set<std::string, std::less<>> wanted = {attribute};
  for (uint32_t partition = 0; partition < table->partition_count(); ++partition) {
    std::string after;  // the last key read; empty: from the start
    for (bool more = true; more && !(cancel && *cancel);) {
      std::vector<std::string> expired;
      {
        CIRRUS_ASSIGN_OR_RETURN(ReadView view, db.Read());
        CIRRUS_ASSIGN_OR_RETURN(PartitionCursor cursor, view.OpenCursor(*table, partition));
        bool valid = cursor.SeekForward(after, /*inclusive=*/after.empty());
        size_t read = 0;
        for (; valid && read < chunk; valid = cursor.Next(), ++read) {
          after = std::string(cursor.key());
          // Only the TTL attribute is decoded: the others' bytes are skipped.
          CIRRUS_ASSIGN_OR_RETURN(Item item, DecodeItemAttributes(cursor.value(), wanted));
          if (HasExpired(item, attribute, now_s)) expired.push_back(after);
        }
        CIRRUS_RETURN_IF_ERROR(cursor.status());
        pass.scanned += read;
        more = valid;
      }  // the snapshot ends before writing
      for (size_t i = 0; i < expired.size(); i += batch_size) {
        WriteBatch batch;
        for (size_t j = i; j < expired.size() && j < i + batch_size; ++j) {
          ItemWrite w;
          w.table = table;
          w.key = expired[j];
          w.expired = true;
          w.decide = [attribute, now_s](const Item* current) -> Result<Mutation> {
            return current && HasExpired(*current, attribute, now_s) ? Mutation::Delete()
                                                                     : Mutation::Keep();
          };
          batch.writes.push_back(std::move(w));
        }
        Status s = db.WriteSync(&batch);
        if (s.kind() == ErrorKind::kResourceNotFound) return pass;  // the table went
        CIRRUS_RETURN_IF_ERROR(s);
        for (const ItemWrite& w : batch.writes) {
          pass.deleted += w.applied.kind() == Mutation::Kind::kDelete ? 1 : 0;
        }
      }
    }
  }
  return pass;
}

}  // namespace

bool HasExpired(const Item& item, std::string_view attribute, int64_t now_s) {
  auto it = item.find(std::string(attribute));
  if (it == item.end() || it->second.type() != ValueType::kN) return false;
  const double at = std::strtod(it->second.scalar().c_str(), nullptr);
  const double now = static_cast<double>(now_s);
  return at < now && at >= now - static_cast<double>(kFiveYearsS);
}

Result<ExpiryPass> ExpireItems(Database& db, int64_t now_s, const ExpiryOptions& options) {
  ExpiryPass total;
  std::vector<std::string> names =
      options.table ? std::vector<std::string>{*options.table} : db.TableNames();
  for (const std::string& name : names) {
    CIRRUS_ASSIGN_OR_RETURN(ExpiryPass pass, ExpireTable(db, name, now_s, options));
    total.scanned += pass.scanned;
    total.deleted += pass.deleted;
  }
  return total;
}

}  // namespace cirrus::db
