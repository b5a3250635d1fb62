#include "db/key_codec.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>

namespace cirrus::db {
namespace {

constexpr uint8_t kNegative = 0x00;
constexpr uint8_t kZero = 0x01;
constexpr uint8_t kPositive = 0x02;
constexpr int kExponentBias = 129;  // Decimal::kMinExponent maps to byte 0

void AppendEscaped(std::string_view bytes, std::string* out) {
  for (char c : bytes) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xFF');
  }
}

void AppendNumber(std::string_view normalized, std::string* out) {
  Result<Decimal> parsed = Decimal::Parse(normalized);
  assert(parsed.ok());
  const Decimal& d = *parsed;
  if (d.is_zero()) {
    out->push_back(static_cast<char>(kZero));
    return;
  }
  const bool negative = d.negative();
  auto put = [&](int b) { out->push_back(static_cast<char>(negative ? 255 - b : b)); };
  out->push_back(static_cast<char>(negative ? kNegative : kPositive));
  put(d.exponent() + kExponentBias);
  const std::string& digits = d.digits();
  for (size_t i = 0; i < digits.size(); i += 2) {
    int hi = digits[i] - '0';
    int lo = i + 1 < digits.size() ? digits[i + 1] - '0' : 0;
    put(2 + 10 * hi + lo);
  }
  put(0);
}

// Reads one encoded value of `type` from the front of *in into *value.
bool DecodeValue(ScalarType type, std::string_view* in, AttributeValue* value) {
  if (type == ScalarType::kN) {
    if (in->empty()) return false;
    uint8_t cls = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    if (cls == kZero) {
      *value = AttributeValue::NumberFromNormalized("0");
      return true;
    }
    if (cls != kNegative && cls != kPositive) return false;
    const bool negative = cls == kNegative;
    auto get = [&](uint8_t* b) {
      if (in->empty()) return false;
      uint8_t raw = static_cast<uint8_t>((*in)[0]);
      in->remove_prefix(1);
      *b = negative ? static_cast<uint8_t>(255 - raw) : raw;
      return true;
    };
    uint8_t exp;
    if (!get(&exp)) return false;
    std::string digits;
    for (;;) {
      uint8_t b;
      if (!get(&b)) return false;
      if (b == 0) break;
      if (b < 2 || b > 101) return false;
      digits.push_back(static_cast<char>('0' + (b - 2) / 10));
      digits.push_back(static_cast<char>('0' + (b - 2) % 10));
    }
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    int exponent = static_cast<int>(exp) - kExponentBias;
    if (digits.empty() || digits.front() == '0' || digits.size() > Decimal::kMaxDigits ||
        exponent < Decimal::kMinExponent || exponent > Decimal::kMaxExponent) {
      return false;
    }
    *value = AttributeValue::Number(Decimal::FromParts(negative, std::move(digits), exponent));
    return true;
  }
  std::string bytes;
  for (size_t i = 0; i < in->size(); ++i) {
    char c = (*in)[i];
    if (c != '\0') {
      bytes.push_back(c);
      continue;
    }
    if (i + 1 >= in->size()) return false;
    char next = (*in)[i + 1];
    if (next == '\xFF') {
      bytes.push_back('\0');
      ++i;
    } else if (next == '\x01') {
      in->remove_prefix(i + 2);
      *value = type == ScalarType::kS ? AttributeValue::String(std::move(bytes))
                                      : AttributeValue::Binary(std::move(bytes));
      return true;
    } else {
      return false;
    }
  }
  return false;
}

Status KeyMismatch() { return ValidationError("The provided key element does not match the schema"); }

}  // namespace

ValueType ToValueType(ScalarType type) {
  switch (type) {
    case ScalarType::kS: return ValueType::kS;
    case ScalarType::kN: return ValueType::kN;
    case ScalarType::kB: return ValueType::kB;
  }
  return ValueType::kS;
}

std::string_view TypeName(ScalarType type) { return cirrus::TypeName(ToValueType(type)); }

KeySchema KeySchema::PartitionOnly(std::string name, ScalarType type) {
  return KeySchema{{KeyAttribute{std::move(name), type}}, {}};
}

KeySchema KeySchema::PartitionAndSort(std::string pk_name, ScalarType pk_type,
                                      std::string sk_name, ScalarType sk_type) {
  return KeySchema{{KeyAttribute{std::move(pk_name), pk_type}},
                   {KeyAttribute{std::move(sk_name), sk_type}}};
}

std::vector<std::string> KeySchema::names() const {
  std::vector<std::string> out;
  for (const KeyAttribute& a : partition_keys) out.push_back(a.name);
  for (const KeyAttribute& a : sort_keys) out.push_back(a.name);
  return out;
}

bool KeySchema::IsKeyAttribute(std::string_view name) const {
  auto named = [&](const KeyAttribute& a) { return a.name == name; };
  return std::any_of(partition_keys.begin(), partition_keys.end(), named) ||
         std::any_of(sort_keys.begin(), sort_keys.end(), named);
}

KeyCodec::KeyCodec(KeySchema schema) : schema_(std::move(schema)) {}

void KeyCodec::AppendEncoded(const AttributeValue& value, std::string* out) {
  if (value.is(ValueType::kN)) {
    AppendNumber(value.scalar(), out);
  } else {
    AppendEscaped(value.scalar(), out);
    out->append("\0\x01", 2);
  }
}

void KeyCodec::AppendPrefix(const AttributeValue& value, std::string* out) {
  AppendEscaped(value.scalar(), out);
}

std::string KeyCodec::PartitionPrefix(std::span<const AttributeValue> values) const {
  assert(values.size() == schema_.partition_keys.size());
  std::string encoded;
  for (const AttributeValue& v : values) AppendEncoded(v, &encoded);
  std::string out;
  out.reserve(8 + encoded.size());
  AppendBigEndian64(XXH64(encoded.data(), encoded.size(), 0), &out);
  out += encoded;
  return out;
}

Status KeyCodec::ValidateKeyValue(const KeyAttribute& attribute, const AttributeValue& value,
                                  bool is_partition_key) const {
  if (value.type() != ToValueType(attribute.type)) {
    return ValidationError("One or more parameter values were invalid: Type mismatch for key " +
                           attribute.name + " expected: " + std::string(TypeName(attribute.type)) +
                           " actual: " + std::string(cirrus::TypeName(value.type())));
  }
  if (attribute.type == ScalarType::kN) return Status();
  if (value.scalar().empty()) {
    return ValidationError(
        std::string("One or more parameter values are not valid. The AttributeValue for a key "
                    "attribute cannot contain an empty ") +
        (attribute.type == ScalarType::kS ? "string" : "binary") +
        " value. Key: " + attribute.name);
  }
  if (is_partition_key && value.scalar().size() > kMaxPartitionKeyBytes) {
    return ValidationError(
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
        "size limit of2048 bytes");
  }
  if (!is_partition_key && value.scalar().size() > kMaxSortKeyBytes) {
    return ValidationError(
        "One or more parameter values were invalid: Aggregated size of all range keys has "
        "exceeded the size limit of 1024 bytes");
  }
  return Status();
}

Status KeyCodec::EncodeKeyOf(const Item& item, std::string* out) const {
  // The partition key values are hashed together, so they are found and checked first.
  const AttributeValue* found[2 * kMaxKeyAttributesPerRole];
  size_t n = 0;
  for (const std::vector<KeyAttribute>* role : {&schema_.partition_keys, &schema_.sort_keys}) {
    const bool partition = role == &schema_.partition_keys;
    for (const KeyAttribute& attribute : *role) {
      auto it = item.find(attribute.name);
      if (it == item.end()) {
        return ValidationError("One or more parameter values were invalid: Missing the key " +
                               attribute.name + " in the item");
      }
      CIRRUS_RETURN_IF_ERROR(ValidateKeyValue(attribute, it->second, partition));
      found[n++] = &it->second;
    }
  }
  const size_t partition_count = schema_.partition_keys.size();
  std::string encoded;
  for (size_t i = 0; i < partition_count; ++i) AppendEncoded(*found[i], &encoded);
  AppendBigEndian64(XXH64(encoded.data(), encoded.size(), 0), out);
  *out += encoded;
  for (size_t i = partition_count; i < n; ++i) AppendEncoded(*found[i], out);
  return Status();
}

Status KeyCodec::EncodeKey(const Item& key, std::string* out) const {
  if (key.size() != schema_.partition_keys.size() + schema_.sort_keys.size()) return KeyMismatch();
  for (const std::vector<KeyAttribute>* role : {&schema_.partition_keys, &schema_.sort_keys}) {
    for (const KeyAttribute& attribute : *role) {
      auto it = key.find(attribute.name);
      if (it == key.end() || it->second.type() != ToValueType(attribute.type)) return KeyMismatch();
    }
  }
  return EncodeKeyOf(key, out);
}

Result<Item> KeyCodec::DecodeKey(std::string_view stored) const {
  if (stored.size() < 8) return InternalError("corrupt stored key");
  std::string_view in = stored.substr(8);
  Item key;
  for (const std::vector<KeyAttribute>* role : {&schema_.partition_keys, &schema_.sort_keys}) {
    for (const KeyAttribute& attribute : *role) {
      AttributeValue value;
      if (!DecodeValue(attribute.type, &in, &value)) return InternalError("corrupt stored key");
      key.emplace(attribute.name, std::move(value));
    }
  }
  if (!in.empty()) return InternalError("corrupt stored key");
  return key;
}

uint64_t KeyCodec::HashOf(std::string_view stored_key) {
  assert(stored_key.size() >= 8);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | static_cast<uint8_t>(stored_key[i]);
  return h;
}

uint32_t PartitionOf(uint64_t hash, uint32_t partition_count) {
  assert(std::has_single_bit(partition_count));
  if (partition_count == 1) return 0;
  int bits = std::countr_zero(partition_count);
  return static_cast<uint32_t>(hash >> (64 - bits));
}

uint64_t PartitionStart(uint32_t partition, uint32_t partition_count) {
  if (partition_count == 1) return 0;
  int bits = std::countr_zero(partition_count);
  return static_cast<uint64_t>(partition) << (64 - bits);
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    if (static_cast<uint8_t>(s.back()) != 0xFF) {
      s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

void AppendBigEndian64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

}  // namespace cirrus::db
