#include "streams/destinations.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "db/item/ascii.h"
#include "db/item/clock.h"
#include "server/wire/json_writer.h"
#include "streams/mappings.h"
#include "streams/records.h"

namespace cirrus::streams {
namespace {


}  // namespace

Status CheckDestination(const DestinationPolicy& policy, const std::string& d) {
  namespace fs = std::filesystem;
  if (d.rfind("file://", 0) == 0) {
    fs::path wanted = fs::path(d.substr(7)).lexically_normal();
    std::error_code ec;
    fs::path root = fs::weakly_canonical(fs::path(policy.failure_dir), ec);
    auto under_root = [&](const fs::path& p) {
      fs::path rel = p.lexically_relative(root);
      return !rel.empty() && *rel.begin() != ".." && !rel.is_absolute();
    };
    if (policy.failure_dir.empty() || !wanted.is_absolute() || !under_root(wanted)) {
      return ValidationError("The OnFailure destination " + d +
                             " is outside the directory this server "
                             "writes failure records to: file://" +
                             root.string() + " (its owner sets it with --failure-dir)");
    }
    fs::create_directories(wanted, ec);
    if (ec)
      return ValidationError("Cannot create the OnFailure destination " + d + ": " + ec.message());
    // Through symbolic links the owner made, the directory must still be inside.
    fs::path real = fs::weakly_canonical(wanted, ec);
    if (ec || !under_root(real)) {
      return ValidationError("The OnFailure destination " + d + " leads outside file://" +
                             root.string());
    }
    return Status();
  }
  if (d.rfind("http://", 0) == 0) {
    CIRRUS_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(d));
    for (const std::string& allowed : policy.http_hosts) {
      // host, host:port, [v6], [v6]:port
      std::string host = allowed, port;
      size_t bracket = allowed.find(']');
      size_t colon = allowed.rfind(':');
      if (colon != std::string::npos &&
          (bracket == std::string::npos ? allowed.find(':') == colon : colon > bracket)) {
        host = allowed.substr(0, colon);
        port = allowed.substr(colon + 1);
      }
      if (host.size() > 1 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
      if (AsciiLower(host) == AsciiLower(url.host) && (port.empty() || port == url.port)) return Status();
    }
    return ValidationError("The OnFailure destination " + d +
                           " is not allowed: this server POSTs failure "
                           "records only to hosts its owner lists with --failure-http-host");
  }
  return ValidationError(
      "The OnFailure destination must be file:///absolute/dir or an http:// URL, not " + d);
}

std::string FailureRecord(const FailedBatch& b) {
  std::string record;
  wire::JsonWriter w(&record);
  w.BeginObject();
  w.Key("requestContext");
  w.BeginObject();
  w.Key("requestId");
  w.String(NewUuid());
  w.Key("functionArn");
  w.String(b.function_arn);
  w.Key("condition");
  w.String(b.too_old ? "RecordAgeExceeded" : "RetryAttemptsExhausted");
  w.Key("approximateInvokeCount");
  w.Int(b.attempts);
  w.EndObject();
  w.Key("responseContext");
  w.BeginObject();
  w.Key("statusCode");
  w.Int(200);
  w.Key("executedVersion");
  w.String("$LATEST");
  w.Key("functionError");
  w.String("Unhandled");
  w.EndObject();
  w.Key("version");
  w.String("1.0");
  w.Key("timestamp");
  w.String(IsoTime(NowMillis()));
  w.Key("DDBStreamBatchInfo");
  w.BeginObject();
  w.Key("shardId");
  w.String(b.shard_id);
  w.Key("startSequenceNumber");
  w.String(SequenceNumberText(b.first_sequence));
  w.Key("endSequenceNumber");
  w.String(SequenceNumberText(b.last_sequence));
  w.Key("approximateArrivalOfFirstRecord");
  w.String(IsoTime(b.first_arrival_ms));
  w.Key("approximateArrivalOfLastRecord");
  w.String(IsoTime(b.last_arrival_ms));
  w.Key("batchSize");
  w.Int(static_cast<int64_t>(b.size));
  w.Key("streamArn");
  w.String(b.stream_arn);
  w.EndObject();
  w.EndObject();
  return record;
}

Status SendFailureRecord(const DestinationPolicy& policy, const std::string& dest,
                         const std::string& name, const std::string& record,
                         const CancelToken* cancel) {
  CIRRUS_RETURN_IF_ERROR(CheckDestination(policy, dest));
  if (dest.rfind("file://", 0) == 0) {
    const std::string dir = dest.substr(7);
    const std::string path = dir + "/" + name + ".json";
    const std::string tmp = path + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int error = fd < 0 ? errno : 0;
    if (fd >= 0) {
      ssize_t n = write(fd, record.data(), record.size());
      if (n != static_cast<ssize_t>(record.size())) error = n < 0 ? errno : EIO;
      if (!error && fsync(fd) != 0) error = errno;
      close(fd);
    }
    if (!error && rename(tmp.c_str(), path.c_str()) != 0) error = errno;
    if (error) {
      unlink(tmp.c_str());
      return InternalError("cannot write " + path + ": " + std::strerror(error));
    }
    // The rename is durable once the directory is synced.
    if (int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
      fsync(dir_fd);
      close(dir_fd);
    }
    return Status();
  }
  FunctionHandler target;
  target.name = "on-failure";
  target.url = dest;
  target.timeout_seconds = 10;
  InvokeResult sent = Invoke(target, record, cancel);
  if (sent.outcome != InvokeResult::Outcome::kSuccess) {
    return InternalError("POST to " + dest + " failed: " + sent.error);
  }
  return Status();
}

}  // namespace cirrus::streams
