#pragma once
// Files for cirrus export and import: decompressing line readers and compressing writers
// that checksum what they write. zlib and libzstd do the (de)compression, OpenSSL the MD5.
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "db/item/status.h"

namespace cirrus::tools {

enum class Compression { kNone, kGzip, kZstd };

// What the file's first bytes say: gzip (1f 8b), zstd (28 b5 2f fd), else none.
Result<Compression> DetectCompression(const std::string& path);

// Reads a file as decompressed lines. A file that ends inside a compressed stream (a
// truncated download) is an error, not a short read.
class LineReader {
 public:
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path, Compression compression);
  ~LineReader();

  // The next line without its line ending ("\n" or "\r\n"); false at the end of the file.
  // The view is valid until the next call.
  Result<bool> Next(std::string_view* line);
  uint64_t line_number() const { return line_number_; }  // of the line Next returned
  uint64_t compressed_bytes_read() const { return compressed_read_; }

 private:
  struct Decoder;
  LineReader() = default;
  // Appends decompressed bytes to buffer_; false at the end.
  Result<bool> Fill();

  std::string path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<Decoder> decoder_;
  std::string in_;            // compressed bytes read, not yet decoded
  size_t in_pos_ = 0;
  bool eof_ = false;
  std::string buffer_;        // decompressed bytes
  size_t pos_ = 0;            // start of the next line in buffer_
  std::string line_;          // the last line, when it had to be copied
  uint64_t line_number_ = 0;
  uint64_t compressed_read_ = 0;
};

// Writes a file, gzip-compressed or as is, on a thread of its own (the caller formats the
// next chunk meanwhile), and computes the MD5 of the bytes on disk.
class OutputFile {
 public:
  static Result<std::unique_ptr<OutputFile>> Create(const std::string& path, bool gzip);
  ~OutputFile();

  void Write(std::string chunk);  // queued; blocks while several chunks wait
  Status Close();                 // flushes; the first error of any write

  const std::string& md5_base64() const { return md5_base64_; }  // after Close
  const std::string& md5_hex() const { return md5_hex_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  struct Encoder;
  OutputFile() = default;
  void Run();
  Status Emit(const void* data, size_t size);  // compressed bytes to disk and MD5

  std::string path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<Encoder> encoder_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  bool closing_ = false;           // guarded by mu_
  Status status_;                  // writer thread until joined
  std::thread thread_;
  std::string md5_base64_, md5_hex_;
  uint64_t bytes_written_ = 0;
};

// MD5 of a whole file: base64 (as manifests give it) and hex.
Result<std::pair<std::string, std::string>> FileMd5(const std::string& path);

}  // namespace cirrus::tools
