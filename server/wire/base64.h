#pragma once

#include <string>
#include <string_view>

namespace cirrus::wire {

// Standard base64 (RFC 4648, padded), as the AWS JSON protocol encodes blobs. OpenSSL does
// the work; these wrappers add the strictness it lacks.
void AppendBase64(std::string_view bytes, std::string* out);
// False unless `text` is canonical padded base64 (length a multiple of 4, alphabet only,
// '=' only at the end).
bool DecodeBase64(std::string_view text, std::string* out);

}  // namespace cirrus::wire
