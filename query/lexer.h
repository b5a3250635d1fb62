#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db/item/status.h"
#include "query/expression.h"

namespace cirrus::query {

// Tokens of the expression language:
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.html and ReservedWords.html.
struct Token {
  enum class Type : uint8_t {
    kName,         // a bare attribute name or keyword: [A-Za-z][A-Za-z0-9_]*
    kNamePlaceholder,   // #name
    kValuePlaceholder,  // :value
    kNumber,       // digits, only meaningful inside [ ]
    kPunct,        // = <> < <= > >= ( ) [ ] , . + -, and any other character (a syntax error)
    kEnd,
  };
  Type type = Type::kEnd;
  std::string_view text;  // into the expression
  size_t offset = 0;

  bool Is(std::string_view punct) const { return type == Type::kPunct && text == punct; }
  // Case-insensitive keyword match (AND, OR, NOT, BETWEEN, IN, SET, REMOVE, ADD, DELETE).
  bool IsKeyword(std::string_view keyword) const;
};

// Splits `text` into tokens ending with kEnd. A character outside the language is a token of
// its own, which the parser reports as a syntax error at its place.
Result<std::vector<Token>> Tokenize(std::string_view text, ExpressionKind kind);

// A cursor over tokens with DynamoDB-style error messages.
class TokenStream {
 public:
  TokenStream(std::string_view text, std::vector<Token> tokens, ExpressionKind kind)
      : text_(text), tokens_(std::move(tokens)), kind_(kind) {}

  const Token& Peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool AtEnd() const { return Peek().type == Token::Type::kEnd; }
  // Backtracking: where the stream is, and going back there.
  size_t position() const { return pos_; }
  void Rewind(size_t position) { pos_ = position; }
  bool Accept(std::string_view punct) {
    if (!Peek().Is(punct)) return false;
    Next();
    return true;
  }
  bool AcceptKeyword(std::string_view keyword) {
    if (!Peek().IsKeyword(keyword)) return false;
    Next();
    return true;
  }

  ExpressionKind kind() const { return kind_; }
  // "Invalid <Kind>Expression: <detail>"
  Status Error(std::string_view detail) const;
  // "Invalid <Kind>Expression: Syntax error; token: \"x\", near: \"w x y\"" at the next token.
  Status SyntaxError() const;

  // path := (NAME | #name) ( '.' (NAME | #name) | '[' DIGITS ']' )*
  Result<Path> ParsePath(Placeholders& placeholders);
  // :value as a slot of this expression. REQUIRES: Peek() is a value placeholder.
  Operand ParseValue();

  // The placeholders parsed so far.
  PlaceholderUse TakeUse() { return std::move(use_); }

  // Operators and functions seen so far; the parse fails past kMaxOperators.
  Status CountOperator();

  // Recursive descent depth (parentheses, NOT, nested functions), bounded so that no input
  // exhausts the stack: Enter fails past kMaxNesting; every Enter that succeeded is paired
  // with a Leave. DynamoDB itself limits only size (4 KB) and operators (300), and accepts
  // 149 nested parenthesized ORs; 300 levels is more than 300 operators can nest.
  static constexpr int kMaxNesting = 300;
  Status Enter();
  void Leave() { --depth_; }

 private:
  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  ExpressionKind kind_;
  size_t operators_ = 0;
  int depth_ = 0;
  PlaceholderUse use_;
};

// Tokenizes an expression with DynamoDB's checks of the text itself (4 KB at most, not
// empty) before any grammar: the common start of every expression parser.
Result<TokenStream> OpenExpression(std::string_view text, ExpressionKind kind);

// "[a, b, [3]]": a path as DynamoDB prints it in overlap/conflict messages.
std::string PathForMessage(const Path& path);

}  // namespace cirrus::query
