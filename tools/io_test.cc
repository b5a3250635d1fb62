#include "tools/io.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>

namespace cirrus::tools {
namespace {

class IoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cirrus-io-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) { return dir_ + "/" + name; }
  void WriteRaw(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  std::string ReadRaw(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  Result<std::vector<std::string>> Lines(const std::string& path, Compression c) {
    CIRRUS_ASSIGN_OR_RETURN(std::unique_ptr<LineReader> r, LineReader::Open(path, c));
    std::vector<std::string> out;
    std::string_view line;
    for (;;) {
      CIRRUS_ASSIGN_OR_RETURN(bool more, r->Next(&line));
      if (!more) return out;
      out.emplace_back(line);
      EXPECT_EQ(r->line_number(), out.size());
    }
  }
  std::string dir_;
};

std::string ManyLines(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += "{\"Item\":{\"pk\":{\"S\":\"k" + std::to_string(i) + "\"}}}\n";
  return text;
}

TEST_F(IoTest, GzipRoundTripWithChecksum) {
  auto out = OutputFile::Create(Path("a.json.gz"), true);
  ASSERT_TRUE(out.ok());
  std::string text = ManyLines(100000);  // several MB: many chunks, many reads
  (*out)->Write(text.substr(0, 1000000));
  (*out)->Write(text.substr(1000000));
  ASSERT_TRUE((*out)->Close().ok());
  auto md5 = FileMd5(Path("a.json.gz"));
  ASSERT_TRUE(md5.ok());
  EXPECT_EQ(md5->first, (*out)->md5_base64());
  EXPECT_EQ(md5->second, (*out)->md5_hex());
  EXPECT_EQ((*out)->bytes_written(), std::filesystem::file_size(Path("a.json.gz")));
  EXPECT_EQ(*DetectCompression(Path("a.json.gz")), Compression::kGzip);
  auto lines = Lines(Path("a.json.gz"), Compression::kGzip);
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  ASSERT_EQ(lines->size(), 100000u);
  EXPECT_EQ((*lines)[99999], "{\"Item\":{\"pk\":{\"S\":\"k99999\"}}}");
}

TEST_F(IoTest, TruncatedGzipIsAnError) {
  auto out = OutputFile::Create(Path("t.gz"), true);
  ASSERT_TRUE(out.ok());
  (*out)->Write(ManyLines(20000));
  ASSERT_TRUE((*out)->Close().ok());
  std::string bytes = ReadRaw(Path("t.gz"));
  WriteRaw(Path("t.gz"), bytes.substr(0, bytes.size() / 2));
  auto lines = Lines(Path("t.gz"), Compression::kGzip);
  ASSERT_FALSE(lines.ok());
  EXPECT_NE(lines.status().message().find("truncated"), std::string::npos) << lines.status().message();
}

TEST_F(IoTest, ConcatenatedGzipMembersReadAsOne) {
  std::string both;
  for (const char* part : {"a\nb\n", "c\n"}) {
    auto out = OutputFile::Create(Path("m.gz"), true);
    (*out)->Write(part);
    ASSERT_TRUE((*out)->Close().ok());
    both += ReadRaw(Path("m.gz"));
  }
  WriteRaw(Path("m.gz"), both);
  EXPECT_EQ(*Lines(Path("m.gz"), Compression::kGzip), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(IoTest, ZstdAndPlainFiles) {
  std::string text = "x\r\ny\n\nlast";  // CRLF, an empty line, no final newline
  std::string z(ZSTD_compressBound(text.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), text.data(), text.size(), 3));
  WriteRaw(Path("f.zst"), z);
  WriteRaw(Path("f.txt"), text);
  EXPECT_EQ(*DetectCompression(Path("f.zst")), Compression::kZstd);
  EXPECT_EQ(*DetectCompression(Path("f.txt")), Compression::kNone);
  const std::vector<std::string> expected = {"x", "y", "", "last"};
  EXPECT_EQ(*Lines(Path("f.zst"), Compression::kZstd), expected);
  EXPECT_EQ(*Lines(Path("f.txt"), Compression::kNone), expected);
  WriteRaw(Path("f.zst"), z.substr(0, z.size() - 3));
  EXPECT_FALSE(Lines(Path("f.zst"), Compression::kZstd).ok());
}

TEST_F(IoTest, ZeroPaddingAfterGzipIsIgnored) {
  auto out = OutputFile::Create(Path("p.gz"), true);
  (*out)->Write("a\nb\n");
  ASSERT_TRUE((*out)->Close().ok());
  WriteRaw(Path("p.gz"), ReadRaw(Path("p.gz")) + std::string(512, '\0'));
  EXPECT_EQ(*Lines(Path("p.gz"), Compression::kGzip), (std::vector<std::string>{"a", "b"}));
  WriteRaw(Path("p.gz"), ReadRaw(Path("p.gz")) + "junk");
  EXPECT_FALSE(Lines(Path("p.gz"), Compression::kGzip).ok());
}

TEST_F(IoTest, CorruptGzipIsAnError) {
  WriteRaw(Path("c.gz"), std::string("\x1f\x8b\x08\x00garbage-garbage-garbage", 27));
  EXPECT_FALSE(Lines(Path("c.gz"), Compression::kGzip).ok());
}

}  // namespace
}  // namespace cirrus::tools
