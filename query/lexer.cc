#include "query/lexer.h"

#include <algorithm>
#include <cctype>

#include "query/reserved_words.h"

namespace cirrus::query {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool Token::IsKeyword(std::string_view keyword) const {
  if (type != Type::kName || text.size() != keyword.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != keyword[i]) return false;
  }
  return true;
}

Result<std::vector<Token>> Tokenize(std::string_view text, ExpressionKind kind) {
  std::vector<Token> tokens;
  tokens.reserve(text.size() / 3 + 2);
  size_t i = 0;
  auto add = [&](Token::Type type, size_t start) {
    tokens.push_back(Token{type, text.substr(start, i - start), start});
  };
  while (i < text.size()) {
    char c = text[i];
    size_t start = i;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (IsNameStart(c)) {
      while (i < text.size() && IsNameChar(text[i])) ++i;
      add(Token::Type::kName, start);
    } else if (c == '#' || c == ':') {
      ++i;
      while (i < text.size() && IsNameChar(text[i])) ++i;
      if (i == start + 1) {
        return ValidationError("Invalid " + std::string(ExpressionKindName(kind)) +
                               ": Syntax error; token: \"" + std::string(1, c) + "\", near: \"" +
                               std::string(text.substr(start, 2)) + "\"");
      }
      add(c == '#' ? Token::Type::kNamePlaceholder : Token::Type::kValuePlaceholder, start);
    } else if (IsDigit(c)) {
      while (i < text.size() && IsDigit(text[i])) ++i;
      add(Token::Type::kNumber, start);
    } else if ((c == '<' || c == '>') && i + 1 < text.size() &&
               (text[i + 1] == '=' || (c == '<' && text[i + 1] == '>'))) {
      i += 2;
      add(Token::Type::kPunct, start);
    } else {
      // Punctuation, and any other character as a token of its own: one the grammar has no
      // place for ('_', '!', '@') is a syntax error at its place, with DynamoDB's "near"
      // context (conformance fact E5). A multi-byte UTF-8 character stays whole.
      ++i;
      if (static_cast<unsigned char>(c) >= 0x80) {
        while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
      }
      add(Token::Type::kPunct, start);
    }
  }
  tokens.push_back(Token{Token::Type::kEnd, {}, text.size()});
  return tokens;
}

Status TokenStream::Error(std::string_view detail) const {
  return ValidationError("Invalid " + std::string(ExpressionKindName(kind_)) + ": " +
                         std::string(detail));
}

Status TokenStream::SyntaxError() const {
  const Token& t = Peek();
  // "near": the previous token through the next one, as DynamoDB quotes it.
  size_t begin = pos_ > 0 ? tokens_[pos_ - 1].offset : t.offset;
  const Token& after = Peek(t.type == Token::Type::kEnd ? 0 : 1);
  size_t end = after.type == Token::Type::kEnd ? text_.size() : after.offset + after.text.size();
  std::string near(text_.substr(begin, end - begin));
  if (t.type == Token::Type::kEnd) {
    return Error("Syntax error; token: \"<EOF>\", near: \"" + near + "\"");
  }
  return Error("Syntax error; token: \"" + std::string(t.text) + "\", near: \"" + near + "\"");
}

Status TokenStream::CountOperator() {
  if (++operators_ > kMaxOperators) {
    return Error("The expression contains too many operators; operator count: " +
                 std::to_string(operators_));
  }
  return Status();
}

Status TokenStream::Enter() {
  if (++depth_ > kMaxNesting) {
    --depth_;
    return Error("The expression is nested too deeply; nesting levels: " +
                 std::to_string(kMaxNesting + 1));
  }
  return Status();
}

Operand TokenStream::ParseValue() {
  std::string_view placeholder = Next().text;
  Operand operand;
  operand.kind = Operand::Kind::kValue;
  auto it = std::find(use_.values.begin(), use_.values.end(), placeholder);
  operand.slot = static_cast<uint32_t>(it - use_.values.begin());
  if (it == use_.values.end()) use_.values.emplace_back(placeholder);
  return operand;
}

Result<TokenStream> OpenExpression(std::string_view text, ExpressionKind kind) {
  if (text.size() > kMaxExpressionBytes) {
    return ValidationError("Invalid " + std::string(ExpressionKindName(kind)) +
                           ": Expression size has exceeded the maximum allowed size; expression "
                           "size: " + std::to_string(text.size()));
  }
  CIRRUS_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text, kind));
  if (tokens.size() == 1) {
    return ValidationError("Invalid " + std::string(ExpressionKindName(kind)) +
                           ": The expression can not be empty;");
  }
  return TokenStream(text, std::move(tokens), kind);
}

std::string PathForMessage(const Path& path) {
  std::string out = "[";
  for (size_t i = 0; i < path.steps.size(); ++i) {
    if (i) out += ", ";
    out += path.steps[i].is_index ? "[" + std::to_string(path.steps[i].index) + "]"
                                  : path.steps[i].name;
  }
  return out + "]";
}

Result<Path> TokenStream::ParsePath(Placeholders& placeholders) {
  Path path;
  auto parse_name = [&]() -> Status {
    const Token& t = Peek();
    if (t.type == Token::Type::kName) {
      if (IsReservedWord(t.text)) {
        return Error("Attribute name is a reserved keyword; reserved keyword: " +
                     std::string(t.text));
      }
      path.steps.push_back(PathStep{std::string(t.text), 0, false});
    } else if (t.type == Token::Type::kNamePlaceholder) {
      const std::string* name = placeholders.Name(t.text);
      if (name && std::find(use_.names.begin(), use_.names.end(), t.text) == use_.names.end()) {
        use_.names.emplace_back(t.text);
      }
      if (!name) {
        return Error(
            "An expression attribute name used in the document path is not defined; attribute "
            "name: " +
            std::string(t.text));
      }
      path.steps.push_back(PathStep{*name, 0, false});
    } else {
      return SyntaxError();
    }
    Next();
    return Status();
  };
  CIRRUS_RETURN_IF_ERROR(parse_name());
  for (;;) {
    if (Accept(".")) {
      CIRRUS_RETURN_IF_ERROR(parse_name());
    } else if (Peek().Is("[")) {
      Next();
      const Token& t = Peek();
      if (t.type != Token::Type::kNumber) return SyntaxError();
      if (t.text.size() > 9) {
        return Error("List index is out of range; index: " + std::string(t.text));
      }
      path.steps.push_back(PathStep{{}, static_cast<uint32_t>(std::stoul(std::string(t.text))), true});
      Next();
      if (!Accept("]")) return SyntaxError();
    } else {
      break;
    }
  }
  if (path.steps.size() > kMaxPathDepth) {
    return Error("The document path has too many nesting levels; nesting levels: " +
                 std::to_string(path.steps.size()));
  }
  return path;
}

}  // namespace cirrus::query
