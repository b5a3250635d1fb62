#include "tools/files.h"

#include <filesystem>
#include <fstream>
#include <random>

#include "tools/transfer.h"

namespace cirrus::tools {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string RandomName(size_t n, const char* alphabet, size_t alphabet_size) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(alphabet[rng() % alphabet_size]);
  return out;
}

Status WriteWholeFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) return InternalError("cannot write " + path);
  return Status();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InternalError("cannot open " + path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return content;
}

Result<wire::JsonValue> ParseJson(wire::JsonParser& parser, std::string_view text,
                                  std::string* buffer) {
  buffer->assign(text);
  buffer->reserve(text.size() + wire::JsonParser::kPadding);
  return parser.Parse(buffer);
}

Result<std::unique_ptr<db::Database>> OpenDataDir(const std::string& data_dir, bool create) {
  if (!create && !std::filesystem::exists(std::filesystem::path(data_dir) / "data.mdb")) {
    return Status(ErrorKind::kResourceNotFound,
                  "no CirrusDB data directory at " + data_dir + " (no data.mdb there)");
  }
  db::Options options;
  options.path = data_dir;
  // Beside a cirrusd serving the directory: LMDB serializes the two processes' writes, and
  // each picks up the other's catalog changes (db/database.h).
  options.exclusive = false;
  return db::Database::Open(options);
}

}  // namespace cirrus::tools
