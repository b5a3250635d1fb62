#include "tools/io.h"

#include <libdeflate.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "server/wire/base64.h"

namespace cirrus::tools {
namespace {

constexpr size_t kReadSize = size_t{1} << 20;
constexpr size_t kMaxQueued = 4;  // chunks waiting for an OutputFile's thread

Status IoError(const std::string& what, const std::string& path) {
  return InternalError(what + " " + path + ": " + std::strerror(errno));
}

std::string Hex(const unsigned char* bytes, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

struct Md5 {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Md5() { EVP_DigestInit_ex(ctx, EVP_md5(), nullptr); }
  ~Md5() { EVP_MD_CTX_free(ctx); }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(ctx, data, size); }
  void Final(std::string* base64, std::string* hex) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, digest, &n);
    base64->clear();
    wire::AppendBase64(std::string_view(reinterpret_cast<const char*>(digest), n), base64);
    *hex = Hex(digest, n);
  }
};

}  // namespace

Result<Compression> DetectCompression(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return IoError("cannot open", path);
  unsigned char magic[4] = {};
  size_t n = std::fread(magic, 1, sizeof(magic), f);
  std::fclose(f);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return Compression::kGzip;
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

// --- LineReader --------------------------------------------------------------------------

struct LineReader::Decoder {
  Compression kind;
  z_stream z{};
  ZSTD_DStream* zstd = nullptr;
  bool in_stream = false;  // inside a gzip member / zstd frame not yet complete
  bool padded = false;     // gzip: zero padding began after the last member

  explicit Decoder(Compression k) : kind(k) {
    if (kind == Compression::kGzip) inflateInit2(&z, 15 + 32);  // gzip or zlib header
    if (kind == Compression::kZstd) zstd = ZSTD_createDStream();
  }
  ~Decoder() {
    if (kind == Compression::kGzip) inflateEnd(&z);
    if (zstd) ZSTD_freeDStream(zstd);
  }

  // Decodes from in[*pos..] into out (appending); stops when in is used up.
  Status Decode(const std::string& in, size_t* pos, std::string* out, const std::string& path) {
    char buf[1 << 16];
    while (*pos < in.size()) {
      if (kind == Compression::kNone) {
        out->append(in, *pos, std::string::npos);
        *pos = in.size();
        return Status();
      }
      if (kind == Compression::kGzip) {
        if (padded) {  // zero bytes after the last member, as tape and block devices pad
          size_t end = in.find_first_not_of('\0', *pos);
          if (end != std::string::npos) return InternalError("unexpected data after the gzip stream in " + path);
          *pos = in.size();
          return Status();
        }
        if (!in_stream && in[*pos] == '\0') {  // a member ended: what follows is padding
          padded = true;
          continue;
        }
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + *pos));
        z.avail_in = static_cast<uInt>(in.size() - *pos);
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof(buf);
        int rc = inflate(&z, Z_NO_FLUSH);
        *pos = in.size() - z.avail_in;
        out->append(buf, sizeof(buf) - z.avail_out);
        in_stream = rc != Z_STREAM_END;
        if (rc == Z_STREAM_END) {
          inflateReset(&z);  // concatenated gzip members read as one file
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
          return InternalError("corrupt gzip data in " + path + ": " + (z.msg ? z.msg : "error"));
        }
      } else {
        ZSTD_inBuffer input{in.data(), in.size(), *pos};
        ZSTD_outBuffer output{buf, sizeof(buf), 0};
        size_t rc = ZSTD_decompressStream(zstd, &output, &input);
        if (ZSTD_isError(rc)) {
          return InternalError("corrupt zstd data in " + path + ": " + ZSTD_getErrorName(rc));
        }
        *pos = input.pos;
        out->append(buf, output.pos);
        in_stream = rc != 0;
        if (output.pos == sizeof(buf)) continue;  // more output may be buffered
      }
    }
    return Status();
  }

  // At the end of the file: a stream still open lost its tail.
  Status Finish(std::string* out, const std::string& path) {
    if (kind == Compression::kZstd && in_stream) {  // flush what zstd still holds
      char buf[1 << 16];
      for (;;) {
        ZSTD_inBuffer input{nullptr, 0, 0};
        ZSTD_outBuffer output{buf, sizeof(buf), 0};
        size_t rc = ZSTD_decompressStream(zstd, &output, &input);
        if (ZSTD_isError(rc)) break;
        out->append(buf, output.pos);
        in_stream = rc != 0;
        if (output.pos == 0) break;
      }
    }
    if (in_stream) {
      return InternalError(std::string(kind == Compression::kGzip ? "gzip" : "zstd") +
                           " file " + path + " is truncated (it ends inside compressed data)");
    }
    return Status();
  }
};

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path, Compression compression) {
  std::unique_ptr<LineReader> r(new LineReader());
  r->path_ = path;
  r->file_ = std::fopen(path.c_str(), "rb");
  if (!r->file_) return IoError("cannot open", path);
  r->decoder_ = std::make_unique<Decoder>(compression);
  return r;
}

LineReader::~LineReader() {
  if (file_) std::fclose(file_);
}

Result<bool> LineReader::Fill() {
  if (eof_) return false;
  in_.erase(0, in_pos_);
  in_pos_ = 0;
  size_t old = in_.size();
  in_.resize(old + kReadSize);
  size_t n = std::fread(in_.data() + old, 1, kReadSize, file_);
  in_.resize(old + n);
  compressed_read_ += n;
  if (n == 0) {
    if (std::ferror(file_)) return IoError("cannot read", path_);
    eof_ = true;
    CIRRUS_RETURN_IF_ERROR(decoder_->Finish(&buffer_, path_));
    return false;
  }
  CIRRUS_RETURN_IF_ERROR(decoder_->Decode(in_, &in_pos_, &buffer_, path_));
  return true;
}

Result<bool> LineReader::Next(std::string_view* line) {
  for (;;) {
    size_t nl = buffer_.find('\n', pos_);
    if (nl != std::string::npos) {
      size_t end = nl > pos_ && buffer_[nl - 1] == '\r' ? nl - 1 : nl;
      *line = std::string_view(buffer_).substr(pos_, end - pos_);
      pos_ = nl + 1;
      ++line_number_;
      return true;
    }
    // No full line buffered: drop what was consumed, read more.
    buffer_.erase(0, pos_);
    pos_ = 0;
    CIRRUS_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more && buffer_.find('\n') == std::string::npos) {
      if (buffer_.empty()) return false;
      line_.swap(buffer_);  // the last line, without a newline
      buffer_.clear();
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      *line = line_;
      ++line_number_;
      return true;
    }
  }
}

// --- OutputFile --------------------------------------------------------------------------

struct OutputFile::Encoder {
  libdeflate_compressor* deflate = nullptr;
  std::string out;
  bool members = false;  // a gzip member was written
  Md5 md5;
  bool gzip;
  explicit Encoder(bool g) : gzip(g) {
    // libdeflate compresses whole buffers about twice as fast as zlib's fastest level; each
    // chunk becomes one gzip member, and a file of several members is one gzip stream to
    // every reader (RFC 1952, gunzip, zlib, Python, Java's GZIPInputStream). Level 1: an
    // export is written once and read once, and the target is throughput.
    if (gzip) deflate = libdeflate_alloc_compressor(1);
  }
  ~Encoder() {
    if (deflate) libdeflate_free_compressor(deflate);
  }
  std::string_view Compress(std::string_view in) {
    out.resize(libdeflate_gzip_compress_bound(deflate, in.size()));
    size_t n = libdeflate_gzip_compress(deflate, in.data(), in.size(), out.data(), out.size());
    members = true;
    return std::string_view(out.data(), n);
  }
};

Result<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path, bool gzip) {
  std::unique_ptr<OutputFile> f(new OutputFile());
  f->path_ = path;
  f->file_ = std::fopen(path.c_str(), "wb");
  if (!f->file_) return IoError("cannot create", path);
  f->encoder_ = std::make_unique<Encoder>(gzip);
  OutputFile* raw = f.get();
  f->thread_ = std::thread([raw] { raw->Run(); });
  return f;
}

OutputFile::~OutputFile() {
  if (thread_.joinable()) (void)Close();
  if (file_) std::fclose(file_);
}

void OutputFile::Write(std::string chunk) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < kMaxQueued; });
  queue_.push_back(std::move(chunk));
  cv_.notify_all();
}

Status OutputFile::Emit(const void* data, size_t size) {
  if (size == 0) return Status();
  encoder_->md5.Update(data, size);
  bytes_written_ += size;
  if (std::fwrite(data, 1, size, file_) != size) return IoError("cannot write", path_);
  return Status();
}

void OutputFile::Run() {
  for (;;) {
    std::string chunk;
    bool last;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      last = queue_.empty();
      if (!last) {
        chunk = std::move(queue_.front());
        queue_.pop_front();
        cv_.notify_all();
      }
    }
    if (last) {
      // An empty file is still a gzip stream: one empty member.
      if (status_.ok() && encoder_->gzip && !encoder_->members) {
        std::string_view member = encoder_->Compress("");
        status_ = Emit(member.data(), member.size());
      }
      return;
    }
    if (!status_.ok() || chunk.empty()) continue;  // keep draining so that Write never blocks
    if (encoder_->gzip) {
      std::string_view member = encoder_->Compress(chunk);
      status_ = Emit(member.data(), member.size());
    } else {
      status_ = Emit(chunk.data(), chunk.size());
    }
  }
}

Status OutputFile::Close() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!file_) return status_;  // closed before
  if (status_.ok() && std::fflush(file_) != 0) status_ = IoError("cannot write", path_);
  if (status_.ok() && fsync(fileno(file_)) != 0) status_ = IoError("cannot sync", path_);
  if (std::fclose(file_) != 0 && status_.ok()) status_ = IoError("cannot close", path_);
  file_ = nullptr;
  encoder_->md5.Final(&md5_base64_, &md5_hex_);
  return status_;
}

Result<std::pair<std::string, std::string>> FileMd5(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return IoError("cannot open", path);
  Md5 md5;
  std::string buf(kReadSize, '\0');
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) md5.Update(buf.data(), n);
  bool failed = std::ferror(f);
  std::fclose(f);
  if (failed) return IoError("cannot read", path);
  std::pair<std::string, std::string> out;
  md5.Final(&out.first, &out.second);
  return out;
}

}  // namespace cirrus::tools
