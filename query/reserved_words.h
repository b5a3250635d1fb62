#pragma once

#include <cstddef>
#include <string_view>

namespace cirrus::query {

// True when `word` (any case) is one of DynamoDB's reserved words, which an expression may
// not use as a bare attribute name.
bool IsReservedWord(std::string_view word);
size_t ReservedWordCount();

}  // namespace cirrus::query
