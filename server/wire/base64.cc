#include "server/wire/base64.h"

#include <openssl/evp.h>

namespace cirrus::wire {

void AppendBase64(std::string_view bytes, std::string* out) {
  size_t start = out->size();
  size_t encoded = 4 * ((bytes.size() + 2) / 3);
  out->resize(start + encoded + 1);  // EVP_EncodeBlock writes a trailing NUL
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out->data() + start),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out->resize(start + static_cast<size_t>(n));
}

bool DecodeBase64(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 != 0) return false;
  if (text.empty()) return true;
  size_t padding = 0;
  while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    char c = text[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok) return false;
  }
  out->resize(text.size() / 4 * 3);
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  out->resize(static_cast<size_t>(n) - padding);  // EVP_DecodeBlock counts padding as zeros
  return true;
}

}  // namespace cirrus::wire
