// The import pipeline (parser thread, sorted runs, writer thread) on a temporary database,
// without the cirrus command around it.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>

#include "db/item_codec.h"
#include "db/testing/temp_database.h"
#include "tools/transfer.h"

namespace cirrus::tools {
namespace {

namespace fs = std::filesystem;

class ImportTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    std::string path = db_.dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  ImportOptions Options(const std::string& in, const std::string& table = "Things") {
    ImportOptions o;
    o.table = table;
    o.in = in;
    o.key = "pk:S";
    o.data_dir = db_.dir();
    return o;
  }
  // Every item of `table`, by its pk's string value.
  std::map<std::string, Item> All(const std::string& table_name) {
    std::map<std::string, Item> out;
    std::shared_ptr<const db::Table> table = db_->FindTable(table_name);
    EXPECT_TRUE(table);
    if (!table) return out;
    Result<db::ReadView> view = db_->Read();
    EXPECT_TRUE(view.ok());
    for (uint32_t p = 0; p < table->definition().partition_count; ++p) {
      Result<db::PartitionCursor> c = view->OpenCursor(*table, p);
      EXPECT_TRUE(c.ok());
      for (bool ok = c->SeekForward("", true); ok; ok = c->Next()) {
        Result<Item> item = db::DecodeItem(c->value());
        EXPECT_TRUE(item.ok());
        out[std::string(item->at("pk").scalar())] = *item;
      }
      EXPECT_TRUE(c->status().ok());
    }
    return out;
  }

  db::testing::TempDatabase db_;
};

TEST_F(ImportTest, DynamoDbJsonLinesCreateTheTableAndBadLinesAreLogged) {
  std::string in = Write("items.json",
                         "{\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1.50\"}}}\n"
                         "{\"Item\":{\"pk\":{\"N\":\"7\"}}}\n"  // the key has the wrong type
                         "not json\n"
                         "{\"Item\":{\"pk\":{\"S\":\"b\"},\"tags\":{\"SS\":[\"x\",\"y\"]}}}\n");
  Result<ImportSummary> s = Import(*db_, Options(in));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(s->error.ok()) << s->error.message();
  EXPECT_EQ(s->files, 1u);
  EXPECT_EQ(s->records, 4u);
  EXPECT_EQ(s->imported, 2u);
  EXPECT_EQ(s->skipped, 2u);
  std::map<std::string, Item> all = All("Things");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all["a"].at("n"), AttributeValue::Number("1.50"));
  EXPECT_EQ(all["b"].at("tags"), AttributeValue::StringSet({"x", "y"}));
  // The error log names the file and line of each record skipped.
  std::ifstream log(s->error_log);
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("items.json"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

TEST_F(ImportTest, ManyRunsAndBatchesLoseNothingAndTheLastWriteOfAKeyWins) {
  std::string lines;
  for (int i = 0; i < 3000; ++i) {
    lines += "{\"Item\":{\"pk\":{\"S\":\"k" + std::to_string(i % 2000) + "\"},\"i\":{\"N\":\"" +
             std::to_string(i) + "\"}}}\n";
  }
  ImportOptions o = Options(Write("many.json", lines));
  o.batch_items = 7;   // many write transactions
  o.run_bytes = 4096;  // many sorted runs
  Result<ImportSummary> s = Import(*db_, o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->imported, 3000u);
  EXPECT_EQ(s->skipped, 0u);
  std::map<std::string, Item> all = All("Things");
  ASSERT_EQ(all.size(), 2000u);
  EXPECT_EQ(all["k0"].at("i"), AttributeValue::Number("2000"));
  EXPECT_EQ(all["k1999"].at("i"), AttributeValue::Number("1999"));
}

TEST_F(ImportTest, CsvRowsBecomeStringAttributes) {
  std::string in = Write("rows.csv", "pk,name,note\na,Ann,\"one, two\"\nb,Bob,\n");
  Result<ImportSummary> s = Import(*db_, Options(in));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->imported, 2u);
  std::map<std::string, Item> all = All("Things");
  EXPECT_EQ(all["a"].at("note"), AttributeValue::String("one, two"));
  EXPECT_EQ(all["a"].at("name"), AttributeValue::String("Ann"));
}

TEST_F(ImportTest, AnExportImportsBackWhole) {
  std::string lines;
  for (int i = 0; i < 100; ++i) {
    lines += "{\"Item\":{\"pk\":{\"S\":\"p" + std::to_string(i) + "\"},\"b\":{\"B\":\"AAEC\"}}}\n";
  }
  ASSERT_TRUE(Import(*db_, Options(Write("src.json", lines), "Source")).ok());
  for (const char* format : {"dynamodb-json", "ion"}) {
    ExportOptions e;
    e.table = "Source";
    e.out_dir = db_.dir() + "/export-" + format;
    e.format = format;
    Result<ExportSummary> exported = Export(*db_, e);
    ASSERT_TRUE(exported.ok()) << exported.status().message();
    EXPECT_EQ(exported->items, 100u);
    std::string target = std::string("Copy-") + format;
    Result<ImportSummary> s = Import(*db_, Options(e.out_dir, target));
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_TRUE(s->error.ok()) << s->error.message();
    EXPECT_EQ(s->imported, 100u) << format;
    EXPECT_EQ(All(target), All("Source")) << format;
  }
}

TEST_F(ImportTest, NothingToImportIsAnErrorBeforeAnythingIsWritten) {
  Result<ImportSummary> s = Import(*db_, Options(db_.dir() + "/missing.json"));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(db_->FindTable("Things"), nullptr);
}

}  // namespace
}  // namespace cirrus::tools
