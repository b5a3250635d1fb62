#pragma once

#include <string>
#include <string_view>

namespace cirrus {

// ASCII lower case, without the C locale's per-character call: HTTP header names, content
// codings, IAM actions and host names are ASCII by their specifications, and SigV4
// verification lowers every signed header name of every request.
inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

}  // namespace cirrus
