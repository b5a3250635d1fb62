// ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: a PartiQL statement
// (query/partiql.h) runs as the request it stands for, written in DynamoDB's JSON and given
// to the same operation a client would call: SELECT with equality on the partition key is a
// Query (one per value of `IN`), other SELECTs a Scan, INSERT a PutItem that must not
// overwrite, UPDATE an UpdateItem of an existing item, DELETE a DeleteItem, and a transaction
// TransactGetItems or TransactWriteItems. So every statement gets the validation, consistency,
// capacity and stream records of that operation, with no second implementation to drift.
#include <atomic>
#include <set>

#include "query/partiql.h"
#include "server/ops/common.h"
#include "server/ops/ops.h"
#include "server/wire/base64.h"
#include "server/wire/item_json.h"

namespace cirrus::server {
namespace {

using query::PartiqlStatement;
using Conjunct = PartiqlStatement::Conjunct;
using COp = Conjunct::Op;
using wire::JsonValue;
using wire::JsonWriter;

constexpr size_t kMaxBatchStatements = 25;
constexpr size_t kMaxTransactionStatements = 100;
constexpr size_t kMaxPageBytes = 1024 * 1024;

// --- running the operation a statement stands for -------------------------------------------

// The requests we write and the responses we read back have parsers of their own, so that
// neither disturbs the client's request (api.cc's parser) or each other: a request must stay
// valid while its operation runs, which may answer (and so have its response read) before
// it returns.
Result<JsonValue> ParseWith(wire::JsonParser& parser, std::string* body) {
  body->reserve(body->size() + wire::JsonParser::kPadding);
  return parser.Parse(body);
}
Result<JsonValue> ParseRequest(std::string* body) {
  thread_local wire::JsonParser parser;
  return ParseWith(parser, body);
}
Result<JsonValue> ParseResponse(std::string* body) {
  thread_local wire::JsonParser parser;
  return ParseWith(parser, body);
}

// ReturnConsumedCapacity in a request we write, as the client asked for it.
void WriteCapacityMember(CapacityReport capacity, JsonWriter& w) {
  if (capacity == CapacityReport::kNone) return;
  w.Key("ReturnConsumedCapacity");
  w.String(capacity == CapacityReport::kTotal ? "TOTAL" : "INDEXES");
}


void Run(Operation op, OperationContext& ctx, std::string body, Done done) {
  Result<JsonValue> request = ParseRequest(&body);
  // Only a document nested past the parser's depth gets here (values nest 32 levels at most).
  if (!request.ok()) return done(ValidationError("The statement is nested too deeply: " + request.status().message()));
  op(ctx, *request, std::move(done));
}

// Runs a read: its operation answers before it returns.
Outcome RunRead(Operation op, OperationContext& ctx, std::string body) {
  std::optional<Outcome> result;
  Run(op, ctx, std::move(body), [&](Outcome o) { result.emplace(std::move(o)); });
  return result ? std::move(*result) : Outcome(InternalError("a read did not answer"));
}

// Writes `v` as JSON (our own responses: numbers are integers or doubles).
void Copy(const JsonValue& v, JsonWriter& w) {
  switch (v.type()) {
    case JsonValue::Type::kNull: w.Null(); break;
    case JsonValue::Type::kBool: w.Bool(v.boolean()); break;
    case JsonValue::Type::kNumber:
      if (v.is_integer()) {
        w.Int(v.integer());
      } else {
        w.Double(v.number());
      }
      break;
    case JsonValue::Type::kString: w.String(v.string()); break;
    case JsonValue::Type::kArray:
      w.BeginArray();
      for (const JsonValue& e : v.elements()) Copy(e, w);
      w.EndArray();
      break;
    case JsonValue::Type::kObject:
      w.BeginObject();
      for (const auto& [key, member] : v.members()) {
        w.Key(key);
        Copy(member, w);
      }
      w.EndObject();
      break;
  }
}

// ExecuteStatement's answer from a GetItem's or a write's: Items holds its `member` (Item,
// Attributes) when there is one, and the ConsumedCapacity goes along.
Outcome ItemsAnswer(Outcome o, std::string_view member) {
  if (!o.status.ok()) return o;
  Result<JsonValue> json = ParseResponse(&o.body);
  if (!json.ok()) return Outcome(InternalError("PartiQL response: " + json.status().message()));
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("Items");
  w.BeginArray();
  if (std::optional<JsonValue> item = json->Find(member)) Copy(*item, w);
  w.EndArray();
  if (std::optional<JsonValue> capacity = json->Find("ConsumedCapacity")) {
    w.Key("ConsumedCapacity");
    Copy(*capacity, w);
  }
  w.EndObject();
  return Outcome(std::move(body));
}

// --- a bound statement -----------------------------------------------------------------------

struct Bound {
  std::shared_ptr<const PartiqlStatement> st;
  std::vector<AttributeValue> parameters;
  std::optional<std::string_view> on_condition_failure;  // ReturnValuesOnConditionCheckFailure

  Result<AttributeValue> Value(std::string_view ref) const {  // ":vK"
    return query::BindPartiqlValue(st->values[std::stoul(std::string(ref.substr(2)))], parameters);
  }
};

Result<Bound> BindStatement(std::string_view text, const std::optional<std::vector<JsonValue>>& parameters) {
  Bound b;
  CIRRUS_ASSIGN_OR_RETURN(b.st, query::ParsePartiqlCached(text));
  if (parameters) {
    for (const JsonValue& p : *parameters) {
      Result<AttributeValue> v = wire::ParseAttributeValue(p);
      if (!v.ok()) return ValidationError(v.status().message());
      b.parameters.push_back(std::move(*v));
    }
  }
  if (b.parameters.size() != b.st->parameter_count) {
    return ValidationError("Number of parameters in request and statement don't match.");
  }
  return b;
}

// Writes ExpressionAttributeNames and ExpressionAttributeValues with exactly the placeholders
// `texts` use (DynamoDB refuses unused ones); `extra_names` adds ours ("#k0" -> pk).
Status WritePlaceholders(const Bound& b, const std::vector<std::string_view>& texts,
                         const std::vector<std::pair<std::string, std::string>>& extra_names,
                         JsonWriter& w) {
  std::set<size_t> names, values;
  for (std::string_view t : texts) {
    for (size_t i = 0; i + 2 < t.size() + 1; ++i) {
      const bool name = t.compare(i, 2, "#n") == 0, value = t.compare(i, 2, ":v") == 0;
      if (!name && !value) continue;
      size_t j = i + 2, k = 0;
      bool digits = false;
      while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) {
        k = k * 10 + static_cast<size_t>(t[j++] - '0');
        digits = true;
      }
      if (digits) (name ? names : values).insert(k);
    }
  }
  if (!names.empty() || !extra_names.empty()) {
    w.Key("ExpressionAttributeNames");
    w.BeginObject();
    for (size_t k : names) {
      w.Key("#n" + std::to_string(k));
      w.String(b.st->names[k]);
    }
    for (const auto& [ref, name] : extra_names) {
      w.Key(ref);
      w.String(name);
    }
    w.EndObject();
  }
  if (!values.empty()) {
    w.Key("ExpressionAttributeValues");
    w.BeginObject();
    for (size_t k : values) {
      CIRRUS_ASSIGN_OR_RETURN(AttributeValue v, query::BindPartiqlValue(b.st->values[k], b.parameters));
      w.Key(":v" + std::to_string(k));
      wire::WriteAttributeValue(v, w);
    }
    w.EndObject();
  }
  return Status();
}

std::string JoinAnd(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : " AND ") + p;
  return out;
}

Status NoFullKey() {
  return ValidationError("Where clause does not contain a mandatory equality on all key attributes");
}

// The table's key from equality conditions of the WHERE clause, and the other conditions.
struct KeyMatch {
  Item key;
  std::vector<std::string> rest;
};
Result<KeyMatch> FullKey(const Bound& b, const db::KeySchema& schema) {
  KeyMatch m;
  std::vector<bool> used(b.st->where.size());
  for (const std::string& name : schema.names()) {
    bool found = false;
    for (size_t i = 0; i < b.st->where.size() && !found; ++i) {
      const Conjunct& c = b.st->where[i];
      if (used[i] || c.op != COp::kEq || c.attribute != name) continue;
      CIRRUS_ASSIGN_OR_RETURN(AttributeValue v, b.Value(c.operands[0]));
      m.key.emplace(name, std::move(v));
      used[i] = found = true;
    }
    if (!found) return NoFullKey();
  }
  for (size_t i = 0; i < b.st->where.size(); ++i) {
    if (!used[i]) m.rest.push_back(b.st->where[i].text);
  }
  return m;
}

// "#k0", "#k1": names for the key attributes in conditions we add; never a statement's #nK.
std::vector<std::pair<std::string, std::string>> KeyNames(const db::KeySchema& schema) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& name : schema.names()) out.emplace_back("#k" + std::to_string(out.size()), name);
  return out;
}

std::string ExistsCondition(const db::KeySchema& schema, bool exists) {
  std::string out;
  for (size_t i = 0; i < schema.names().size(); ++i) {
    out += std::string(out.empty() ? "" : " AND ") + (exists ? "attribute_exists(" : "attribute_not_exists(") +
           "#k" + std::to_string(i) + ")";
  }
  return out;
}

// --- writes ----------------------------------------------------------------------------------

struct WriteRequest {
  Operation op = nullptr;
  std::string body;   // the request (for a transaction: the action's members)
  std::string action; // TransactWriteItems' action name
};

// The write `b` stands for. `in_transaction`: the members of a TransactWriteItems action.
Result<WriteRequest> PlanWrite(OperationContext& ctx, const Bound& b, CapacityReport capacity,
                               bool in_transaction) {
  const PartiqlStatement& st = *b.st;
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, st.table));
  const db::KeySchema& schema = table->codec().schema();
  WriteRequest out;
  JsonWriter w(&out.body);
  w.BeginObject();
  w.Key("TableName");
  w.String(st.table);
  std::vector<std::string> conditions;
  std::vector<std::pair<std::string, std::string>> extra_names;
  std::string update;
  if (st.kind == PartiqlStatement::Kind::kInsert) {
    out.op = &PutItem;
    out.action = "Put";
    CIRRUS_ASSIGN_OR_RETURN(AttributeValue document, b.Value(st.item_ref));
    if (!document.is(ValueType::kM)) return ValidationError("INSERT takes a document: VALUE {'name': value, ...}");
    w.Key("Item");
    wire::WriteItem(document.map(), w);
    conditions.push_back(ExistsCondition(schema, false));
    extra_names = KeyNames(schema);
  } else {
    CIRRUS_ASSIGN_OR_RETURN(KeyMatch match, FullKey(b, schema));
    w.Key("Key");
    wire::WriteItem(match.key, w);
    if (st.kind == PartiqlStatement::Kind::kUpdate) {
      out.op = &UpdateItem;
      out.action = "Update";
      // UPDATE changes an item that exists; a missing one fails the WHERE clause.
      conditions.push_back(ExistsCondition(schema, true));
      extra_names = KeyNames(schema);
      update = st.update;
      w.Key("UpdateExpression");
      w.String(update);
    } else if (st.kind == PartiqlStatement::Kind::kDelete) {
      out.op = &DeleteItem;
      out.action = "Delete";
    } else {  // EXISTS (a transaction's condition check)
      out.action = "ConditionCheck";
      conditions.push_back(ExistsCondition(schema, true));
      extra_names = KeyNames(schema);
    }
    for (std::string& c : match.rest) conditions.push_back(std::move(c));
  }
  const std::string condition = JoinAnd(conditions);
  if (!condition.empty()) {
    w.Key("ConditionExpression");
    w.String(condition);
  }
  CIRRUS_RETURN_IF_ERROR(WritePlaceholders(b, {condition, update}, extra_names, w));
  if (!st.returning.empty()) {
    if (in_transaction) return ValidationError("RETURNING is not supported in a transaction");
    w.Key("ReturnValues");
    w.String(st.returning);
  }
  if (b.on_condition_failure) {
    w.Key("ReturnValuesOnConditionCheckFailure");
    w.String(*b.on_condition_failure);
  }
  if (!in_transaction) WriteCapacityMember(capacity, w);
  w.EndObject();
  return out;
}

// A failed INSERT's condition is a duplicate key.
Outcome WriteFailure(const PartiqlStatement& st, Outcome o) {
  if (st.kind == PartiqlStatement::Kind::kInsert && o.status.kind() == ErrorKind::kConditionalCheckFailed) {
    return Outcome(Status(ErrorKind::kDuplicateItem, "Duplicate primary key exists in table"));
  }
  return o;
}

// --- reads -----------------------------------------------------------------------------------

// Where a SELECT reads: its table's or index's key schema.
Result<db::KeySchema> TargetSchema(OperationContext& ctx, const PartiqlStatement& st) {
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, st.table));
  if (!st.index) return table->codec().schema();
  std::shared_ptr<const db::Index> index = table->FindIndex(*st.index);
  if (!index) return ValidationError("The table does not have the specified index: " + *st.index);
  return index->codec().schema();
}

// A SELECT as Query (key conditions) or Scan (none), with its filter.
struct SelectPlan {
  bool query = false;
  std::vector<std::string> key;     // Query: key conditions
  std::vector<std::string> filter;  // the other conditions
  const Conjunct* in = nullptr;     // Query: pk IN (...): one Query per value
};

SelectPlan PlanSelect(const PartiqlStatement& st, const db::KeySchema& schema) {
  SelectPlan plan;
  std::vector<bool> used(st.where.size());
  auto find = [&](const std::string& name, std::initializer_list<COp> ops) -> int {
    for (size_t i = 0; i < st.where.size(); ++i) {
      if (used[i] || st.where[i].attribute != name) continue;
      for (COp op : ops) {
        if (st.where[i].op == op) return static_cast<int>(i);
      }
    }
    return -1;
  };
  bool keyed = true;
  for (const db::KeyAttribute& pk : schema.partition_keys) {
    int i = find(pk.name, {COp::kEq});
    if (i < 0 && schema.partition_keys.size() == 1) {
      i = find(pk.name, {COp::kIn});
      if (i >= 0) plan.in = &st.where[i];
    }
    if (i < 0) {
      keyed = false;
      break;
    }
    used[i] = true;
    if (plan.in != &st.where[i]) plan.key.push_back(st.where[i].text);
  }
  if (keyed) {
    for (const db::KeyAttribute& sk : schema.sort_keys) {
      int i = find(sk.name, {COp::kEq});
      if (i >= 0) {
        used[i] = true;
        plan.key.push_back(st.where[i].text);
        continue;
      }
      i = find(sk.name, {COp::kLt, COp::kLe, COp::kGt, COp::kGe, COp::kBetween, COp::kBeginsWith});
      if (i >= 0) {
        used[i] = true;
        plan.key.push_back(st.where[i].text);
      }
      break;
    }
    // A Query's filter may not name a key attribute: such a statement is a Scan.
    const std::vector<std::string> key_names = schema.names();
    for (size_t i = 0; i < st.where.size() && keyed; ++i) {
      if (used[i]) continue;
      for (const std::string& n : st.where[i].names) {
        if (std::find(key_names.begin(), key_names.end(), n) != key_names.end()) keyed = false;
      }
    }
  }
  plan.query = keyed;
  if (!keyed) {
    plan.key.clear();
    plan.in = nullptr;
    for (const Conjunct& c : st.where) plan.filter.push_back(c.text);
    return plan;
  }
  for (size_t i = 0; i < st.where.size(); ++i) {
    if (!used[i]) plan.filter.push_back(st.where[i].text);
  }
  return plan;
}

// NextToken := base64(in_index "\n" LastEvaluatedKey-JSON); the key is re-read as an item,
// so a token carries nothing into a request but a start key.
std::string MakeToken(size_t in_index, std::string_view last_key_json) {
  std::string raw = std::to_string(in_index) + "\n" + std::string(last_key_json);
  std::string token;
  wire::AppendBase64(raw, &token);
  return token;
}

struct Resume {
  size_t in_index = 0;
  std::optional<Item> start_key;
};
Result<Resume> ReadToken(std::string_view token) {
  Status invalid = ValidationError("Invalid NextToken");
  std::string raw;
  if (!wire::DecodeBase64(token, &raw)) return invalid;
  size_t newline = raw.find('\n');
  if (newline == std::string::npos || newline == 0 || newline > 6) return invalid;
  Resume r;
  for (size_t i = 0; i < newline; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(raw[i]))) return invalid;
    r.in_index = r.in_index * 10 + static_cast<size_t>(raw[i] - '0');
  }
  std::string key_json = raw.substr(newline + 1);
  if (key_json.empty()) return r;
  Result<JsonValue> json = ParseResponse(&key_json);
  if (!json.ok() || !json->is(JsonValue::Type::kObject)) return invalid;
  Result<Item> key = ReadItem(*json);
  if (!key.ok()) return invalid;
  r.start_key = std::move(*key);
  return r;
}

struct ReadOptions {
  std::optional<int64_t> limit;
  bool consistent = false;
  CapacityReport capacity = CapacityReport::kNone;
  std::optional<std::string_view> next_token;
};

// A SELECT of a table's item by its full key and nothing else: a GetItem, which reads what
// the Query would (one item, the same units) at less cost.
std::optional<Outcome> SelectByKey(OperationContext& ctx, const Bound& b, const db::KeySchema& schema,
                                   const ReadOptions& options) {
  const PartiqlStatement& st = *b.st;
  if (st.index || options.next_token) return std::nullopt;
  Result<KeyMatch> match = FullKey(b, schema);
  if (!match.ok() || !match->rest.empty()) return std::nullopt;
  std::string request;
  JsonWriter r(&request);
  r.BeginObject();
  r.Key("TableName");
  r.String(st.table);
  r.Key("Key");
  wire::WriteItem(match->key, r);
  if (!st.projection.empty()) {
    r.Key("ProjectionExpression");
    r.String(st.projection);
    if (Status s = WritePlaceholders(b, {st.projection}, {}, r); !s.ok()) return Outcome(s);
  }
  if (options.consistent) {
    r.Key("ConsistentRead");
    r.Bool(true);
  }
  WriteCapacityMember(options.capacity, r);
  r.EndObject();
  return ItemsAnswer(RunRead(&GetItem, ctx, std::move(request)), "Item");
}

Outcome Select(OperationContext& ctx, const Bound& b, const ReadOptions& options) {
  const PartiqlStatement& st = *b.st;
  Result<db::KeySchema> schema = TargetSchema(ctx, st);
  if (!schema.ok()) return schema.status();
  if (std::optional<Outcome> by_key = SelectByKey(ctx, b, *schema, options)) return std::move(*by_key);
  const SelectPlan plan = PlanSelect(st, *schema);
  if (st.order_by) {
    if (!plan.query) {
      return ValidationError("Must have WHERE clause in the statement when using ORDER BY clause.");
    }
    if (!schema->IsKeyAttribute(*st.order_by)) {
      return ValidationError("ORDER BY is supported only on the key attributes of the table or index");
    }
  }
  Resume resume;
  if (options.next_token) {
    Result<Resume> r = ReadToken(*options.next_token);
    if (!r.ok()) return r.status();
    resume = std::move(*r);
  }
  const size_t in_count = plan.in ? plan.in->operands.size() : 1;
  if (resume.in_index >= in_count) return ValidationError("Invalid NextToken");
  // IN on the partition key: at most 50 values, as on DynamoDB; a value given twice is read once.
  std::vector<bool> repeated(in_count);
  if (plan.in) {
    if (in_count > 50) return ValidationError("IN takes at most 50 values on a partition key");
    std::vector<AttributeValue> seen;
    for (size_t i = 0; i < in_count; ++i) {
      Result<AttributeValue> v = b.Value(plan.in->operands[i]);
      if (!v.ok()) return v.status();
      repeated[i] = std::find(seen.begin(), seen.end(), *v) != seen.end();
      seen.push_back(std::move(*v));
    }
  }

  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("Items");
  w.BeginArray();
  std::optional<int64_t> remaining = options.limit;
  double units = 0;
  std::string capacity_json;
  std::string next_token, last_key_json;
  size_t bytes = 0;
  for (size_t in = resume.in_index; in < in_count; ++in) {
    if (repeated[in]) continue;
    std::string request;
    JsonWriter r(&request);
    r.BeginObject();
    r.Key("TableName");
    r.String(st.table);
    if (st.index) {
      r.Key("IndexName");
      r.String(*st.index);
    }
    std::vector<std::string> key = plan.key;
    if (plan.in) key.push_back(plan.in->attribute_ref + " = " + plan.in->operands[in]);
    const std::string key_text = JoinAnd(key), filter_text = JoinAnd(plan.filter);
    if (plan.query) {
      r.Key("KeyConditionExpression");
      r.String(key_text);
      if (st.descending) {
        r.Key("ScanIndexForward");
        r.Bool(false);
      }
    }
    if (!filter_text.empty()) {
      r.Key("FilterExpression");
      r.String(filter_text);
    }
    if (!st.projection.empty()) {
      r.Key("ProjectionExpression");
      r.String(st.projection);
    }
    Status s = WritePlaceholders(b, {key_text, filter_text, st.projection}, {}, r);
    if (!s.ok()) return s;
    if (remaining) {
      r.Key("Limit");
      r.Int(*remaining);
    }
    if (options.consistent) {
      r.Key("ConsistentRead");
      r.Bool(true);
    }
    WriteCapacityMember(options.capacity, r);
    if (in == resume.in_index && resume.start_key) {
      r.Key("ExclusiveStartKey");
      wire::WriteItem(*resume.start_key, r);
    }
    r.EndObject();
    Outcome o = RunRead(plan.query ? &Query : &Scan, ctx, std::move(request));
    if (!o.status.ok()) return o;
    bytes += o.body.size();
    Result<JsonValue> json = ParseResponse(&o.body);
    if (!json.ok()) return InternalError("PartiQL response: " + json.status().message());
    int64_t count = 0;
    if (std::optional<JsonValue> items = json->Find("Items")) {
      for (const JsonValue& item : items->elements()) {
        Copy(item, w);
        ++count;
      }
    }
    if (std::optional<JsonValue> scanned = json->Find("ScannedCount"); scanned && remaining) {
      *remaining -= scanned->integer();
    }
    if (std::optional<JsonValue> capacity = json->Find("ConsumedCapacity")) {
      capacity_json.clear();
      JsonWriter cw(&capacity_json);
      Copy(*capacity, cw);
      if (std::optional<JsonValue> u = capacity->Find("CapacityUnits")) units += u->number();
    }
    if (std::optional<JsonValue> last = json->Find("LastEvaluatedKey")) {
      JsonWriter lw(&last_key_json);
      Copy(*last, lw);
      next_token = MakeToken(in, last_key_json);
      break;
    }
    if (in + 1 < in_count && ((remaining && *remaining <= 0) || bytes >= kMaxPageBytes)) {
      next_token = MakeToken(in + 1, "");
      break;
    }
  }
  w.EndArray();
  if (!next_token.empty()) {
    w.Key("NextToken");
    w.String(next_token);
  }
  if (!last_key_json.empty()) {
    w.Key("LastEvaluatedKey");
    w.Raw(last_key_json);
  }
  if (!capacity_json.empty()) {
    w.Key("ConsumedCapacity");
    if (in_count - resume.in_index > 1) {  // several Queries: their sum
      w.BeginObject();
      w.Key("TableName");
      w.String(st.table);
      w.Key("CapacityUnits");
      w.Double(units);
      w.EndObject();
    } else {
      w.Raw(capacity_json);
    }
  }
  w.EndObject();
  return Outcome(std::move(body));
}

// A SELECT of one item by its full key: a GetItem (batches and transactions allow no other).
Result<std::string> GetRequest(OperationContext& ctx, const Bound& b, bool consistent, bool in_transaction) {
  const PartiqlStatement& st = *b.st;
  if (st.index) return ValidationError("A batch or transaction SELECT reads a table, not an index");
  CIRRUS_ASSIGN_OR_RETURN(std::shared_ptr<const db::Table> table, FindTable(ctx, st.table));
  CIRRUS_ASSIGN_OR_RETURN(KeyMatch match, FullKey(b, table->codec().schema()));
  if (!match.rest.empty()) {
    return ValidationError("A batch or transaction SELECT takes only equality conditions on the key attributes");
  }
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("TableName");
  w.String(st.table);
  w.Key("Key");
  wire::WriteItem(match.key, w);
  if (!st.projection.empty()) {
    w.Key("ProjectionExpression");
    w.String(st.projection);
    CIRRUS_RETURN_IF_ERROR(WritePlaceholders(b, {st.projection}, {}, w));
  }
  if (consistent && !in_transaction) {
    w.Key("ConsistentRead");
    w.Bool(true);
  }
  w.EndObject();
  return body;
}

// --- the operations --------------------------------------------------------------------------

void ReadStatementMembers(RequestReader& r, std::optional<std::string_view>* text,
                          std::optional<std::vector<JsonValue>>* parameters,
                          std::optional<std::string_view>* on_failure) {
  *text = r.String("Statement");
  r.Required("Statement", text->has_value());
  r.Length("Statement", *text, 1, query::kMaxStatementBytes);
  *parameters = r.List("Parameters");
  if (*parameters) r.Count("Parameters", (*parameters)->size(), 1, SIZE_MAX);
  *on_failure = r.String("ReturnValuesOnConditionCheckFailure");
  r.Enum("ReturnValuesOnConditionCheckFailure", *on_failure, {"ALL_OLD", "NONE"});
}

void ExecuteStatementOp(OperationContext& ctx, const JsonValue& request, Done done) {
  RequestReader r(request);
  std::optional<std::string_view> text, on_failure;
  std::optional<std::vector<JsonValue>> parameters;
  ReadStatementMembers(r, &text, &parameters, &on_failure);
  ReadOptions options;
  options.consistent = r.Bool("ConsistentRead").value_or(false);
  options.next_token = r.String("NextToken");
  r.Length("NextToken", options.next_token, 1, 32768);
  options.limit = r.Long("Limit");
  r.Minimum("Limit", options.limit, 1);
  options.capacity = ReadCapacityReport(r);
  if (Status s = r.Finish(); !s.ok()) return done(s);
  Result<Bound> b = BindStatement(*text, parameters);
  if (!b.ok()) return done(b.status());
  b->on_condition_failure = on_failure;
  const PartiqlStatement& st = *b->st;
  if (st.kind == PartiqlStatement::Kind::kSelect) return done(Select(ctx, *b, options));
  if (st.kind == PartiqlStatement::Kind::kExists) {
    return done(ValidationError("EXISTS is supported only in ExecuteTransaction"));
  }
  Result<WriteRequest> write = PlanWrite(ctx, *b, options.capacity, false);
  if (!write.ok()) return done(write.status());
  Run(write->op, ctx, std::move(write->body),
      [st = b->st, done = std::move(done)](Outcome o) { done(ItemsAnswer(WriteFailure(*st, std::move(o)), "Attributes")); });
}

// BatchExecuteStatement's code for an error (API_BatchStatementError.html).
std::string_view BatchErrorCode(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConditionalCheckFailed: return "ConditionalCheckFailed";
    case ErrorKind::kDuplicateItem: return "DuplicateItem";
    case ErrorKind::kValidation: return "ValidationError";
    case ErrorKind::kResourceNotFound: return "ResourceNotFound";
    case ErrorKind::kTransactionConflict: return "TransactionConflict";
    case ErrorKind::kItemCollectionSizeLimitExceeded: return "ItemCollectionSizeLimitExceeded";
    case ErrorKind::kAccessDenied: return "AccessDenied";
    case ErrorKind::kLimitExceeded: return "RequestLimitExceeded";
    default: return "InternalServerError";
  }
}

// One statement's entry in BatchExecuteStatement's Responses.
struct BatchResult {
  std::string table;
  Outcome outcome = Outcome(std::string());
};

std::string BatchAnswer(const std::vector<BatchResult>& results) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("Responses");
  w.BeginArray();
  for (const BatchResult& result : results) {
    w.BeginObject();
    if (!result.table.empty()) {
      w.Key("TableName");
      w.String(result.table);
    }
    const Outcome& o = result.outcome;
    if (!o.status.ok()) {
      w.Key("Error");
      w.BeginObject();
      w.Key("Code");
      w.String(BatchErrorCode(o.status.kind()));
      w.Key("Message");
      w.String(o.status.message());
      if (!o.body.empty()) w.Raw(o.body);  // "Item":{...} (ReturnValuesOnConditionCheckFailure)
      w.EndObject();
    } else if (!o.body.empty()) {
      w.Key("Item");
      w.Raw(o.body);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return body;
}

void BatchExecuteStatementOp(OperationContext& ctx, const JsonValue& request, Done done) {
  RequestReader r(request);
  std::optional<std::vector<JsonValue>> list = r.List("Statements");
  r.Required("Statements", list.has_value());
  if (list) r.Count("Statements", list->size(), 1, kMaxBatchStatements);
  ReadCapacityReport(r);  // accepted; each statement's units are its operation's
  struct Entry {
    Result<Bound> bound = ValidationError("");
    bool consistent = false;
  };
  std::vector<Entry> entries;
  for (size_t i = 0; list && i < list->size() && i < kMaxBatchStatements; ++i) {
    std::optional<RequestReader> e = r.Element("Statements", i, (*list)[i]);
    if (!e) break;
    std::optional<std::string_view> text, on_failure;
    std::optional<std::vector<JsonValue>> parameters;
    ReadStatementMembers(*e, &text, &parameters, &on_failure);
    Entry entry;
    entry.consistent = e->Bool("ConsistentRead").value_or(false);
    if (text) {
      entry.bound = BindStatement(*text, parameters);
      if (entry.bound.ok()) entry.bound->on_condition_failure = on_failure;
    }
    entries.push_back(std::move(entry));
  }
  if (Status s = r.Finish(); !s.ok()) return done(s);
  size_t reads = 0, writes = 0;
  for (const Entry& e : entries) {
    if (e.bound.ok()) (e.bound->st->read() ? reads : writes) += 1;
  }
  if (reads > 0 && writes > 0) {
    return done(ValidationError("Statements in a BatchExecuteStatement must be all reads or all writes"));
  }
  auto results = std::make_shared<std::vector<BatchResult>>(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].bound.ok()) (*results)[i].table = entries[i].bound->st->table;
  }
  if (writes == 0) {
    for (size_t i = 0; i < entries.size(); ++i) {
      BatchResult& result = (*results)[i];
      const Entry& e = entries[i];
      if (!e.bound.ok()) {
        result.outcome = e.bound.status();
        continue;
      }
      if (e.bound->st->kind != PartiqlStatement::Kind::kSelect) {
        result.outcome = ValidationError("EXISTS is supported only in ExecuteTransaction");
        continue;
      }
      Result<std::string> get = GetRequest(ctx, *e.bound, e.consistent, false);
      if (!get.ok()) {
        result.outcome = get.status();
        continue;
      }
      Outcome o = RunRead(&GetItem, ctx, std::move(*get));
      if (o.status.ok()) {
        Result<JsonValue> json = ParseResponse(&o.body);
        std::string item;
        if (json.ok()) {
          if (std::optional<JsonValue> found = json->Find("Item")) {
            JsonWriter iw(&item);
            Copy(*found, iw);
          }
        }
        o = Outcome(std::move(item));
      }
      result.outcome = std::move(o);
    }
    return done(BatchAnswer(*results));
  }
  // Writes: each its own operation, all under way at once; the last to finish answers. The
  // loop holds one count of its own, so that no answer goes out before every write started.
  auto pending = std::make_shared<std::atomic<size_t>>(entries.size() + 1);
  auto shared_done = std::make_shared<Done>(std::move(done));
  auto release = [results, pending, shared_done] {
    if (pending->fetch_sub(1, std::memory_order_acq_rel) == 1) (*shared_done)(BatchAnswer(*results));
  };
  auto finish_one = [results, release](size_t i, Outcome o) {
    (*results)[i].outcome = std::move(o);
    release();
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (!e.bound.ok()) {
      finish_one(i, e.bound.status());
      continue;
    }
    Result<WriteRequest> write = PlanWrite(ctx, *e.bound, CapacityReport::kNone, false);
    if (!write.ok()) {
      finish_one(i, write.status());
      continue;
    }
    Run(write->op, ctx, std::move(write->body), [finish_one, i, st = e.bound->st](Outcome o) {
      o = WriteFailure(*st, std::move(o));
      finish_one(i, o.status.ok() ? Outcome(std::string()) : std::move(o));
    });
  }
  release();
}

// A cancelled transaction's reasons, with DuplicateItem for an INSERT whose key exists.
Outcome TransactionAnswer(const std::vector<Bound>& statements, Outcome o) {
  if (o.status.kind() != ErrorKind::kTransactionCanceled) return o;
  std::string members = "{" + o.body + "}";
  Result<JsonValue> json = ParseResponse(&members);
  if (!json.ok()) return o;
  std::optional<JsonValue> reasons_json = json->Find("CancellationReasons");
  if (!reasons_json) return o;
  const std::vector<JsonValue> elements = reasons_json->elements();
  // CancellationReason points into these.
  std::vector<std::string> codes(elements.size());
  std::vector<std::optional<Item>> items(elements.size());
  std::vector<CancellationReason> reasons(elements.size());
  for (size_t i = 0; i < elements.size(); ++i) {
    CancellationReason& reason = reasons[i];
    if (std::optional<JsonValue> code = elements[i].Find("Code")) codes[i] = std::string(code->string());
    if (std::optional<JsonValue> message = elements[i].Find("Message")) {
      reason.message = std::string(message->string());
    }
    if (std::optional<JsonValue> item = elements[i].Find("Item")) {
      if (Result<Item> read = ReadItem(*item); read.ok()) items[i] = std::move(*read);
    }
    if (i < statements.size() && statements[i].st->kind == PartiqlStatement::Kind::kInsert &&
        codes[i] == "ConditionalCheckFailed") {
      codes[i] = "DuplicateItem";
      reason.message = "Duplicate primary key exists in table";
    }
    reason.code = codes[i];
    if (items[i]) reason.item = &*items[i];
  }
  return TransactionCanceled(reasons);
}

void ExecuteTransactionOp(OperationContext& ctx, const JsonValue& request, Done done) {
  RequestReader r(request);
  std::optional<std::vector<JsonValue>> list = r.List("TransactStatements");
  r.Required("TransactStatements", list.has_value());
  if (list) r.Count("TransactStatements", list->size(), 1, kMaxTransactionStatements);
  std::optional<std::string_view> token = r.String("ClientRequestToken");
  r.Length("ClientRequestToken", token, 1, 36);
  const CapacityReport capacity = ReadCapacityReport(r);
  std::vector<Result<Bound>> bound;
  for (size_t i = 0; list && i < list->size() && i < kMaxTransactionStatements; ++i) {
    std::optional<RequestReader> e = r.Element("TransactStatements", i, (*list)[i]);
    if (!e) break;
    std::optional<std::string_view> text, on_failure;
    std::optional<std::vector<JsonValue>> parameters;
    ReadStatementMembers(*e, &text, &parameters, &on_failure);
    if (!text) continue;
    bound.push_back(BindStatement(*text, parameters));
    if (bound.back().ok()) bound.back()->on_condition_failure = on_failure;
  }
  if (Status s = r.Finish(); !s.ok()) return done(s);
  std::vector<Bound> statements;
  size_t reads = 0;
  for (Result<Bound>& b : bound) {
    if (!b.ok()) return done(b.status());
    if (b->st->kind == PartiqlStatement::Kind::kSelect) ++reads;
    statements.push_back(std::move(*b));
  }
  if (reads > 0 && reads < statements.size()) {
    return done(ValidationError("Statements in a transaction must be all reads (SELECT) or all writes"));
  }
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Key("TransactItems");
  w.BeginArray();
  for (const Bound& b : statements) {
    w.BeginObject();
    if (reads > 0) {
      Result<std::string> get = GetRequest(ctx, b, false, true);
      if (!get.ok()) return done(get.status());
      w.Key("Get");
      w.Raw(*get);
    } else {
      Result<WriteRequest> write = PlanWrite(ctx, b, CapacityReport::kNone, true);
      if (!write.ok()) return done(write.status());
      w.Key(write->action);
      w.Raw(write->body);
    }
    w.EndObject();
  }
  w.EndArray();
  if (token && reads == 0) {
    w.Key("ClientRequestToken");
    w.String(*token);
  }
  WriteCapacityMember(capacity, w);
  w.EndObject();
  if (reads > 0) return done(RunRead(&TransactGetItems, ctx, std::move(body)));
  auto kept = std::make_shared<std::vector<Bound>>(std::move(statements));
  Run(&TransactWriteItems, ctx, std::move(body),
      [kept, done = std::move(done)](Outcome o) { done(TransactionAnswer(*kept, std::move(o))); });
}

}  // namespace

void ExecuteStatement(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  ExecuteStatementOp(ctx, request, std::move(done));
}

void BatchExecuteStatement(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  BatchExecuteStatementOp(ctx, request, std::move(done));
}

void ExecuteTransaction(OperationContext& ctx, const wire::JsonValue& request, Done done) {
  ExecuteTransactionOp(ctx, request, std::move(done));
}

}  // namespace cirrus::server
