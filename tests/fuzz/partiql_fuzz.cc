// libFuzzer target for PartiQL (query/partiql.h): parses the input as a statement and, when it
// parses, binds its values and parses every expression it compiled to (conditions, the
// projection, the update) with the expression parser. Any crash, leak (ASan), undefined
// behaviour (UBSan) or hang (-timeout) is a bug, and so is compiled text the expression
// language cannot read (a statement that parses must run as an operation).
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCIRRUS_FUZZ=ON
//   cmake --build build-fuzz --target partiql_fuzz
//   build-fuzz/tests/partiql_fuzz -max_total_time=30 CORPUS_DIR
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string_view>

#include "query/expression.h"
#include "query/partiql.h"

using namespace cirrus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<query::PartiqlStatement> st = query::ParsePartiql(text);
  if (!st.ok()) {
    if (st.status().kind() != ErrorKind::kValidation) std::abort();
    return 0;
  }
  const std::vector<AttributeValue> parameters(st->parameter_count, AttributeValue::String("p"));
  std::map<std::string, std::string, std::less<>> names;
  for (size_t i = 0; i < st->names.size(); ++i) names["#n" + std::to_string(i)] = st->names[i];
  names["#k0"] = "pk";
  Item values;
  for (size_t i = 0; i < st->values.size(); ++i) {
    Result<AttributeValue> v = query::BindPartiqlValue(st->values[i], parameters);
    if (!v.ok()) return 0;  // an invalid set or number: the statement is refused
    values[":v" + std::to_string(i)] = std::move(*v);
  }
  // A compiled text the expression parser refuses for its syntax is our bug; refusing its
  // values (types, sizes) is DynamoDB's validation doing its job.
  auto syntax_ok = [](const Status& s) {
    return s.ok() || s.message().find("Syntax error") == std::string::npos;
  };
  for (const query::PartiqlStatement::Conjunct& c : st->where) {
    query::Placeholders placeholders(&names, &values);
    auto parsed = query::ParseCondition(c.text, query::ExpressionKind::kCondition, placeholders);
    if (!syntax_ok(parsed.status())) std::abort();
  }
  if (!st->projection.empty()) {
    query::Placeholders placeholders(&names, &values);
    if (!syntax_ok(query::ParseProjection(st->projection, placeholders).status())) std::abort();
  }
  if (!st->update.empty()) {
    query::Placeholders placeholders(&names, &values);
    if (!syntax_ok(query::ParseUpdate(st->update, placeholders).status())) std::abort();
  }
  return 0;
}
