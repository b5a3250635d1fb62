#include "db/item/decimal.h"

#include <algorithm>

namespace cirrus {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status NotANumber(std::string_view text) {
  return ValidationError("The parameter cannot be converted to a numeric value: " +
                         std::string(text));
}

}  // namespace

Result<Decimal> Decimal::Parse(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  // Mantissa digits, with the position of the decimal point among them.
  std::string mantissa;
  mantissa.reserve(n);
  size_t integer_digits = 0;
  bool seen_point = false;
  bool any_digit = false;
  for (; i < n; ++i) {
    char c = text[i];
    if (IsDigit(c)) {
      mantissa.push_back(c);
      any_digit = true;
      if (!seen_point) ++integer_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return NotANumber(text);
  // Exponent, saturated far outside the valid range so that huge inputs stay errors.
  int64_t exp10 = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i >= n) return NotANumber(text);
    for (; i < n; ++i) {
      if (!IsDigit(text[i])) return NotANumber(text);
      if (exp10 < 1000000) exp10 = exp10 * 10 + (text[i] - '0');
    }
    if (exp_negative) exp10 = -exp10;
  }
  if (i != n) return NotANumber(text);

  // value = 0.mantissa * 10^(integer_digits + exp10); strip zeros on both ends.
  size_t first = mantissa.find_first_not_of('0');
  if (first == std::string::npos) return Decimal();  // zero, whatever its sign or exponent
  size_t last = mantissa.find_last_not_of('0');
  int64_t exponent = static_cast<int64_t>(integer_digits) - static_cast<int64_t>(first) + exp10;
  std::string digits = mantissa.substr(first, last - first + 1);
  if (digits.size() > static_cast<size_t>(kMaxDigits)) {
    return ValidationError("Attempting to store more than 38 significant digits in a Number");
  }
  if (exponent > kMaxExponent) {
    return ValidationError(
        "Number overflow. Attempting to store a number with magnitude larger than supported "
        "range");
  }
  if (exponent < kMinExponent) {
    return ValidationError(
        "Number underflow. Attempting to store a number with magnitude smaller than supported "
        "range");
  }
  return FromParts(negative, std::move(digits), static_cast<int>(exponent));
}

Decimal Decimal::FromParts(bool negative, std::string digits, int exponent) {
  Decimal d;
  if (digits.empty()) return d;
  assert(digits.front() != '0' && digits.back() != '0');
  assert(digits.size() <= static_cast<size_t>(kMaxDigits));
  assert(exponent >= kMinExponent && exponent <= kMaxExponent);
  d.negative_ = negative;
  d.digits_ = std::move(digits);
  d.exponent_ = exponent;
  return d;
}

void Decimal::AppendTo(std::string* out) const {
  if (is_zero()) {
    out->push_back('0');
    return;
  }
  if (negative_) out->push_back('-');
  const int len = static_cast<int>(digits_.size());
  if (exponent_ <= 0) {  // 0.000ddd
    out->append("0.");
    out->append(static_cast<size_t>(-exponent_), '0');
    out->append(digits_);
  } else if (exponent_ >= len) {  // ddd000
    out->append(digits_);
    out->append(static_cast<size_t>(exponent_ - len), '0');
  } else {  // dd.ddd
    out->append(digits_, 0, static_cast<size_t>(exponent_));
    out->push_back('.');
    out->append(digits_, static_cast<size_t>(exponent_), std::string::npos);
  }
}

std::string Decimal::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

int Decimal::Compare(const Decimal& other) const {
  // Order classes: negative < zero < positive.
  auto sign = [](const Decimal& d) { return d.is_zero() ? 0 : (d.negative_ ? -1 : 1); };
  int a = sign(*this), b = sign(other);
  if (a != b) return a < b ? -1 : 1;
  if (a == 0) return 0;
  int magnitude;
  if (exponent_ != other.exponent_) {
    magnitude = exponent_ < other.exponent_ ? -1 : 1;
  } else {
    int c = digits_.compare(other.digits_);  // same exponent: digit strings compare as decimals
    magnitude = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return a > 0 ? magnitude : -magnitude;
}

size_t Decimal::StorageSize() const {
  if (is_zero()) return 1;
  // DynamoDB stores base-100 digits: the leading digit's scientific exponent (exponent_ - 1)
  // decides whether it pairs with the next digit. Empirical formula, as dynalite measured.
  const size_t d = digits_.size();
  const int scientific = exponent_ - 1;
  size_t size = 1 + (d + 1) / 2;
  if (d % 2 == 0 && scientific % 2 == 0) ++size;
  if (negative_) ++size;
  return size;
}

namespace {

// Magnitudes as digit strings of one scale: value = digits * 10^scale.
std::string ScaledDigits(const Decimal& d, int scale) {
  // d = 0.D * 10^E = D * 10^(E - len(D)); pad with zeros down to `scale`.
  int own_scale = d.exponent() - static_cast<int>(d.digits().size());
  return d.digits() + std::string(static_cast<size_t>(own_scale - scale), '0');
}

int CompareMagnitude(const std::string& a, const std::string& b) {  // no leading zeros
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string AddDigits(const std::string& a, const std::string& b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int x = carry;
    if (i < a.size()) x += a[a.size() - 1 - i] - '0';
    if (i < b.size()) x += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + x % 10));
    carry = x / 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string SubtractDigits(const std::string& a, const std::string& b) {  // REQUIRES: a >= b
  std::string out;
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int x = a[a.size() - 1 - i] - '0' - borrow;
    if (i < b.size()) x -= b[b.size() - 1 - i] - '0';
    borrow = x < 0;
    out.push_back(static_cast<char>('0' + (x + 10) % 10));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

Decimal Decimal::Negated() const {
  Decimal d = *this;
  if (!d.is_zero()) d.negative_ = !d.negative_;
  return d;
}

Result<Decimal> Decimal::Add(const Decimal& a, const Decimal& b) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;
  int scale = std::min(a.exponent_ - static_cast<int>(a.digits_.size()),
                       b.exponent_ - static_cast<int>(b.digits_.size()));
  std::string x = ScaledDigits(a, scale), y = ScaledDigits(b, scale);
  std::string sum;
  bool negative;
  if (a.negative_ == b.negative_) {
    sum = AddDigits(x, y);
    negative = a.negative_;
  } else {
    int c = CompareMagnitude(x, y);
    if (c == 0) return Decimal();
    sum = c > 0 ? SubtractDigits(x, y) : SubtractDigits(y, x);
    negative = c > 0 ? a.negative_ : b.negative_;
  }
  // sum * 10^scale, as text Parse understands: reuse its checks and messages, except that a
  // result needing more than 38 digits is an overflow to DynamoDB (1e50 + 1), not the text
  // it gives for a stored number with too many digits.
  std::string text = (negative ? "-" : "") + sum + "e" + std::to_string(scale);
  Result<Decimal> result = Parse(text);
  if (!result.ok() && result.status().message().rfind("Attempting to store more than 38", 0) == 0) {
    return ValidationError(
        "Number overflow. Attempting to store a number with magnitude larger than supported "
        "range");
  }
  return result;
}

Result<Decimal> Decimal::Subtract(const Decimal& a, const Decimal& b) { return Add(a, b.Negated()); }

int CompareNormalizedNumbers(std::string_view a, std::string_view b) {
  bool an = !a.empty() && a[0] == '-', bn = !b.empty() && b[0] == '-';
  bool az = a == "0", bz = b == "0";
  int as = az ? 0 : (an ? -1 : 1), bs = bz ? 0 : (bn ? -1 : 1);
  if (as != bs) return as < bs ? -1 : 1;
  if (as == 0) return 0;
  if (an) a.remove_prefix(1);
  if (bn) b.remove_prefix(1);
  size_t ap = std::min(a.find('.'), a.size()), bp = std::min(b.find('.'), b.size());
  int magnitude;
  if (ap != bp) {
    // Integer parts have no leading zeros, except a lone "0" that is smaller than any other.
    magnitude = ap < bp ? -1 : 1;
  } else {
    int c = a.compare(b);  // same integer length: digit by digit, fractions have no trailing 0
    magnitude = c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return as > 0 ? magnitude : -magnitude;
}

Result<std::string> NormalizeNumber(std::string_view text) {
  CIRRUS_ASSIGN_OR_RETURN(Decimal d, Decimal::Parse(text));
  return d.ToString();
}

}  // namespace cirrus
