#pragma once

#include <string>
#include <string_view>

#include "db/item/attribute_value.h"
#include "db/item/status.h"

namespace cirrus::tools {

// DynamoDB's ION export/import format ("Amazon Ion" in
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html):
// Amazon Ion text, one item per line, `$ion_1_0 {Item:{...}}`.
//
//   DynamoDB  Ion                       DynamoDB  Ion
//   S         "string"                  NULL      null (also null.null, null.<type>)
//   N         decimal: 103.  1.5  6d2   L         [list]
//   B         {{base64}}                M         {struct}
//   BOOL      true / false              SS/NS/BS  $dynamodb_SS::["a"] / _NS::[1.] / _BS::[{{}}]
//
// Thread-safe: no state.

// Appends one item as a line of DynamoDB's Ion export, without the newline:
//   $ion_1_0 {Item:{Id:103.,Title:"Book 103",Authors:$dynamodb_SS::["A1","A2"],InPrint:false}}
// The line holds no raw line break (strings escape them). Attributes appear in the Item's
// order; N is written as an Ion decimal (never an int or float): plain (`103.`, `1.5`) or
// with a `d` exponent (`6d2`, `-1.5d-7`), whichever is shorter, plain on a tie. Field names
// are bare identifiers when Ion allows it, else 'quoted symbols'.
void AppendIonItemLine(const Item& item, std::string* out);

// Parses one such line: `$ion_1_0` optional, whitespace and comments allowed between tokens
// and around the line. Accepts, besides what AppendIonItemLine writes: field names as
// identifiers, 'symbols' or "strings"; all Ion string escapes and '''long strings'''
// (adjacent ones concatenate); Ion ints (`-7`, `0x1F`, `0b101`, `1_000`) and floats (`1.5e3`,
// taken as the exact decimal of their text) as N; typed nulls as NULL; a trailing comma
// after the last list element or struct field.
// Validated as DynamoDB JSON input (server/wire/item_json.h), with the same messages:
// numbers within 38 digits and range (normalized), sets non-empty without duplicates,
// nesting within 32 levels, top-level names non-empty, names within 65535 bytes.
// A field name repeated in one struct is an error (kValidation), not last-wins.
// Errors end with " (column N)", N the 1-based byte offset in `line` where the offending
// token starts. kSerialization: not Ion, or Ion we do not map (sexp, timestamp, clob, symbol
// value, other annotations, nan/inf, no Item wrapper, trailing text, bad base64, bad UTF-8).
// kValidation: DynamoDB's rules above.
Result<Item> ParseIonItemLine(std::string_view line);

}  // namespace cirrus::tools
