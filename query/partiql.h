#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/attribute_value.h"
#include "db/item/status.h"

// PartiQL, the subset DynamoDB runs (ExecuteStatement, BatchExecuteStatement,
// ExecuteTransaction): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html
//
//   SELECT (* | path, ...) FROM target [WHERE cond] [ORDER BY path [ASC | DESC]]
//   INSERT INTO target VALUE {'name': value, ...}
//   UPDATE target (SET path = expr [, ...] | REMOVE path [, ...])... WHERE cond
//          [RETURNING (ALL | MODIFIED) (OLD | NEW) *]
//   DELETE FROM target WHERE cond [RETURNING ALL OLD *]
//   EXISTS (SELECT * FROM target WHERE cond)          (a transaction's condition check)
//   target := name ["." name]                           (a table, or a table's index)
//
// A statement compiles to DynamoDB's expression syntax over placeholders (#nK names, :vK
// values), so that the server runs it as the Query, Scan, GetItem, PutItem, UpdateItem,
// DeleteItem or transaction it stands for, with their validation and semantics. The parse
// depends on the text alone (parameters stay slots), so it can be cached by text.
//
// Hand-written: no PartiQL parser is packaged for Debian, and the subset is small.
namespace cirrus::query {

constexpr size_t kMaxStatementBytes = 8192;

// A value in a statement: a literal, the i-th `?`, or a list, map or set built of them.
struct PartiqlValue {
  enum class Kind : uint8_t { kLiteral, kParameter, kList, kMap, kSet };
  Kind kind = Kind::kLiteral;
  AttributeValue literal;  // kLiteral
  size_t parameter = 0;    // kParameter
  std::vector<PartiqlValue> elements;  // kList, kMap, kSet (a vector may hold its own type)
  std::vector<std::string> keys;       // kMap: the name of each element
};

// The value of `v` with `parameters` bound. kValidation for a set that is empty, mixed or
// holds a duplicate, or a number that is not one.
Result<AttributeValue> BindPartiqlValue(const PartiqlValue& v,
                                        const std::vector<AttributeValue>& parameters);

struct PartiqlStatement {
  enum class Kind : uint8_t { kSelect, kInsert, kUpdate, kDelete, kExists };
  Kind kind = Kind::kSelect;
  std::string table;
  std::optional<std::string> index;  // SELECT FROM "table"."index"

  // One condition of the WHERE clause's top-level AND, as a DynamoDB condition expression.
  // `attribute`, `op` and `operands` describe it when it is `name <op> values` on a top-level
  // attribute (the ones that can become a key condition or a key).
  struct Conjunct {
    enum class Op : uint8_t { kOther, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith, kIn };
    std::string text;
    std::string attribute;
    std::string attribute_ref;         // its "#nK"
    Op op = Op::kOther;
    std::vector<std::string> operands;  // ":vK" of its values, in order
    std::vector<std::string> names;     // every top-level attribute it reads
  };
  std::vector<Conjunct> where;

  std::string projection;  // SELECT: a ProjectionExpression; empty for *
  std::optional<std::string> order_by;  // SELECT ... ORDER BY: the attribute
  bool descending = false;
  std::string item_ref;     // INSERT: the ":vK" of the document
  std::string update;       // UPDATE: an UpdateExpression
  std::string returning;    // UPDATE, DELETE: ReturnValues (ALL_NEW, ...); empty: NONE

  std::vector<std::string> names;     // #nK -> names[K]
  std::vector<PartiqlValue> values;   // :vK -> values[K]
  size_t parameter_count = 0;         // the `?` in the text
  bool read() const { return kind == Kind::kSelect || kind == Kind::kExists; }
};

// Parses a statement. Syntax errors are kValidation, "Statement wasn't well formed, can't be
// processed: ..." with the position.
Result<PartiqlStatement> ParsePartiql(std::string_view text);

// ParsePartiql through a per-thread cache keyed by the text (kMaxCachedStatements entries of
// at most kMaxCachedStatementBytes, then it starts over). Errors are not cached.
Result<std::shared_ptr<const PartiqlStatement>> ParsePartiqlCached(std::string_view text);
constexpr size_t kMaxCachedStatements = 1024;
constexpr size_t kMaxCachedStatementBytes = 1024;  // longer statements are parsed each time

}  // namespace cirrus::query
