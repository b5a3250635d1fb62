#include "db/item_codec.h"

#include <vector>

namespace cirrus::db {
namespace {

void PutValue(const AttributeValue& value, std::string* out) {
  out->push_back(static_cast<char>(value.type()));
  switch (value.type()) {
    case ValueType::kS:
    case ValueType::kN:
    case ValueType::kB:
      PutBytes(value.scalar(), out);
      break;
    case ValueType::kBool:
      out->push_back(value.boolean() ? 1 : 0);
      break;
    case ValueType::kNull:
      break;
    case ValueType::kM:
      PutVarint(value.map().size(), out);
      for (const auto& [name, v] : value.map()) {
        PutBytes(name, out);
        PutValue(v, out);
      }
      break;
    case ValueType::kL:
      PutVarint(value.list().size(), out);
      for (const AttributeValue& v : value.list()) PutValue(v, out);
      break;
    case ValueType::kSS:
    case ValueType::kNS:
    case ValueType::kBS:
      PutVarint(value.set().size(), out);
      for (const std::string& e : value.set()) PutBytes(e, out);
      break;
  }
}

// Builds an Item from WalkStoredItem's calls. Each open container is a frame; a finished
// value goes into the innermost frame under its pending name.
class ItemBuilder {
 public:
  void Attribute(std::string_view name) { pending_name_ = name; }
  void Scalar(ValueType type, std::string_view bytes) {
    std::string s(bytes);
    switch (type) {
      case ValueType::kS: Put(AttributeValue::String(std::move(s))); break;
      case ValueType::kN: Put(AttributeValue::NumberFromNormalized(std::move(s))); break;
      default: Put(AttributeValue::Binary(std::move(s))); break;
    }
  }
  void Bool(bool b) { Put(AttributeValue::Bool(b)); }
  void Null() { Put(AttributeValue::Null()); }
  void BeginMap(uint64_t) { Open(AttributeValue::Map({})); }
  void MapKey(std::string_view name) { pending_name_ = name; }
  void EndMap() { Close(); }
  void BeginList(uint64_t n) {
    Open(AttributeValue::List({}));
    stack_.back().value.mutable_list().reserve(n);
  }
  void EndList() { Close(); }
  void BeginSet(ValueType type, uint64_t n) {
    std::vector<std::string> none;
    none.reserve(n);
    Open(type == ValueType::kSS   ? AttributeValue::StringSet(std::move(none))
         : type == ValueType::kNS ? AttributeValue::NumberSet(std::move(none))
                                  : AttributeValue::BinarySet(std::move(none)));
  }
  void SetElement(std::string_view bytes) { stack_.back().value.mutable_set().emplace_back(bytes); }
  void EndSet() { Close(); }

  Item Take() { return std::move(item_); }

 private:
  struct Frame {
    std::string name;  // where the value goes in the enclosing frame (unused in lists)
    AttributeValue value;
  };

  void Open(AttributeValue container) { stack_.push_back(Frame{pending_name_, std::move(container)}); }
  void Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    pending_name_ = std::move(frame.name);
    Put(std::move(frame.value));
  }
  void Put(AttributeValue value) {
    if (stack_.empty()) {
      item_.insert_or_assign(pending_name_, std::move(value));
      return;
    }
    AttributeValue& parent = stack_.back().value;
    if (parent.is(ValueType::kL)) {
      parent.mutable_list().push_back(std::move(value));
    } else {
      parent.mutable_map().insert_or_assign(pending_name_, std::move(value));
    }
  }

  Item item_;
  std::vector<Frame> stack_;
  std::string pending_name_;
};

}  // namespace

void EncodeItem(const Item& item, size_t item_size, std::string* out) {
  out->push_back(static_cast<char>(kItemFormatVersion));
  PutVarint(item_size, out);
  PutVarint(item.size(), out);
  for (const auto& [name, value] : item) {
    PutBytes(name, out);
    PutValue(value, out);
  }
}

Result<Item> DecodeItem(std::string_view stored) {
  ItemBuilder builder;
  CIRRUS_RETURN_IF_ERROR(WalkStoredItem(stored, builder));
  return builder.Take();
}

namespace internal {

namespace {
// Visits nothing: walking with it skips a value.
struct SkipVisitor {
  void Attribute(std::string_view) {}
  void Scalar(ValueType, std::string_view) {}
  void Bool(bool) {}
  void Null() {}
  void BeginMap(uint64_t) {}
  void MapKey(std::string_view) {}
  void EndMap() {}
  void BeginList(uint64_t) {}
  void EndList() {}
  void BeginSet(ValueType, uint64_t) {}
  void SetElement(std::string_view) {}
  void EndSet() {}
};
}  // namespace

bool SkipValue(ByteReader& r, int depth) {
  SkipVisitor skip;
  return WalkValue(r, skip, depth);
}

}  // namespace internal

Result<Item> DecodeItemAttributes(std::string_view stored,
                                  const std::set<std::string, std::less<>>& names) {
  ByteReader r(stored);
  uint8_t version;
  uint64_t size, count;
  if (!r.U8(&version) || version != kItemFormatVersion || !r.Varint(&size) || !r.Varint(&count)) {
    return InternalError("corrupt stored item");
  }
  ItemBuilder builder;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name;
    if (!r.Bytes(&name)) return InternalError("corrupt stored item");
    bool ok;
    if (names.count(name)) {
      builder.Attribute(name);
      ok = internal::WalkValue(r, builder, 1);
    } else {
      ok = internal::SkipValue(r, 1);
    }
    if (!ok) return InternalError("corrupt stored item");
  }
  return builder.Take();
}

size_t StoredItemSize(std::string_view stored) {
  ByteReader r(stored);
  uint8_t version;
  uint64_t size;
  if (!r.U8(&version) || version != kItemFormatVersion || !r.Varint(&size)) return 0;
  return size;
}

}  // namespace cirrus::db
