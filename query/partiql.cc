#include "query/partiql.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "db/item/decimal.h"

namespace cirrus::query {
namespace {

// Nesting of parentheses and NOT: deep enough for any real statement, shallow enough that
// recursion cannot exhaust the stack. Literal documents nest as deep as an item may (32).
constexpr int kMaxDepth = 64;
constexpr int kMaxValueDepth = 32;
// Values in one IN list (DynamoDB: 100; 50 on a partition key, checked where keys are known).
constexpr size_t kMaxInValues = 100;

struct Token {
  enum class Kind : uint8_t { kEnd, kWord, kQuoted, kString, kNumber, kPunct };
  Kind kind = Kind::kEnd;
  std::string text;  // kWord as written; kQuoted, kString unescaped; kPunct the symbol
  size_t offset = 0;
};

Status Malformed(std::string_view text, size_t offset, std::string detail) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return ValidationError("Statement wasn't well formed, can't be processed: " + detail +
                         " at line " + std::to_string(line) + ", column " + std::to_string(column));
}

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    Token t;
    t.offset = i;
    if (i >= s.size()) {
      out.push_back(t);
      return out;
    }
    char c = s[i];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      t.kind = Token::Kind::kWord;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else if (c == '"' || c == '\'') {
      // "identifier" or 'string'; the quote doubled stands for itself.
      std::string text;
      size_t j = i + 1;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == c) {
          if (j + 1 < s.size() && s[j + 1] == c) {
            text.push_back(c);
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        text.push_back(s[j++]);
      }
      if (!closed) return Malformed(s, i, "Unterminated quoted text");
      t.kind = c == '"' ? Token::Kind::kQuoted : Token::Kind::kString;
      t.text = std::move(text);
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
          j = k;
          while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
        }
      }
      t.kind = Token::Kind::kNumber;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else {
      static constexpr std::string_view kTwo[] = {"<>", "!=", "<=", ">=", "<<", ">>"};
      t.kind = Token::Kind::kPunct;
      for (std::string_view two : kTwo) {
        if (s.substr(i, 2) == two) t.text = std::string(two);
      }
      if (t.text.empty()) {
        static constexpr std::string_view kOne = "()[]{},.:*?=<>+-";
        if (kOne.find(c) == std::string_view::npos) {
          return Malformed(s, i, "Unexpected character '" + std::string(1, c) + "'");
        }
        t.text = std::string(1, c);
      }
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

using Op = PartiqlStatement::Conjunct::Op;

// An operand of a condition, as expression text, and what it is.
struct Term {
  std::string text;
  enum class Kind : uint8_t { kPath, kValue, kSize } kind = Kind::kPath;
  std::string attribute;      // kPath: the top-level attribute
  std::string attribute_ref;  // kPath: its #nK
  bool nested = false;        // kPath: more than the attribute
};

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  Result<PartiqlStatement> Statement() {
    if (AcceptWord("SELECT")) {
      CIRRUS_RETURN_IF_ERROR(Select());
    } else if (AcceptWord("INSERT")) {
      CIRRUS_RETURN_IF_ERROR(Insert());
    } else if (AcceptWord("UPDATE")) {
      CIRRUS_RETURN_IF_ERROR(Update());
    } else if (AcceptWord("DELETE")) {
      CIRRUS_RETURN_IF_ERROR(Delete());
    } else if (AcceptWord("EXISTS")) {
      CIRRUS_RETURN_IF_ERROR(Exists());
    } else {
      return Error("Expected data manipulation");
    }
    if (Peek().kind != Token::Kind::kEnd) return Error("Unexpected " + Describe(Peek()));
    out_.parameter_count = parameters_;
    return std::move(out_);
  }

 private:
  // --- tokens
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool IsWord(std::string_view word, size_t ahead = 0) const {
    return Peek(ahead).kind == Token::Kind::kWord && IEquals(Peek(ahead).text, word);
  }
  bool IsPunct(std::string_view p, size_t ahead = 0) const {
    return Peek(ahead).kind == Token::Kind::kPunct && Peek(ahead).text == p;
  }
  bool AcceptWord(std::string_view word) {
    if (!IsWord(word)) return false;
    Next();
    return true;
  }
  bool AcceptPunct(std::string_view p) {
    if (!IsPunct(p)) return false;
    Next();
    return true;
  }
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Token::Kind::kEnd: return "end of statement";
      case Token::Kind::kString: return "string '" + t.text + "'";
      case Token::Kind::kQuoted: return "identifier \"" + t.text + "\"";
      default: return "token '" + t.text + "'";
    }
  }
  Status Error(std::string detail) const { return Malformed(text_, Peek().offset, std::move(detail)); }
  Status ExpectWord(std::string_view word) {
    if (AcceptWord(word)) return Status();
    return Error("Expected " + std::string(word) + ", found " + Describe(Peek()));
  }
  Status ExpectPunct(std::string_view p) {
    if (AcceptPunct(p)) return Status();
    return Error("Expected '" + std::string(p) + "', found " + Describe(Peek()));
  }
  Status Deeper() {
    if (++depth_ > kMaxDepth) return Error("The statement is nested too deeply");
    return Status();
  }

  // --- placeholders
  std::string NameRef(const std::string& name) {
    for (size_t i = 0; i < out_.names.size(); ++i) {
      if (out_.names[i] == name) return "#n" + std::to_string(i);
    }
    out_.names.push_back(name);
    return "#n" + std::to_string(out_.names.size() - 1);
  }
  std::string ValueRef(PartiqlValue v) {
    out_.values.push_back(std::move(v));
    return ":v" + std::to_string(out_.values.size() - 1);
  }

  // --- names and paths
  Result<std::string> Identifier() {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kQuoted || t.kind == Token::Kind::kWord) {
      if (t.text.empty()) return Error("Empty identifier");
      return Next().text;
    }
    return Error("Expected an identifier, found " + Describe(t));
  }

  Status Target() {
    CIRRUS_ASSIGN_OR_RETURN(out_.table, Identifier());
    if (AcceptPunct(".")) {
      CIRRUS_ASSIGN_OR_RETURN(std::string index, Identifier());
      out_.index = std::move(index);
    }
    return Status();
  }

  // name ("." name | "[" integer "]")*
  Result<Term> PathTerm() {
    Term term;
    CIRRUS_ASSIGN_OR_RETURN(term.attribute, Identifier());
    term.attribute_ref = NameRef(term.attribute);
    term.text = term.attribute_ref;
    while (true) {
      if (IsPunct(".") && (Peek(1).kind == Token::Kind::kWord || Peek(1).kind == Token::Kind::kQuoted)) {
        Next();
        CIRRUS_ASSIGN_OR_RETURN(std::string name, Identifier());
        term.text += "." + NameRef(name);
      } else if (AcceptPunct("[")) {
        if (Peek().kind != Token::Kind::kNumber ||
            !std::all_of(Peek().text.begin(), Peek().text.end(), ::isdigit)) {
          return Error("Expected a list index, found " + Describe(Peek()));
        }
        term.text += "[" + Next().text + "]";
        CIRRUS_RETURN_IF_ERROR(ExpectPunct("]"));
      } else {
        break;
      }
      term.nested = true;
    }
    return term;
  }

  // --- values
  bool AtValue() const {
    const Token& t = Peek();
    return t.kind == Token::Kind::kString || t.kind == Token::Kind::kNumber || IsPunct("?") ||
           IsPunct("[") || IsPunct("{") || IsPunct("<<") || IsPunct("-") || IsWord("TRUE") ||
           IsWord("FALSE") || IsWord("NULL");
  }

  Result<PartiqlValue> Value() {
    CIRRUS_RETURN_IF_ERROR(Deeper());
    if (++value_depth_ > kMaxValueDepth) return Error("A value is nested more than 32 levels deep");
    PartiqlValue v;
    const Token& t = Peek();
    if (t.kind == Token::Kind::kString) {
      v.literal = AttributeValue::String(Next().text);
    } else if (t.kind == Token::Kind::kNumber || IsPunct("-")) {
      std::string number = AcceptPunct("-") ? "-" : "";
      if (Peek().kind != Token::Kind::kNumber) return Error("Expected a number, found " + Describe(Peek()));
      number += Next().text;
      Result<Decimal> d = Decimal::Parse(number);
      if (!d.ok()) return ValidationError(d.status().message());
      v.literal = AttributeValue::Number(*d);
    } else if (AcceptPunct("?")) {
      v.kind = PartiqlValue::Kind::kParameter;
      v.parameter = parameters_++;
    } else if (AcceptWord("TRUE") || AcceptWord("FALSE")) {
      v.literal = AttributeValue::Bool(IEquals(tokens_[pos_ - 1].text, "TRUE"));
    } else if (AcceptWord("NULL")) {
      v.literal = AttributeValue::Null();
    } else if (IsPunct("[") || IsPunct("<<")) {
      const bool set = IsPunct("<<");
      Next();
      v.kind = set ? PartiqlValue::Kind::kSet : PartiqlValue::Kind::kList;
      const std::string close = set ? ">>" : "]";
      if (!AcceptPunct(close)) {
        do {
          CIRRUS_ASSIGN_OR_RETURN(PartiqlValue e, Value());
          v.elements.push_back(std::move(e));
        } while (AcceptPunct(","));
        CIRRUS_RETURN_IF_ERROR(ExpectPunct(close));
      }
    } else if (AcceptPunct("{")) {
      v.kind = PartiqlValue::Kind::kMap;
      if (!AcceptPunct("}")) {
        do {
          if (Peek().kind != Token::Kind::kString && Peek().kind != Token::Kind::kQuoted) {
            return Error("Expected a quoted attribute name, found " + Describe(Peek()));
          }
          std::string name = Next().text;
          CIRRUS_RETURN_IF_ERROR(ExpectPunct(":"));
          CIRRUS_ASSIGN_OR_RETURN(PartiqlValue e, Value());
          if (std::find(v.keys.begin(), v.keys.end(), name) != v.keys.end()) {
            return Error("Duplicate attribute name '" + name + "'");
          }
          v.keys.push_back(std::move(name));
          v.elements.push_back(std::move(e));
        } while (AcceptPunct(","));
        CIRRUS_RETURN_IF_ERROR(ExpectPunct("}"));
      }
    } else {
      return Error("Expected a value, found " + Describe(t));
    }
    --depth_;
    --value_depth_;
    return v;
  }

  // path | value | size(path)
  Result<Term> Operand() {
    if (AtValue()) {
      CIRRUS_ASSIGN_OR_RETURN(PartiqlValue v, Value());
      Term term;
      term.kind = Term::Kind::kValue;
      term.text = ValueRef(std::move(v));
      return term;
    }
    if (IsWord("SIZE") && IsPunct("(", 1)) {
      Next();
      Next();
      CIRRUS_ASSIGN_OR_RETURN(Term path, PathTerm());
      CIRRUS_RETURN_IF_ERROR(ExpectPunct(")"));
      path.kind = Term::Kind::kSize;
      path.text = "size(" + path.text + ")";
      return path;
    }
    return PathTerm();
  }

  // --- conditions
  using Conjunct = PartiqlStatement::Conjunct;

  void Reads(const Term& t, Conjunct* c) {
    if (t.kind != Term::Kind::kValue &&
        std::find(c->names.begin(), c->names.end(), t.attribute) == c->names.end()) {
      c->names.push_back(t.attribute);
    }
  }

  // cond := and (OR and)*; the top-level ANDs become the statement's conjuncts.
  Status Where() {
    std::vector<Conjunct> conjuncts;
    CIRRUS_RETURN_IF_ERROR(Or(&conjuncts));
    out_.where = std::move(conjuncts);
    return Status();
  }

  // Parses an OR of ANDs. When it has no OR, *conjuncts gets each AND operand; otherwise one
  // conjunct for the whole.
  Status Or(std::vector<Conjunct>* conjuncts) {
    CIRRUS_RETURN_IF_ERROR(Deeper());
    std::vector<Conjunct> first;
    CIRRUS_RETURN_IF_ERROR(And(&first));
    if (!IsWord("OR")) {
      *conjuncts = std::move(first);
      --depth_;
      return Status();
    }
    Conjunct all = Joined(first);
    while (AcceptWord("OR")) {
      std::vector<Conjunct> next;
      CIRRUS_RETURN_IF_ERROR(And(&next));
      Conjunct right = Joined(next);
      all.text = all.text + " OR " + right.text;
      for (const std::string& n : right.names) {
        if (std::find(all.names.begin(), all.names.end(), n) == all.names.end()) all.names.push_back(n);
      }
    }
    all.text = "(" + all.text + ")";
    all.op = Op::kOther;  // an OR is no key condition
    all.attribute.clear();
    all.operands.clear();
    conjuncts->push_back(std::move(all));
    --depth_;
    return Status();
  }

  static Conjunct Joined(const std::vector<Conjunct>& parts) {
    Conjunct c;
    for (const Conjunct& p : parts) {
      c.text += (c.text.empty() ? "" : " AND ") + p.text;
      for (const std::string& n : p.names) {
        if (std::find(c.names.begin(), c.names.end(), n) == c.names.end()) c.names.push_back(n);
      }
    }
    if (parts.size() > 1) c.text = "(" + c.text + ")";
    if (parts.size() == 1) c = parts[0];
    return c;
  }

  Status And(std::vector<Conjunct>* conjuncts) {
    do {
      CIRRUS_RETURN_IF_ERROR(Not(conjuncts));
    } while (AcceptWord("AND"));
    return Status();
  }

  Status Not(std::vector<Conjunct>* conjuncts) {
    if (!AcceptWord("NOT")) return Predicate(conjuncts);
    CIRRUS_RETURN_IF_ERROR(Deeper());
    std::vector<Conjunct> inner;
    CIRRUS_RETURN_IF_ERROR(Not(&inner));
    Conjunct c = Joined(inner);
    c.text = "NOT " + c.text;
    c.op = Op::kOther;
    c.attribute.clear();
    c.operands.clear();
    conjuncts->push_back(std::move(c));
    --depth_;
    return Status();
  }

  Status Predicate(std::vector<Conjunct>* conjuncts) {
    if (IsPunct("(")) {
      Next();
      std::vector<Conjunct> inner;
      CIRRUS_RETURN_IF_ERROR(Or(&inner));
      CIRRUS_RETURN_IF_ERROR(ExpectPunct(")"));
      // (a AND b) is a AND b; an OR stays one parenthesised conjunct.
      for (Conjunct& c : inner) conjuncts->push_back(std::move(c));
      return Status();
    }
    Conjunct c;
    // Functions that are conditions.
    for (std::string_view f : {"begins_with", "contains", "attribute_type", "attribute_exists",
                               "attribute_not_exists"}) {
      if (IsWord(f) && IsPunct("(", 1)) {
        Next();
        Next();
        CIRRUS_ASSIGN_OR_RETURN(Term path, PathTerm());
        Reads(path, &c);
        c.text = std::string(f) + "(" + path.text;
        std::vector<std::string> values;
        if (f == "begins_with" || f == "contains" || f == "attribute_type") {
          CIRRUS_RETURN_IF_ERROR(ExpectPunct(","));
          CIRRUS_ASSIGN_OR_RETURN(Term value, Operand());
          Reads(value, &c);
          c.text += ", " + value.text;
          if (value.kind == Term::Kind::kValue) values.push_back(value.text);
        }
        CIRRUS_RETURN_IF_ERROR(ExpectPunct(")"));
        c.text += ")";
        if (f == "begins_with" && !path.nested && values.size() == 1) {
          c.op = Op::kBeginsWith;
          c.attribute = path.attribute;
          c.attribute_ref = path.attribute_ref;
          c.operands = values;
        }
        conjuncts->push_back(std::move(c));
        return Status();
      }
    }
    CIRRUS_ASSIGN_OR_RETURN(Term left, Operand());
    Reads(left, &c);
    auto simple = [&](const Term& path, Op op, std::vector<std::string> operands) {
      if (path.kind == Term::Kind::kPath && !path.nested) {
        c.attribute = path.attribute;
        c.attribute_ref = path.attribute_ref;
        c.op = op;
        c.operands = std::move(operands);
      }
    };
    if (AcceptWord("IS")) {
      const bool negated = AcceptWord("NOT");
      if (left.kind != Term::Kind::kPath) return Error("IS needs an attribute path");
      if (AcceptWord("MISSING")) {
        c.text = std::string(negated ? "attribute_exists(" : "attribute_not_exists(") + left.text + ")";
      } else if (AcceptWord("NULL")) {
        PartiqlValue type;
        type.literal = AttributeValue::String("NULL");
        c.text = std::string(negated ? "NOT " : "") + "attribute_type(" + left.text + ", " +
                 ValueRef(std::move(type)) + ")";
      } else {
        return Error("Expected MISSING or NULL, found " + Describe(Peek()));
      }
    } else if (AcceptWord("BETWEEN")) {
      CIRRUS_ASSIGN_OR_RETURN(Term low, Operand());
      CIRRUS_RETURN_IF_ERROR(ExpectWord("AND"));
      CIRRUS_ASSIGN_OR_RETURN(Term high, Operand());
      Reads(low, &c);
      Reads(high, &c);
      c.text = left.text + " BETWEEN " + low.text + " AND " + high.text;
      if (low.kind == Term::Kind::kValue && high.kind == Term::Kind::kValue) {
        simple(left, Op::kBetween, {low.text, high.text});
      }
    } else if (AcceptWord("IN")) {
      const bool bracket = IsPunct("[");
      if (!bracket && !IsPunct("(")) return Error("Expected '[' or '(' after IN, found " + Describe(Peek()));
      Next();
      std::vector<std::string> operands;
      bool all_values = true;
      do {
        CIRRUS_ASSIGN_OR_RETURN(Term e, Operand());
        Reads(e, &c);
        all_values = all_values && e.kind == Term::Kind::kValue;
        operands.push_back(e.text);
      } while (AcceptPunct(","));
      CIRRUS_RETURN_IF_ERROR(ExpectPunct(bracket ? "]" : ")"));
      if (operands.size() > kMaxInValues) {
        return Error("IN takes at most " + std::to_string(kMaxInValues) + " values");
      }
      c.text = left.text + " IN (";
      for (size_t i = 0; i < operands.size(); ++i) c.text += (i ? ", " : "") + operands[i];
      c.text += ")";
      if (all_values) simple(left, Op::kIn, operands);
    } else {
      static const std::pair<std::string_view, Op> kComparators[] = {
          {"=", Op::kEq}, {"<>", Op::kOther}, {"!=", Op::kOther}, {"<", Op::kLt},
          {"<=", Op::kLe}, {">", Op::kGt},     {">=", Op::kGe}};
      const Token& t = Peek();
      const auto* found = std::find_if(std::begin(kComparators), std::end(kComparators),
                                       [&](const auto& p) { return IsPunct(p.first); });
      if (found == std::end(kComparators)) return Error("Unexpected " + Describe(t));
      Next();
      CIRRUS_ASSIGN_OR_RETURN(Term right, Operand());
      Reads(right, &c);
      const std::string op_text = found->first == "!=" ? "<>" : std::string(found->first);
      c.text = left.text + " " + op_text + " " + right.text;
      if (found->second != Op::kOther) {
        if (left.kind == Term::Kind::kPath && right.kind == Term::Kind::kValue) {
          simple(left, found->second, {right.text});
        } else if (left.kind == Term::Kind::kValue && right.kind == Term::Kind::kPath) {
          Op flipped = found->second == Op::kLt   ? Op::kGt
                       : found->second == Op::kLe ? Op::kGe
                       : found->second == Op::kGt ? Op::kLt
                       : found->second == Op::kGe ? Op::kLe
                                                  : found->second;
          simple(right, flipped, {left.text});
        }
      }
    }
    conjuncts->push_back(std::move(c));
    return Status();
  }

  // --- statements
  Status Select() {
    if (AcceptPunct("*")) {
      out_.projection.clear();
    } else {
      do {
        CIRRUS_ASSIGN_OR_RETURN(Term path, PathTerm());
        out_.projection += (out_.projection.empty() ? "" : ", ") + path.text;
      } while (AcceptPunct(","));
    }
    CIRRUS_RETURN_IF_ERROR(ExpectWord("FROM"));
    CIRRUS_RETURN_IF_ERROR(Target());
    if (AcceptWord("WHERE")) CIRRUS_RETURN_IF_ERROR(Where());
    if (AcceptWord("ORDER")) {
      CIRRUS_RETURN_IF_ERROR(ExpectWord("BY"));
      CIRRUS_ASSIGN_OR_RETURN(std::string key, Identifier());
      out_.order_by = std::move(key);
      if (AcceptWord("DESC")) {
        out_.descending = true;
      } else {
        AcceptWord("ASC");
      }
    }
    return Status();
  }

  Status Insert() {
    out_.kind = PartiqlStatement::Kind::kInsert;
    CIRRUS_RETURN_IF_ERROR(ExpectWord("INTO"));
    CIRRUS_RETURN_IF_ERROR(Target());
    if (out_.index) return Error("INSERT takes a table, not an index");
    CIRRUS_RETURN_IF_ERROR(ExpectWord("VALUE"));
    if (!IsPunct("{") && !IsPunct("?")) return Error("Expected a document, found " + Describe(Peek()));
    CIRRUS_ASSIGN_OR_RETURN(PartiqlValue document, Value());
    out_.item_ref = ValueRef(std::move(document));
    return Status();
  }

  Status Update() {
    out_.kind = PartiqlStatement::Kind::kUpdate;
    CIRRUS_RETURN_IF_ERROR(Target());
    if (out_.index) return Error("UPDATE takes a table, not an index");
    std::string set, remove, add, del;
    auto append = [](std::string* clause, const std::string& part) {
      *clause += (clause->empty() ? "" : ", ") + part;
    };
    bool any = false;
    while (true) {
      if (AcceptWord("SET")) {
        do {
          CIRRUS_ASSIGN_OR_RETURN(Term target, PathTerm());
          CIRRUS_RETURN_IF_ERROR(ExpectPunct("="));
          // set_add(path, set) / set_delete(path, set): DynamoDB's ADD and DELETE actions.
          bool handled = false;
          for (std::string_view f : {"set_add", "set_delete"}) {
            if (IsWord(f) && IsPunct("(", 1)) {
              Next();
              Next();
              CIRRUS_ASSIGN_OR_RETURN(Term of, PathTerm());
              if (of.text != target.text) return Error(std::string(f) + " must name the attribute it sets");
              CIRRUS_RETURN_IF_ERROR(ExpectPunct(","));
              CIRRUS_ASSIGN_OR_RETURN(PartiqlValue v, Value());
              CIRRUS_RETURN_IF_ERROR(ExpectPunct(")"));
              append(f == "set_add" ? &add : &del, target.text + " " + ValueRef(std::move(v)));
              handled = true;
            }
          }
          if (!handled) {
            CIRRUS_ASSIGN_OR_RETURN(std::string value, SetValue());
            append(&set, target.text + " = " + value);
          }
          any = true;
        } while (AcceptPunct(","));
      } else if (AcceptWord("REMOVE")) {
        do {
          CIRRUS_ASSIGN_OR_RETURN(Term path, PathTerm());
          append(&remove, path.text);
          any = true;
        } while (AcceptPunct(","));
      } else {
        break;
      }
    }
    if (!any) return Error("Expected SET or REMOVE, found " + Describe(Peek()));
    for (auto [clause, name] : {std::pair{&set, "SET "}, {&remove, "REMOVE "}, {&add, "ADD "}, {&del, "DELETE "}}) {
      if (!clause->empty()) out_.update += (out_.update.empty() ? "" : " ") + std::string(name) + *clause;
    }
    CIRRUS_RETURN_IF_ERROR(ExpectWord("WHERE"));
    CIRRUS_RETURN_IF_ERROR(Where());
    return Returning(false);
  }

  // The right side of SET path = ...: an operand, a + b, a - b, list_append(a, b).
  Result<std::string> SetValue() {
    std::string left;
    if (IsWord("list_append") && IsPunct("(", 1)) {
      Next();
      Next();
      CIRRUS_ASSIGN_OR_RETURN(Term a, Operand());
      CIRRUS_RETURN_IF_ERROR(ExpectPunct(","));
      CIRRUS_ASSIGN_OR_RETURN(Term b, Operand());
      CIRRUS_RETURN_IF_ERROR(ExpectPunct(")"));
      left = "list_append(" + a.text + ", " + b.text + ")";
    } else {
      CIRRUS_ASSIGN_OR_RETURN(Term a, Operand());
      if (a.kind == Term::Kind::kSize) return Error("size() is not a value to set");
      left = a.text;
    }
    if (IsPunct("+") || IsPunct("-")) {
      std::string op = Next().text;
      CIRRUS_ASSIGN_OR_RETURN(Term b, Operand());
      left += " " + op + " " + b.text;
    }
    return left;
  }

  Status Delete() {
    out_.kind = PartiqlStatement::Kind::kDelete;
    CIRRUS_RETURN_IF_ERROR(ExpectWord("FROM"));
    CIRRUS_RETURN_IF_ERROR(Target());
    if (out_.index) return Error("DELETE takes a table, not an index");
    CIRRUS_RETURN_IF_ERROR(ExpectWord("WHERE"));
    CIRRUS_RETURN_IF_ERROR(Where());
    return Returning(true);
  }

  Status Returning(bool only_all_old) {
    if (!AcceptWord("RETURNING")) return Status();
    std::string which;
    if (AcceptWord("ALL")) {
      which = "ALL_";
    } else if (!only_all_old && AcceptWord("MODIFIED")) {
      which = "UPDATED_";
    } else {
      return Error(only_all_old ? "Expected ALL OLD *" : "Expected ALL or MODIFIED");
    }
    if (AcceptWord("OLD")) {
      which += "OLD";
    } else if (!only_all_old && AcceptWord("NEW")) {
      which += "NEW";
    } else {
      return Error(only_all_old ? "Expected ALL OLD *" : "Expected OLD or NEW");
    }
    CIRRUS_RETURN_IF_ERROR(ExpectPunct("*"));
    out_.returning = std::move(which);
    return Status();
  }

  Status Exists() {
    out_.kind = PartiqlStatement::Kind::kExists;
    CIRRUS_RETURN_IF_ERROR(ExpectPunct("("));
    CIRRUS_RETURN_IF_ERROR(ExpectWord("SELECT"));
    CIRRUS_RETURN_IF_ERROR(ExpectPunct("*"));
    CIRRUS_RETURN_IF_ERROR(ExpectWord("FROM"));
    CIRRUS_RETURN_IF_ERROR(Target());
    if (out_.index) return Error("EXISTS takes a table, not an index");
    CIRRUS_RETURN_IF_ERROR(ExpectWord("WHERE"));
    CIRRUS_RETURN_IF_ERROR(Where());
    return ExpectPunct(")");
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int value_depth_ = 0;
  size_t parameters_ = 0;
  PartiqlStatement out_;
};

}  // namespace

Result<AttributeValue> BindPartiqlValue(const PartiqlValue& v,
                                        const std::vector<AttributeValue>& parameters) {
  switch (v.kind) {
    case PartiqlValue::Kind::kLiteral: return v.literal;
    case PartiqlValue::Kind::kParameter:
      if (v.parameter >= parameters.size()) {
        return ValidationError("Number of parameters in request and statement don't match.");
      }
      return parameters[v.parameter];
    case PartiqlValue::Kind::kList: {
      std::vector<AttributeValue> elements;
      for (const PartiqlValue& e : v.elements) {
        CIRRUS_ASSIGN_OR_RETURN(AttributeValue bound, BindPartiqlValue(e, parameters));
        elements.push_back(std::move(bound));
      }
      return AttributeValue::List(std::move(elements));
    }
    case PartiqlValue::Kind::kMap: {
      Item entries;
      for (size_t i = 0; i < v.elements.size(); ++i) {
        CIRRUS_ASSIGN_OR_RETURN(AttributeValue bound, BindPartiqlValue(v.elements[i], parameters));
        entries.emplace(v.keys[i], std::move(bound));
      }
      return AttributeValue::Map(std::move(entries));
    }
    case PartiqlValue::Kind::kSet: {
      if (v.elements.empty()) return ValidationError("A set literal may not be empty");
      std::vector<std::string> members;
      std::set<std::string> seen;
      ValueType type = ValueType::kNull;
      for (const PartiqlValue& e : v.elements) {
        CIRRUS_ASSIGN_OR_RETURN(AttributeValue bound, BindPartiqlValue(e, parameters));
        if (!bound.is(ValueType::kS) && !bound.is(ValueType::kN) && !bound.is(ValueType::kB)) {
          return ValidationError("A set holds only strings, numbers or binaries");
        }
        if (type != ValueType::kNull && bound.type() != type) {
          return ValidationError("A set holds elements of one type");
        }
        type = bound.type();
        if (!seen.insert(bound.scalar()).second) {
          return ValidationError("Input collection contains duplicates");
        }
        members.push_back(bound.scalar());
      }
      if (type == ValueType::kS) return AttributeValue::StringSet(std::move(members));
      if (type == ValueType::kN) return AttributeValue::NumberSet(std::move(members));
      return AttributeValue::BinarySet(std::move(members));
    }
  }
  return InternalError("unknown PartiQL value");
}

Result<PartiqlStatement> ParsePartiql(std::string_view text) {
  CIRRUS_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text));
  return Parser(text, std::move(tokens)).Statement();
}

Result<std::shared_ptr<const PartiqlStatement>> ParsePartiqlCached(std::string_view text) {
  // A parse holds about 100 times its text; only short statements (the ones that repeat
  // with other parameters) are kept, so the cache stays under ~100 MB per thread.
  thread_local std::unordered_map<std::string, std::shared_ptr<const PartiqlStatement>> cache;
  std::string key(text);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  CIRRUS_ASSIGN_OR_RETURN(PartiqlStatement parsed, ParsePartiql(text));
  auto shared = std::make_shared<const PartiqlStatement>(std::move(parsed));
  if (text.size() <= kMaxCachedStatementBytes) {
    if (cache.size() >= kMaxCachedStatements) cache.clear();
    cache.emplace(std::move(key), shared);
  }
  return shared;
}

}  // namespace cirrus::query
