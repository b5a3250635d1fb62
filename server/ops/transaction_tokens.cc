#include "server/ops/transaction_tokens.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "db/item/clock.h"

namespace cirrus::server {
namespace {

std::array<char, 16> DigestArray(std::string_view digest) {
  std::array<char, 16> a{};
  std::memcpy(a.data(), digest.data(), std::min(a.size(), digest.size()));
  return a;
}

constexpr std::string_view kPrefix = "txtoken/";
constexpr size_t kKeySize = kPrefix.size() + 8 + 16;
constexpr size_t kLoadPage = 10000;

TransactionTokens::TokenHash HashToken(std::string_view token) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(token.data(), token.size()));
  TransactionTokens::TokenHash h;
  std::memcpy(h.data(), canonical.digest, h.size());
  return h;
}

std::string RecordKey(const TransactionTokens::Stored& r) {
  std::string key(kPrefix);
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>(static_cast<uint64_t>(r.expires_us) >> shift));
  }
  key.append(reinterpret_cast<const char*>(r.token.data()), r.token.size());
  return key;
}

bool ParseRecordKey(std::string_view key, TransactionTokens::Stored* r) {
  if (key.size() != kKeySize) return false;
  uint64_t expires = 0;
  for (size_t i = 0; i < 8; ++i) {
    expires = (expires << 8) | static_cast<unsigned char>(key[kPrefix.size() + i]);
  }
  r->expires_us = static_cast<int64_t>(expires);
  std::memcpy(r->token.data(), key.data() + kPrefix.size() + 8, r->token.size());
  return true;
}

}  // namespace

size_t TransactionTokens::HashOf::operator()(const TokenHash& h) const {
  size_t v;
  std::memcpy(&v, h.data(), sizeof(v));  // already a hash
  return v;
}

TransactionTokens::TransactionTokens(db::Database* db, Options options) : options_(options) {
  Result<db::ReadView> view = db->Read();
  if (!view.ok()) return;  // nothing remembered: retries apply again, as before
  const int64_t now_us = NowMicros();
  std::string after;
  for (;;) {
    auto page = view->ListSettings(kPrefix, kLoadPage, after);
    if (!page.ok() || page->empty()) break;
    for (const auto& [key, digest] : *page) {
      Stored r;
      if (!ParseRecordKey(key, &r)) continue;
      records_.push_back(r);  // expired ones too: the sweep deletes them
      if (r.expires_us > now_us) live_[r.token] = {r.expires_us, DigestArray(digest)};
    }
    after = page->back().first;
  }
}

bool TransactionTokens::Begin(const std::string& token) {
  std::lock_guard lock(mu_);
  return in_flight_.insert(token).second;
}

void TransactionTokens::End(const std::string& token) {
  std::lock_guard lock(mu_);
  in_flight_.erase(token);
}

size_t TransactionTokens::count() const {
  std::lock_guard lock(mu_);
  return records_.size();
}

TransactionTokens::Seen TransactionTokens::Prepare(const std::string& token,
                                                   const std::string& digest, int64_t now_us,
                                                   db::WriteBatch* batch, Pending* pending) {
  const TokenHash h = HashToken(token);
  std::lock_guard lock(mu_);
  if (auto it = live_.find(h); it != live_.end() && it->second.expires_us > now_us) {
    return it->second.digest == DigestArray(digest) ? Seen::kSame : Seen::kDifferent;
  }
  pending->adds = true;
  pending->record = {now_us + options_.window.count(), h};
  pending->digest = digest;
  batch->settings.emplace_back(RecordKey(pending->record), digest);
  // A sweep step: the oldest records that expired, or are over the bound. A record renewed
  // since (same token, a later expiry) has a key of its own and stays.
  while (!records_.empty() && pending->swept.size() < options_.sweep_batch &&
         (records_.front().expires_us <= now_us || records_.size() + 1 > options_.max_tokens)) {
    const Stored r = records_.front();
    records_.pop_front();
    batch->settings.emplace_back(RecordKey(r), std::nullopt);
    pending->swept.push_back(r);
    if (auto it = live_.find(r.token); it != live_.end() && it->second.expires_us == r.expires_us) {
      live_.erase(it);
    }
  }
  return Seen::kNew;
}

void TransactionTokens::Finish(Pending& pending, bool committed) {
  std::lock_guard lock(mu_);
  if (committed) {
    if (pending.adds) {
      live_[pending.record.token] = {pending.record.expires_us, DigestArray(pending.digest)};
      records_.push_back(pending.record);
    }
  } else {
    // Still on disk: swept again later.
    records_.insert(records_.begin(), pending.swept.begin(), pending.swept.end());
  }
  pending = Pending();
}

}  // namespace cirrus::server
