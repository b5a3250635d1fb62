#include "tools/csv.h"

namespace cirrus::tools {

bool CsvRecordComplete(std::string_view text, char delimiter) {
  // The same reading as ParseCsvRecord: a quote opens a quoted field only at a field's start.
  bool quoted = false, field_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          ++i;
        } else {
          quoted = false;
        }
      }
    } else if (c == '"' && field_start) {
      quoted = true;
      field_start = false;
    } else {
      field_start = c == delimiter || c == '\n';
    }
  }
  return !quoted;
}

Result<std::vector<std::string>> ParseCsvRecord(std::string_view text, char delimiter) {
  std::vector<std::string> fields(1);
  size_t i = 0;
  bool field_start = true;
  while (i < text.size()) {
    char c = text[i];
    if (c == delimiter) {
      fields.emplace_back();
      field_start = true;
      ++i;
      continue;
    }
    if (c == '"' && field_start) {  // a quoted field, up to its closing quote
      ++i;
      for (;;) {
        if (i >= text.size()) return ValidationError("a quoted field is not closed");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            fields.back().push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        fields.back().push_back(text[i++]);
      }
      if (i < text.size() && text[i] != delimiter) {
        return ValidationError("unexpected text after the closing quote of field " +
                               std::to_string(fields.size()));
      }
      field_start = false;
      continue;
    }
    if (c == '"') {
      return ValidationError("a quote inside unquoted field " + std::to_string(fields.size()) +
                             " (quote the field and double the quote)");
    }
    fields.back().push_back(c);
    field_start = false;
    ++i;
  }
  return fields;
}

}  // namespace cirrus::tools
