// Amazon Ion text, as much of it as DynamoDB's ION export uses, written and read by hand:
// Debian 12 packages no Ion library (neither ion-c nor a C++ binding), and this subset (text
// only, no symbol tables, no local symbols) fits one recursive-descent parser in this file.
// Ion text reference: https://amazon-ion.github.io/ion-docs/docs/spec.html

#include "tools/ion.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <unordered_set>
#include <utility>
#include <vector>

#include "db/item/decimal.h"
#include "server/wire/base64.h"

namespace cirrus::tools {
namespace {

// ---------------------------------------------------------------------------------------------
// Writing

bool IsIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool IsIdentifierPart(char c) { return IsIdentifierStart(c) || (c >= '0' && c <= '9'); }

// A name written bare must read back as the same symbol text: not a keyword, and not starting
// with '$' (`$ion_1_0` is the version marker, `$7` a symbol ID, `$dynamodb_SS` ours).
bool CanBeBareIdentifier(std::string_view name) {
  if (name.empty() || !IsIdentifierStart(name[0]) || name[0] == '$') return false;
  for (char c : name) {
    if (!IsIdentifierPart(c)) return false;
  }
  return name != "null" && name != "true" && name != "false" && name != "nan";
}

// Text between `quote`s: escapes the quote, backslash and control characters; other bytes
// (UTF-8 included) as they are.
void AppendQuoted(std::string_view text, char quote, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back(quote);
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c == '\0') {
      out->append("\\0");
    } else if (u < 0x20 || u == 0x7F) {
      out->append("\\x");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xF]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back(quote);
}

// `normalized` is an N value (Decimal::ToString text). Ion reads digits without '.' or 'd' as
// an int and with 'e' as a float, so every form here has one of '.' and 'd'.
void AppendDecimal(std::string_view normalized, std::string* out) {
  Result<Decimal> parsed = Decimal::Parse(normalized);
  assert(parsed.ok());
  if (!parsed.ok() || parsed->is_zero()) {
    out->append("0.");
    return;
  }
  const Decimal& d = *parsed;
  const std::string& digits = d.digits();  // value = 0.digits * 10^e
  const int n = static_cast<int>(digits.size());
  const int e = d.exponent();

  std::string plain;
  if (e >= n) {  // 600 -> "600."
    plain = digits + std::string(static_cast<size_t>(e - n), '0') + ".";
  } else if (e > 0) {  // 1.5
    plain = digits.substr(0, static_cast<size_t>(e)) + "." + digits.substr(static_cast<size_t>(e));
  } else {  // 0.0015
    plain = "0." + std::string(static_cast<size_t>(-e), '0') + digits;
  }
  // One digit before the point: 6d2, 1.5d-7.
  std::string scientific = digits.substr(0, 1);
  if (n > 1) scientific += "." + digits.substr(1);
  scientific += "d" + std::to_string(e - 1);

  if (d.negative()) out->push_back('-');
  out->append(scientific.size() < plain.size() ? scientific : plain);
}

void AppendBlob(std::string_view bytes, std::string* out) {
  out->append("{{");
  wire::AppendBase64(bytes, out);
  out->append("}}");
}

void AppendStruct(const Item& fields, std::string* out);

void AppendValue(const AttributeValue& value, std::string* out) {
  switch (value.type()) {
    case ValueType::kS:
      AppendQuoted(value.scalar(), '"', out);
      break;
    case ValueType::kN:
      AppendDecimal(value.scalar(), out);
      break;
    case ValueType::kB:
      AppendBlob(value.scalar(), out);
      break;
    case ValueType::kBool:
      out->append(value.boolean() ? "true" : "false");
      break;
    case ValueType::kNull:
      out->append("null");
      break;
    case ValueType::kM:
      AppendStruct(value.map(), out);
      break;
    case ValueType::kL: {
      out->push_back('[');
      bool first = true;
      for (const AttributeValue& e : value.list()) {
        if (!first) out->push_back(',');
        first = false;
        AppendValue(e, out);
      }
      out->push_back(']');
      break;
    }
    case ValueType::kSS:
    case ValueType::kNS:
    case ValueType::kBS: {
      out->append("$dynamodb_");
      out->append(TypeName(value.type()));
      out->append("::[");
      bool first = true;
      for (const std::string& e : value.set()) {
        if (!first) out->push_back(',');
        first = false;
        if (value.is(ValueType::kSS)) {
          AppendQuoted(e, '"', out);
        } else if (value.is(ValueType::kNS)) {
          AppendDecimal(e, out);
        } else {
          AppendBlob(e, out);
        }
      }
      out->push_back(']');
      break;
    }
  }
}

void AppendStruct(const Item& fields, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, value] : fields) {
    if (!first) out->push_back(',');
    first = false;
    if (CanBeBareIdentifier(name)) {
      out->append(name);
    } else {
      AppendQuoted(name, '\'', out);
    }
    out->push_back(':');
    AppendValue(value, out);
  }
  out->push_back('}');
}

// ---------------------------------------------------------------------------------------------
// Reading

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsBinaryDigit(char c) { return c == '0' || c == '1'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  return (c | 0x20) - 'a' + 10;
}
bool IsIonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '+' || c == '/' ||
         c == '=';
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// Offset of the first byte that is not well-formed UTF-8 (overlong forms, surrogates and
// code points past U+10FFFF are not), or npos.
size_t FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;  // overlong
      if (b == 0xED) hi = 0x9F;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;  // overlong
      if (b == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return i;
    }
    if (i + len > text.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(text[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// Digits of an unsigned integer in `base` (2 or 16, no underscores, no leading zeros) as
// decimal digits. REQUIRES: few enough digits to stay cheap (the caller bounds them).
std::string ToDecimalDigits(std::string_view digits, int base) {
  std::vector<int> decimal = {0};  // little-endian decimal digits
  for (char c : digits) {
    int carry = HexValue(c);
    for (int& d : decimal) {
      int x = d * base + carry;
      d = x % 10;
      carry = x / 10;
    }
    while (carry > 0) {
      decimal.push_back(carry % 10);
      carry /= 10;
    }
  }
  std::string out;
  for (auto it = decimal.rbegin(); it != decimal.rend(); ++it) {
    out.push_back(static_cast<char>('0' + *it));
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  // The whole line: [$ion_1_0] {Item:{...}} [,]? and nothing else.
  Result<Item> ParseLine() {
    if (size_t bad = FindInvalidUtf8(text_); bad != std::string_view::npos) {
      return Syntax(bad, "invalid UTF-8");
    }
    CIRRUS_RETURN_IF_ERROR(SkipSpace());
    if (AtEnd()) return Syntax(pos_, "empty line, expected $ion_1_0 {Item:{...}}");
    if (IsIdentifierStart(Peek())) {
      size_t at = pos_;
      std::string_view marker = ReadIdentifier();
      if (marker != "$ion_1_0") {
        return Syntax(at, "expected $ion_1_0 or '{', found '" + std::string(marker) + "'");
      }
      CIRRUS_RETURN_IF_ERROR(SkipSpace());
    }
    if (Peek() != '{' || Peek(1) == '{') return Syntax(pos_, "expected {Item:{...}}");
    size_t wrapper = pos_++;
    CIRRUS_RETURN_IF_ERROR(SkipSpace());
    if (Peek() == '}') return Syntax(wrapper, "missing the Item field");
    size_t name_at = pos_;
    CIRRUS_ASSIGN_OR_RETURN(std::string name, ReadFieldName());
    if (name != "Item") {
      return Syntax(name_at, "expected the field Item, found '" + name + "'");
    }
    CIRRUS_RETURN_IF_ERROR(ExpectColon());
    if (Peek() != '{' || Peek(1) == '{') return Syntax(pos_, "Item must be a struct {...}");
    CIRRUS_ASSIGN_OR_RETURN(Item item, ReadStruct(/*level=*/1, /*top_level=*/true));
    CIRRUS_RETURN_IF_ERROR(SkipSpace());
    if (Peek() == ',') {
      ++pos_;
      CIRRUS_RETURN_IF_ERROR(SkipSpace());
    }
    if (Peek() != '}') {
      if (AtEnd()) return Syntax(wrapper, "unterminated {Item:...}, expected '}'");
      return Syntax(pos_, "expected '}' after the Item struct; the wrapper holds only Item");
    }
    ++pos_;
    CIRRUS_RETURN_IF_ERROR(SkipSpace());
    if (!AtEnd()) return Syntax(pos_, "unexpected text after the item");
    return item;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool LooksAt(std::string_view s) const { return text_.substr(pos_).starts_with(s); }

  static Status Error(ErrorKind kind, size_t at, std::string message) {
    return Status(kind, std::move(message) + " (column " + std::to_string(at + 1) + ")");
  }
  static Status Syntax(size_t at, std::string message) {
    return Error(ErrorKind::kSerialization, at, "Invalid Ion: " + std::move(message));
  }
  // A DynamoDB rule, with item_json.cc's wording.
  static Status Invalid(size_t at, std::string detail) {
    return Error(ErrorKind::kValidation, at,
                 "One or more parameter values were invalid: " + std::move(detail));
  }
  // Decimal::Parse's (DynamoDB's) message, located.
  static Status Located(size_t at, const Status& status) {
    return Error(status.kind(), at, status.message());
  }

  // Whitespace, `// line` and `/* block */` comments.
  Status SkipSpace() {
    while (!AtEnd()) {
      if (IsIonSpace(Peek())) {
        ++pos_;
      } else if (LooksAt("//")) {
        while (!AtEnd() && Peek() != '\n' && Peek() != '\r') ++pos_;
      } else if (LooksAt("/*")) {
        size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return Syntax(pos_, "unterminated /* comment");
        pos_ = end + 2;
      } else {
        break;
      }
    }
    return Status();
  }

  // REQUIRES: IsIdentifierStart(Peek()).
  std::string_view ReadIdentifier() {
    size_t start = pos_;
    while (!AtEnd() && IsIdentifierPart(Peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  Status ExpectColon() {
    CIRRUS_RETURN_IF_ERROR(SkipSpace());
    if (Peek() != ':' || Peek(1) == ':') return Syntax(pos_, "expected ':' after the field name");
    ++pos_;
    return SkipSpace();
  }

  // After ws: an identifier, 'quoted symbol', "string" or '''long string'''.
  Result<std::string> ReadFieldName() {
    size_t at = pos_;
    std::string name;
    if (LooksAt("'''")) {
      CIRRUS_RETURN_IF_ERROR(ReadLongStrings(&name));
    } else if (Peek() == '\'' || Peek() == '"') {
      CIRRUS_RETURN_IF_ERROR(ReadShortQuoted(&name));
    } else if (IsIdentifierStart(Peek())) {
      std::string_view id = ReadIdentifier();
      if (id == "null" || id == "true" || id == "false" || id == "nan") {
        return Syntax(at, "the keyword '" + std::string(id) + "' is a field name only in quotes");
      }
      if (id.size() > 1 && id[0] == '$' &&
          id.find_first_not_of("0123456789", 1) == std::string_view::npos) {
        return Syntax(at, "symbol IDs like " + std::string(id) + " are not supported");
      }
      name = id;
    } else if (AtEnd()) {
      return Syntax(at, "the line ends where a field name was expected");
    } else {
      return Syntax(at, "expected a field name");
    }
    return name;
  }

  // After a backslash inside quotes: appends the escaped character.
  Status ReadEscape(std::string* out) {
    size_t at = pos_++;  // the backslash
    if (AtEnd()) return Syntax(at, "unterminated escape");
    char c = text_[pos_++];
    // \a \b \t \n \f \r \v \0, and the characters that escape themselves.
    static constexpr std::string_view kLetters = "abtnfrv0?'\"/\\";
    static constexpr std::string_view kMeanings("\a\b\t\n\f\r\v\0?'\"/\\", 13);
    if (size_t k = kLetters.find(c); k != std::string_view::npos) {
      out->push_back(kMeanings[k]);
      return Status();
    }
    if (c == '\r' || c == '\n') {  // an escaped line break stands for nothing
      if (c == '\r' && Peek() == '\n') ++pos_;
      return Status();
    }
    if (c != 'x' && c != 'u' && c != 'U') {
      if (c <= ' ' || c >= 0x7F) return Syntax(at, "unknown escape");
      return Syntax(at, std::string("unknown escape \\") + c);
    }
    CIRRUS_ASSIGN_OR_RETURN(uint32_t cp, ReadHex(at, c == 'x' ? 2 : c == 'u' ? 4 : 8));
    if (cp >= 0xD800 && cp <= 0xDBFF && c == 'u') {  // high surrogate: a low one must follow
      if (!LooksAt("\\u")) return Syntax(at, "unpaired surrogate in \\u escape");
      pos_ += 2;
      CIRRUS_ASSIGN_OR_RETURN(uint32_t low, ReadHex(at, 4));
      if (low < 0xDC00 || low > 0xDFFF) return Syntax(at, "unpaired surrogate in \\u escape");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return Syntax(at, "escape is not a Unicode scalar value");
    }
    AppendUtf8(cp, out);
    return Status();
  }

  Result<uint32_t> ReadHex(size_t escape_at, int count) {
    uint32_t value = 0;
    for (int i = 0; i < count; ++i) {
      if (!IsHexDigit(Peek())) {
        return Syntax(escape_at, "escape needs " + std::to_string(count) + " hex digits");
      }
      value = value * 16 + static_cast<uint32_t>(HexValue(text_[pos_++]));
    }
    return value;
  }

  // "string" or 'symbol' (escapes alike); appends the text.
  Status ReadShortQuoted(std::string* out) {
    size_t start = pos_;
    char quote = text_[pos_++];
    while (true) {
      if (AtEnd()) {
        return Syntax(start, quote == '"' ? "unterminated string" : "unterminated symbol");
      }
      char c = Peek();
      if (c == quote) {
        ++pos_;
        return Status();
      }
      if (c == '\\') {
        CIRRUS_RETURN_IF_ERROR(ReadEscape(out));
        continue;
      }
      if (c == '\n' || c == '\r') {
        return Syntax(pos_, "raw line break in quotes; write \\n or use a '''long string'''");
      }
      if (static_cast<unsigned char>(c) < 0x20 && !IsIonSpace(c)) {
        return Syntax(pos_, "control character in quotes must be escaped");
      }
      out->push_back(c);
      ++pos_;
    }
  }

  // '''one''' '''or more''' long strings, concatenated; leaves pos_ after trailing space.
  Status ReadLongStrings(std::string* out) {
    while (LooksAt("'''")) {
      size_t start = pos_;
      pos_ += 3;
      while (!LooksAt("'''")) {
        if (AtEnd()) return Syntax(start, "unterminated '''long string'''");
        char c = Peek();
        if (c == '\\') {
          CIRRUS_RETURN_IF_ERROR(ReadEscape(out));
          continue;
        }
        if (static_cast<unsigned char>(c) < 0x20 && !IsIonSpace(c)) {
          return Syntax(pos_, "control character in quotes must be escaped");
        }
        out->push_back(c);
        ++pos_;
      }
      pos_ += 3;
      CIRRUS_RETURN_IF_ERROR(SkipSpace());
    }
    return Status();
  }

  Result<std::string> ReadString() {
    std::string s;
    if (LooksAt("'''")) {
      CIRRUS_RETURN_IF_ERROR(ReadLongStrings(&s));
    } else {
      CIRRUS_RETURN_IF_ERROR(ReadShortQuoted(&s));
    }
    return s;
  }

  // An Ion int, decimal or float, as a normalized DynamoDB number. REQUIRES: at '-' or digit.
  Result<std::string> ReadNumber() {
    size_t at = pos_;
    // The token: up to the next delimiter. Ion numbers need one after them anyway.
    while (!AtEnd() && (IsIdentifierPart(Peek()) || Peek() == '.' || Peek() == '-' ||
                        Peek() == '+' || Peek() == ':')) {
      ++pos_;
    }
    std::string_view token = text_.substr(at, pos_ - at);
    if (token == "-inf") return Syntax(at, "-inf is not a DynamoDB number");
    if (token.size() > 4 &&
        token.substr(0, 4).find_first_not_of("0123456789") == std::string::npos &&
        (token[4] == '-' || token[4] == 'T')) {
      return Syntax(at, "timestamps are not supported");
    }
    auto bad = [&] { return Syntax(at, "malformed number '" + std::string(token) + "'"); };

    // Digits with single underscores between them, copied without the underscores.
    size_t i = 0;
    auto digits = [&](bool (*is_digit)(char), std::string* out) {
      size_t begin = i;
      while (i < token.size() && is_digit(token[i])) {
        out->push_back(token[i++]);
        if (i + 1 < token.size() && token[i] == '_' && is_digit(token[i + 1])) ++i;
      }
      return i > begin;
    };

    std::string text;  // for Decimal::Parse
    if (token[i] == '-') text.push_back(token[i++]);
    if (i == token.size()) return bad();
    char after_zero = token[i] == '0' && i + 1 < token.size() ? token[i + 1] : '\0';
    if (IsDigit(after_zero)) return Syntax(at, "leading zeros are not allowed in Ion numbers");
    if ((after_zero | 0x20) == 'x' || (after_zero | 0x20) == 'b') {
      // 0x1F, 0b101: an int in base 16 or 2.
      bool hex = (after_zero | 0x20) == 'x';
      i += 2;
      std::string raw;
      if (!digits(hex ? IsHexDigit : IsBinaryDigit, &raw) || i != token.size()) return bad();
      raw.erase(0, std::min(raw.find_first_not_of('0'), raw.size()));
      // 16^105 and 2^420 exceed 1e126: larger magnitudes overflow without converting.
      if (raw.size() > static_cast<size_t>(hex ? 105 : 420)) {
        return Located(at, Decimal::Parse("1e999").status());  // DynamoDB's overflow message
      }
      text += ToDecimalDigits(raw, hex ? 16 : 2);
    } else {
      if (token[i] == '0') {
        text.push_back(token[i++]);
      } else if (!digits(IsDigit, &text)) {
        return bad();
      }
      if (i < token.size() && token[i] == '.') {
        text.push_back(token[i++]);
        digits(IsDigit, &text);  // "5." is a decimal
      }
      if (i < token.size() && (token[i] | 0x20) != 'e' && (token[i] | 0x20) != 'd') return bad();
      if (i < token.size()) {
        text.push_back('e');
        ++i;
        if (i < token.size() && (token[i] == '+' || token[i] == '-')) text.push_back(token[i++]);
        size_t exponent_start = i;
        while (i < token.size() && IsDigit(token[i])) text.push_back(token[i++]);
        if (i == exponent_start || i != token.size()) return bad();
      }
    }
    Result<std::string> normalized = NormalizeNumber(text);
    if (!normalized.ok()) return Located(at, normalized.status());
    return std::move(normalized).value();
  }

  // {{ base64 }}, whitespace allowed inside. REQUIRES: at "{{".
  Result<std::string> ReadBlob() {
    size_t at = pos_;
    pos_ += 2;
    std::string base64;
    while (!LooksAt("}}")) {
      char c = Peek();
      if (AtEnd()) return Syntax(at, "unterminated {{blob}}");
      if ((c == '"' || c == '\'') && base64.empty()) return Syntax(at, "clobs are not supported");
      if (IsIonSpace(c)) {
        ++pos_;
      } else if (IsBase64Char(c)) {
        base64.push_back(c);
        ++pos_;
      } else {
        return Syntax(pos_, "unexpected character in {{blob}}, expected base64");
      }
    }
    pos_ += 2;
    std::string bytes;
    if (!wire::DecodeBase64(base64, &bytes)) {
      return Syntax(at, "blob is not padded base64 of the standard alphabet");
    }
    return bytes;
  }

  // After "$dynamodb_XX::" and space: [elements]. `type` is kSS, kNS or kBS.
  Result<AttributeValue> ReadSet(ValueType type, size_t at) {
    std::string_view annotation = type == ValueType::kSS   ? "$dynamodb_SS"
                                  : type == ValueType::kNS ? "$dynamodb_NS"
                                                           : "$dynamodb_BS";
    if (Peek() != '[') {
      return Syntax(pos_, std::string(annotation) + ":: must annotate a list [...]");
    }
    std::vector<std::string> elements;
    CIRRUS_RETURN_IF_ERROR(ReadSequence(']', [&]() -> Status {
      size_t element_at = pos_;
      if (type == ValueType::kSS) {
        if (Peek() != '"' && !LooksAt("'''")) {
          return Syntax(element_at, std::string(annotation) + " elements must be strings");
        }
        CIRRUS_ASSIGN_OR_RETURN(std::string s, ReadString());
        elements.push_back(std::move(s));
      } else if (type == ValueType::kNS) {
        if (Peek() != '-' && !IsDigit(Peek())) {
          return Syntax(element_at, std::string(annotation) + " elements must be numbers");
        }
        CIRRUS_ASSIGN_OR_RETURN(std::string n, ReadNumber());
        elements.push_back(std::move(n));
      } else {
        if (!LooksAt("{{")) {
          return Syntax(element_at, std::string(annotation) + " elements must be {{blobs}}");
        }
        CIRRUS_ASSIGN_OR_RETURN(std::string b, ReadBlob());
        elements.push_back(std::move(b));
      }
      return Status();
    }));
    // Messages as server/wire/item_json.cc words them.
    if (elements.empty()) {
      if (type == ValueType::kSS) return Invalid(at, "An string set  may not be empty");
      if (type == ValueType::kNS) return Invalid(at, "An number set  may not be empty");
      return Invalid(at, "Binary sets should not be empty");
    }
    std::unordered_set<std::string_view> seen;
    for (const std::string& e : elements) {
      if (seen.insert(e).second) continue;
      if (type == ValueType::kSS) {
        std::string listed;
        for (const std::string& s : elements) {
          if (!listed.empty()) listed += ", ";
          listed += s;
        }
        return Invalid(at, "Input collection [" + listed + "] contains duplicates.");
      }
      return Invalid(at, "Input collection contains duplicates");
    }
    if (type == ValueType::kSS) return AttributeValue::StringSet(std::move(elements));
    if (type == ValueType::kNS) return AttributeValue::NumberSet(std::move(elements));
    return AttributeValue::BinarySet(std::move(elements));
  }

  // At the opening bracket: calls `element` at each element (after space) until `close`.
  // Commas separate elements; one trailing comma is allowed.
  template <typename F>
  Status ReadSequence(char close, F element) {
    size_t open_at = pos_++;
    CIRRUS_RETURN_IF_ERROR(SkipSpace());
    while (Peek() != close) {
      if (AtEnd()) return Syntax(open_at, std::string("unterminated, expected '") + close + "'");
      CIRRUS_RETURN_IF_ERROR(element());
      CIRRUS_RETURN_IF_ERROR(SkipSpace());
      if (Peek() == ',') {
        ++pos_;
        CIRRUS_RETURN_IF_ERROR(SkipSpace());
        if (Peek() == ',') return Syntax(pos_, "two commas in a row");
      } else if (Peek() != close) {
        if (AtEnd()) return Syntax(open_at, std::string("unterminated, expected '") + close + "'");
        return Syntax(pos_, std::string("expected ',' or '") + close + "'");
      }
    }
    ++pos_;
    return Status();
  }

  // {name: value, ...}, at the '{'. Field values sit at `level`.
  Result<Item> ReadStruct(int level, bool top_level) {
    Item fields;
    CIRRUS_RETURN_IF_ERROR(ReadSequence('}', [&]() -> Status {
      size_t name_at = pos_;
      CIRRUS_ASSIGN_OR_RETURN(std::string name, ReadFieldName());
      if (top_level && name.empty()) return Invalid(name_at, "An attribute name cannot be empty");
      if (name.size() > kMaxAttributeNameBytes) {
        return Invalid(name_at, "Attribute name exceeds the maximum allowed length of 65535 bytes");
      }
      if (fields.contains(name)) {
        return Invalid(name_at, "Duplicate field name '" + name + "' in an Ion struct");
      }
      CIRRUS_RETURN_IF_ERROR(ExpectColon());
      CIRRUS_ASSIGN_OR_RETURN(AttributeValue value, ReadValue(level));
      fields.emplace(std::move(name), std::move(value));
      return Status();
    }));
    return fields;
  }

  // One value after space. `level`: 1 for a top-level attribute's value; a map or list may
  // sit at levels 1..31 (as item_json.cc counts).
  Result<AttributeValue> ReadValue(int level) {
    size_t at = pos_;
    char c = Peek();
    if (AtEnd()) return Syntax(at, "the line ends where a value was expected");
    if (LooksAt("{{")) {
      CIRRUS_ASSIGN_OR_RETURN(std::string bytes, ReadBlob());
      return AttributeValue::Binary(std::move(bytes));
    }
    if (c == '{' || c == '[') {
      if (level >= kMaxNestingDepth) {
        return Error(ErrorKind::kValidation, at,
                     "Nesting Levels have exceeded supported limits: Attributes in the item have "
                     "nested levels beyond supported limit");
      }
      if (c == '{') {
        CIRRUS_ASSIGN_OR_RETURN(Item map, ReadStruct(level + 1, /*top_level=*/false));
        return AttributeValue::Map(std::move(map));
      }
      std::vector<AttributeValue> list;
      CIRRUS_RETURN_IF_ERROR(ReadSequence(']', [&]() -> Status {
        CIRRUS_ASSIGN_OR_RETURN(AttributeValue v, ReadValue(level + 1));
        list.push_back(std::move(v));
        return Status();
      }));
      return AttributeValue::List(std::move(list));
    }
    if (c == '(') return Syntax(at, "s-expressions (...) are not supported");
    if (c == '"' || LooksAt("'''")) {
      CIRRUS_ASSIGN_OR_RETURN(std::string s, ReadString());
      return AttributeValue::String(std::move(s));
    }
    if (c == '-' || IsDigit(c)) {
      CIRRUS_ASSIGN_OR_RETURN(std::string n, ReadNumber());
      return AttributeValue::NumberFromNormalized(std::move(n));
    }
    if (LooksAt("+inf")) return Syntax(at, "+inf is not a DynamoDB number");
    if (c == '\'' || IsIdentifierStart(c)) {
      // A symbol: an annotation if "::" follows, else a keyword or a symbol value.
      std::string symbol;
      bool quoted = c == '\'';
      if (quoted) {
        CIRRUS_RETURN_IF_ERROR(ReadShortQuoted(&symbol));
      } else {
        symbol = ReadIdentifier();
      }
      size_t after = pos_;
      CIRRUS_RETURN_IF_ERROR(SkipSpace());
      if (LooksAt("::")) {
        pos_ += 2;
        CIRRUS_RETURN_IF_ERROR(SkipSpace());
        if (symbol == "$dynamodb_SS") return ReadSet(ValueType::kSS, at);
        if (symbol == "$dynamodb_NS") return ReadSet(ValueType::kNS, at);
        if (symbol == "$dynamodb_BS") return ReadSet(ValueType::kBS, at);
        return Syntax(at, "unknown annotation '" + symbol + "'");
      }
      pos_ = after;
      if (!quoted) {
        if (symbol == "true" || symbol == "false") return AttributeValue::Bool(symbol == "true");
        if (symbol == "null") {
          if (Peek() == '.') {
            ++pos_;
            std::string_view type = IsIdentifierStart(Peek()) ? ReadIdentifier() : "";
            static constexpr std::string_view kTypes[] = {
                "null",   "bool", "int",  "float", "decimal", "timestamp", "symbol",
                "string", "clob", "blob", "list",  "sexp",    "struct"};
            if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
              return Syntax(at, "unknown typed null null." + std::string(type));
            }
          }
          return AttributeValue::Null();
        }
        if (symbol == "nan") return Syntax(at, "nan is not a DynamoDB number");
      }
      return Syntax(at, "symbol values like " + std::string(quoted ? "'" : "") + symbol +
                            (quoted ? "'" : "") + " are not supported; strings are \"quoted\"");
    }
    if (c > ' ' && c < 0x7F) {
      return Syntax(at, std::string("unexpected character '") + c + "' where a value was expected");
    }
    return Syntax(at, "unexpected character where a value was expected");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

void AppendIonItemLine(const Item& item, std::string* out) {
  out->append("$ion_1_0 {Item:");
  AppendStruct(item, out);
  out->push_back('}');
}

Result<Item> ParseIonItemLine(std::string_view line) { return Parser(line).ParseLine(); }

}  // namespace cirrus::tools
