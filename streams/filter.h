#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "db/item/status.h"

namespace cirrus::streams {

// Up to this many filters per event source mapping, each pattern at most this many characters
// (Unicode code points), as Lambda's FilterCriteria allows (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
constexpr size_t kMaxFilters = 5;
constexpr size_t kMaxPatternChars = 4096;

// The FilterCriteria of an event source mapping: up to 5 EventBridge-style patterns, OR'ed.
// Each pattern is compiled once (Parse) into a tree of our own; Matches parses only the record.
//
// Pattern semantics (AWS event-filtering rules, invocation-eventfiltering.html above):
//   - A pattern is an object; its keys are AND'ed. A key's value is a nested object (descend
//     into the record's value at that key) or a non-empty array of matchers, OR'ed.
//   - Matchers: exact "x" / "" / 12 / true / null; {"prefix":"x"}, {"suffix":"x"} (optionally
//     {"prefix":{"equals-ignore-case":"x"}}); {"equals-ignore-case":"x"}; {"numeric":[">",10,
//     "<=",20]} (lower bound first; also "=", "<", "<=" alone); {"exists":true|false};
//     {"anything-but": "x" | 12 | ["x","y"] | [1,2] | {"prefix":"x"} | {"suffix":"x"} |
//     {"equals-ignore-case": "x" | ["x","y"]}}.
//   - Matchers apply to leaf values (string, number, bool, null). A record array is a set of
//     leaf values: the key matches if any element does. Objects are not leaves: a key whose
//     record value is an object, an empty array, or absent counts as absent, and only
//     {"exists":false} matches an absent key. A nested pattern over an array of objects
//     matches if one element matches all of it.
//   - Exact numbers match JSON numbers only (DynamoDB's {"N":"12"} is the string "12"), but
//     {"numeric":...} also accepts a string holding a number, so {"N":[{"numeric":[">",10]}]}
//     works on stream records.
//   - Strings compare exactly; equals-ignore-case folds ASCII letters only.
//
// Immutable after Parse; thread-safe (Matches keeps a parser per thread).
class FilterSet {
 public:
  FilterSet();  // no filters: everything matches
  ~FilterSet();
  FilterSet(const FilterSet&);
  FilterSet& operator=(const FilterSet&);
  FilterSet(FilterSet&&) noexcept;
  FilterSet& operator=(FilterSet&&) noexcept;

  // Each element is the JSON text of one Filters[].Pattern. kValidation with Lambda's message
  // "Invalid filter pattern definition." for malformed JSON, a non-object or empty pattern,
  // an unknown operator or a bad operand; kValidation also for more than kMaxFilters patterns
  // or one longer than kMaxPatternChars.
  static Result<FilterSet> Parse(const std::vector<std::string>& patterns);

  bool empty() const;

  // Whether `record_json`, the JSON text of ONE record as it appears in the Lambda event's
  // "Records" array, matches at least one pattern. An empty set matches everything (without
  // parsing); otherwise a record that is not a JSON object matches nothing.
  bool Matches(std::string_view record_json) const;

 private:
  struct Pattern;  // a compiled pattern (filter.cc)
  std::vector<Pattern> patterns_;
};

}  // namespace cirrus::streams
