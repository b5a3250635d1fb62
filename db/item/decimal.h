#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "db/item/status.h"

namespace cirrus {

// A DynamoDB number: an exact decimal of at most 38 significant digits whose magnitude is
// zero or within [1e-130, 1e126). Never a binary floating point value.
//
// Representation: value = (negative ? -1 : 1) * 0.d1 d2 ... dn * 10^exponent, where
// digits() = "d1...dn" has no leading and no trailing zeros; zero has empty digits().
// So 1 is {"1", exponent 1}, 0.05 is {"5", exponent -1}, 150 is {"15", exponent 3}.
class Decimal {
 public:
  static constexpr int kMaxDigits = 38;
  static constexpr int kMinExponent = -129;  // 1e-130 == 0.1 * 10^-129
  static constexpr int kMaxExponent = 126;   // 9.99..9e125 == 0.99..9 * 10^126

  Decimal() = default;  // zero

  // Parses DynamoDB's number syntax: [+-] digits [. digits] [(e|E) [+-] digits], also
  // ".5" and "5.". kValidation with DynamoDB's message when unparsable, over 38 significant
  // digits, or out of range.
  static Result<Decimal> Parse(std::string_view text);

  // Builds from parts already normalized as described above. REQUIRES: in range.
  static Decimal FromParts(bool negative, std::string digits, int exponent);

  // Normalized plain decimal text, as DynamoDB returns numbers: "150", "-0.001", "0".
  std::string ToString() const;
  void AppendTo(std::string* out) const;

  bool is_zero() const { return digits_.empty(); }
  bool negative() const { return negative_; }
  const std::string& digits() const { return digits_; }
  int exponent() const { return exponent_; }

  // <0, 0, >0 as *this is numerically less than, equal to, greater than `other`.
  int Compare(const Decimal& other) const;
  friend bool operator==(const Decimal& a, const Decimal& b) { return a.Compare(b) == 0; }

  // Bytes DynamoDB charges for this number in item size: about one byte per two significant
  // digits plus one (see
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
  size_t StorageSize() const;

  // Exact sum and difference. kValidation with Parse's messages when the result has more than
  // 38 significant digits or leaves the range, as DynamoDB rejects such arithmetic.
  static Result<Decimal> Add(const Decimal& a, const Decimal& b);
  static Result<Decimal> Subtract(const Decimal& a, const Decimal& b);
  Decimal Negated() const;

 private:
  bool negative_ = false;
  std::string digits_;
  int exponent_ = 0;
};

// Cheaper than Parse + ToString when only the normalized text is needed.
Result<std::string> NormalizeNumber(std::string_view text);

// Compares two normalized numbers (Decimal::ToString's text) without parsing them:
// <0, 0, >0 as `a` is less than, equal to, greater than `b`.
int CompareNormalizedNumbers(std::string_view a, std::string_view b);

}  // namespace cirrus
