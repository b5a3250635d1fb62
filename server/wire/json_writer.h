#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cirrus::wire {

// Appends compact JSON to a string. Written by hand because it is on every response's path
// and needs nothing but escaping; simdjson 3.0.1 only parses. The caller keeps the nesting
// balanced; commas are inserted automatically.
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key);  // then exactly one value

  void String(std::string_view s);
  void Int(int64_t v);
  void Double(double v);  // shortest text that round-trips; integral values as "1.0"
  void Bool(bool b);
  void Null();
  // A value written elsewhere (already valid JSON).
  void Raw(std::string_view json);

  std::string* out() { return out_; }

 private:
  void Open(char c);
  void Close(char c);
  void BeforeValue();

  std::string* out_;
  bool need_comma_ = false;
};

// Appends `s` as a JSON string literal (quotes included).
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace cirrus::wire
