#pragma once
// CSV as AWS's ImportTable reads it: RFC 4180 fields (a field in double quotes may hold the
// delimiter, line breaks and "" for a quote), one of , ; : | tab space as delimiter.
#include <string>
#include <string_view>
#include <vector>

#include "db/item/status.h"

namespace cirrus::tools {

// False while `text` ends inside a quoted field (the record goes on on the next line).
bool CsvRecordComplete(std::string_view text, char delimiter);

// The fields of one complete record. kValidation for a stray quote inside an unquoted field
// or text after a closing quote.
Result<std::vector<std::string>> ParseCsvRecord(std::string_view text, char delimiter);

}  // namespace cirrus::tools
