#include "server/ops/transaction_tokens.h"

#include <algorithm>
#include <string_view>

namespace cirrus::server {
namespace {

constexpr std::string_view kRecordPrefix = "txtoken/k/";
constexpr std::string_view kExpiryPrefix = "txtoken/e/";
constexpr size_t kDigestSize = 16;
constexpr size_t kCountPage = 10000;

void AppendBigEndian64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint64_t ReadBigEndian64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

std::string RecordKey(std::string_view token) {
  return std::string(kRecordPrefix) + std::string(token);
}

std::string ExpiryKey(int64_t expires_us, std::string_view token) {
  std::string key(kExpiryPrefix);
  AppendBigEndian64(static_cast<uint64_t>(expires_us), &key);
  key.append(token);
  return key;
}

// An expiry key's time and token; false when it is not one.
bool ParseExpiryKey(std::string_view key, int64_t* expires_us, std::string_view* token) {
  if (key.size() < kExpiryPrefix.size() + 8) return false;
  *expires_us = static_cast<int64_t>(ReadBigEndian64(key.substr(kExpiryPrefix.size())));
  *token = key.substr(kExpiryPrefix.size() + 8);
  return true;
}

struct Record {
  int64_t expires_us = 0;
  std::string_view digest;
};

std::optional<Record> ParseRecord(std::string_view value) {
  if (value.size() != 8 + kDigestSize) return std::nullopt;
  return Record{static_cast<int64_t>(ReadBigEndian64(value)), value.substr(8)};
}

}  // namespace

TransactionTokens::TransactionTokens(db::Database* db, Options options)
    : db_(db), options_(options) {
  Result<db::ReadView> view = db_->Read();
  if (!view.ok()) return;  // counted as none; the sweep finds them as they expire
  std::string after;
  for (;;) {
    auto page = view->ListSettings(kExpiryPrefix, kCountPage, after);
    if (!page.ok() || page->empty()) break;
    if (count_ == 0) {
      int64_t expires_us;
      std::string_view token;
      if (ParseExpiryKey(page->front().first, &expires_us, &token)) next_sweep_us_ = expires_us;
    }
    count_ += page->size();
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
  return count_;
}

Result<TransactionTokens::Seen> TransactionTokens::Prepare(const std::string& token,
                                                           const std::string& digest,
                                                           int64_t now_us, db::WriteBatch* batch,
                                                           Pending* pending) {
  std::optional<Record> expired;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> value, view.GetSetting(RecordKey(token)));
    if (value) {
      std::optional<Record> record = ParseRecord(*value);
      if (record && record->expires_us > now_us) {
        return record->digest == digest ? Seen::kSame : Seen::kDifferent;
      }
      if (record) expired = Record{record->expires_us, {}};
    }
  }
  const int64_t expires_us = now_us + options_.window.count();
  std::string value;
  AppendBigEndian64(static_cast<uint64_t>(expires_us), &value);
  value.append(digest);
  batch->settings.emplace_back(RecordKey(token), std::move(value));
  batch->settings.emplace_back(ExpiryKey(expires_us, token), "");
  if (expired) {
    batch->settings.emplace_back(ExpiryKey(expired->expires_us, token), std::nullopt);
  }
  pending->added = !expired;
  {
    std::lock_guard lock(mu_);
    next_sweep_us_ = std::min(next_sweep_us_, expires_us);
  }
  CIRRUS_RETURN_IF_ERROR(Sweep(now_us, batch, pending));
  return Seen::kNew;
}

Status TransactionTokens::Sweep(int64_t now_us, db::WriteBatch* batch, Pending* pending) {
  size_t surplus;
  {
    std::lock_guard lock(mu_);
    if (sweeping_) return Status();
    const bool over = count_ + 1 > options_.max_tokens;
    if (!over && now_us < next_sweep_us_) return Status();
    sweeping_ = true;
    surplus = over ? count_ + 1 - options_.max_tokens : 0;
  }
  pending->sweeping = true;
  pending->next_sweep_us = now_us + options_.window.count();

  // The oldest records; those expired, and as many more as are over the bound, go.
  struct Candidate {
    int64_t expires_us;
    std::string token;
  };
  std::vector<Candidate> candidates;
  {
    CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
    CIRRUS_ASSIGN_OR_RETURN(auto page, view.ListSettings(kExpiryPrefix, options_.sweep_batch));
    for (const auto& [key, unused] : page) {
      int64_t expires_us;
      std::string_view token;
      if (!ParseExpiryKey(key, &expires_us, &token)) continue;
      if (expires_us > now_us && surplus == 0) {
        pending->next_sweep_us = expires_us;
        break;
      }
      if (expires_us > now_us) --surplus;
      candidates.push_back({expires_us, std::string(token)});
    }
    if (candidates.size() == options_.sweep_batch) pending->next_sweep_us = now_us;  // more
  }
  // Hold each token, so that no transaction renews it before this batch commits; then check,
  // in a view opened after, that its record is still the one listed.
  for (Candidate& c : candidates) {
    if (Begin(c.token)) pending->swept.push_back(c.token);
  }
  CIRRUS_ASSIGN_OR_RETURN(db::ReadView view, db_->Read());
  for (const Candidate& c : candidates) {
    if (std::find(pending->swept.begin(), pending->swept.end(), c.token) ==
        pending->swept.end()) {
      continue;  // in use: a later sweep takes it
    }
    CIRRUS_ASSIGN_OR_RETURN(std::optional<std::string> value, view.GetSetting(RecordKey(c.token)));
    std::optional<Record> record = value ? ParseRecord(*value) : std::nullopt;
    batch->settings.emplace_back(ExpiryKey(c.expires_us, c.token), std::nullopt);
    if (record && record->expires_us == c.expires_us) {
      batch->settings.emplace_back(RecordKey(c.token), std::nullopt);
      ++pending->deleted;
    }
  }
  return Status();
}

void TransactionTokens::Finish(const Pending& pending, bool committed) {
  std::lock_guard lock(mu_);
  for (const std::string& token : pending.swept) in_flight_.erase(token);
  if (committed) {
    count_ += pending.added ? 1 : 0;
    count_ -= std::min(count_, pending.deleted);
  }
  if (pending.sweeping) {
    sweeping_ = false;
    if (committed) next_sweep_us_ = pending.next_sweep_us;
  }
}

}  // namespace cirrus::server
