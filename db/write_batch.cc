#include "db/write_batch.h"

#include "db/index_maintenance.h"
#include "db/item_codec.h"
#include "db/stream.h"

namespace cirrus::db {

Mutation Mutation::Put(Item item, size_t item_size) {
  Mutation m;
  m.kind_ = Kind::kPut;
  m.item_ = std::move(item);
  m.item_size_ = item_size;
  return m;
}

Mutation Mutation::Delete() {
  Mutation m;
  m.kind_ = Kind::kDelete;
  return m;
}

Mutation Mutation::Keep() { return Mutation(); }

std::string CollectionKey(const Table& table, std::string_view stored_key) {
  std::string key;
  const uint32_t id = table.definition().storage_id;
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(id >> shift));
  // The partition prefix: the hash and the encoded partition key, i.e. the stored key
  // without its sort key. A key that does not decode was refused before it got here.
  Result<Item> decoded = table.codec().DecodeKey(stored_key);
  if (decoded.ok()) {
    key += table.codec().PartitionPrefix(decoded->at(table.codec().schema().partition_key().name));
  }
  return key;
}

namespace {

// Phase 1 for one write: reads the current item, decides the change and validates it, writing
// nothing. `current` receives the decoded current item when the later phases need it;
// `old_stored` the stored bytes when the table has a stream (copied: a later write of the
// batch may move the page they are on).
Status Decide(ItemTransaction& txn, ItemWrite& w, const WriteRules& rules,
              std::optional<Item>& current, std::string& old_stored) {
  std::shared_ptr<const Table> now = rules.resolve(w.table->name());
  if (!now || now->definition().storage_id != w.table->definition().storage_id) {
    return Status(ErrorKind::kResourceNotFound,
                  "Requested resource not found: Table: " + w.table->name() + " not found");
  }
  w.table = std::move(now);
  const Table& table = *w.table;
  CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string_view> stored, txn.Get(table, w.key));
  w.existed = stored.has_value();
  w.old_size = w.existed ? StoredItemSize(*stored) : 0;
  w.collection_size.reset();
  current.reset();
  const bool indexed = !table.indexes().empty();
  if (w.existed && table.definition().stream.enabled) old_stored.assign(*stored);
  if (w.existed && (w.decide || w.check || w.want_old_image || indexed)) {
    CIRRUS_ASSIGN_OR_RETURN(current, DecodeItem(*stored));
  }
  if (w.decide) {
    CIRRUS_ASSIGN_OR_RETURN(w.applied, w.decide(current ? &*current : nullptr));
  } else if (w.check) {
    CIRRUS_RETURN_IF_ERROR(w.check(current ? &*current : nullptr));
  }
  const Mutation& m = w.decide ? w.applied : w.mutation;
  if (m.kind() != Mutation::Kind::kPut) return Status();
  // An item of a table with LSIs counts its LSI entries against the item size limit.
  size_t with_local_entries = m.item_size();
  for (const auto& index : table.indexes()) {
    if (!index->maintained()) continue;
    CIRRUS_RETURN_IF_ERROR(index->Validate(m.item()));
    if (index->definition().kind == IndexKind::kLocal && index->Covers(m.item())) {
      with_local_entries += index->definition().projection == ProjectionType::kAll
                                ? m.item_size()
                                : ItemSize(index->Project(m.item()));
    }
  }
  if (with_local_entries > kMaxItemSize) {
    return ValidationError(
        "Item size has exceeded the maximum allowed size: the item with its local secondary "
        "index entries is larger than 400 KB");
  }
  return Status();
}

// Phase 2 for one write: the item, its index entries, its item collection's size and its
// stream record. Only the engine can fail from here on (and the item collection limit, which
// aborts the transaction: retried alone, the batch fails alone).
Status Write(ItemTransaction& txn, ItemWrite& w, const WriteRules& rules,
             const std::optional<Item>& current, const std::string& old_stored,
             std::string& encoded) {
  const Table& table = *w.table;
  const Mutation& m = w.decide ? w.applied : w.mutation;
  w.index_writes.clear();  // a retried group applies the write again
  if (m.kind() == Mutation::Kind::kKeep) {
    w.new_size = w.old_size;
    return Status();
  }
  encoded.clear();
  const Item* new_item = nullptr;
  if (m.kind() == Mutation::Kind::kPut) {
    EncodeItem(m.item(), m.item_size(), &encoded);
    CIRRUS_RETURN_IF_ERROR(txn.Put(table, w.key, encoded));
    w.new_size = m.item_size();
    new_item = &m.item();
    txn.AddDelta(table, w.existed ? 0 : 1,
                 static_cast<int64_t>(w.new_size) - static_cast<int64_t>(w.old_size));
  } else {
    w.new_size = 0;
    if (!w.existed) return Status();
    CIRRUS_RETURN_IF_ERROR(txn.Delete(table, w.key));
    txn.AddDelta(table, -1, -static_cast<int64_t>(w.old_size));
  }
  int64_t lsi_delta = 0;
  const Item* old_item = current ? &*current : nullptr;
  for (const auto& index : table.indexes()) {
    if (!index->maintained()) continue;
    std::vector<int64_t> charged;
    CIRRUS_RETURN_IF_ERROR(MaintainIndex(txn, *index, w.key, old_item, w.old_size, new_item,
                                         w.new_size, encoded, &lsi_delta, &charged));
    if (!charged.empty()) {
      w.index_writes.push_back({index->definition().name,
                                index->definition().kind == IndexKind::kGlobal, std::move(charged)});
    }
  }
  if (table.has_local_indexes()) {
    std::string collection = CollectionKey(table, w.key);
    CIRRUS_ASSIGN_OR_RETURN(int64_t size, txn.CollectionSize(collection));
    size += static_cast<int64_t>(w.new_size) - static_cast<int64_t>(w.old_size) + lsi_delta;
    if (size > rules.item_collection_limit && m.kind() == Mutation::Kind::kPut) {
      return txn.Abort(
          Status(ErrorKind::kItemCollectionSizeLimitExceeded, "Collection size exceeded."));
    }
    CIRRUS_RETURN_IF_ERROR(txn.SetCollectionSize(collection, size));
    w.collection_size = size;
  }
  const StreamSettings& stream = table.definition().stream;
  if (!stream.enabled) return Status();
  CapturedWrite captured;
  captured.stored_key = w.key;
  captured.old_stored = old_stored;
  captured.old_size = w.old_size;
  captured.old_item = old_item;
  captured.expired = w.expired;
  if (new_item) {
    captured.new_stored = encoded;
    captured.new_size = w.new_size;
    captured.new_item = new_item;
  }
  CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> record,
                          CaptureChange(stream.view_type, table.codec(), captured, rules.now_us));
  if (!record) return Status();
  return txn.AppendStreamRecord(stream.stream_id, table.PartitionOfKey(w.key), *record);
}

}  // namespace

Status ApplyWriteBatch(ItemTransaction& txn, WriteBatch& batch, const WriteRules& rules) {
  const size_t n = batch.writes.size();
  // The current items, decoded into old_image when the caller wants them (also when its
  // decision then fails: ReturnValuesOnConditionCheckFailure), else here.
  std::vector<std::optional<Item>> locals(n);
  std::vector<std::string> olds(n);
  Status first_failure;
  for (size_t i = 0; i < n; ++i) {
    ItemWrite& w = batch.writes[i];
    Status s = Decide(txn, w, rules, w.want_old_image ? w.old_image : locals[i], olds[i]);
    if (!batch.decide_every || txn.failed()) {
      CIRRUS_RETURN_IF_ERROR(s);
      continue;
    }
    if (!s.ok() && first_failure.ok()) first_failure = s;
    w.decision = std::move(s);
  }
  CIRRUS_RETURN_IF_ERROR(first_failure);
  std::string encoded;
  for (size_t i = 0; i < n; ++i) {
    ItemWrite& w = batch.writes[i];
    CIRRUS_RETURN_IF_ERROR(
        Write(txn, w, rules, w.want_old_image ? w.old_image : locals[i], olds[i], encoded));
  }
  for (const auto& [key, value] : batch.settings) {
    CIRRUS_RETURN_IF_ERROR(txn.PutSetting(key, value));
  }
  return Status();
}

}  // namespace cirrus::db
