#include "db/testing/temp_database.h"

#include <stdlib.h>

#include <filesystem>
#include <gtest/gtest.h>

namespace cirrus::db::testing {

TempDatabase::TempDatabase() {
  char tmpl[] = "/tmp/cirrus-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  Reopen();
}

TempDatabase::~TempDatabase() {
  db_.reset();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Options TempDatabase::Defaults() const {
  Options options;
  options.path = dir_;
  options.sync = false;
  options.map_size = size_t{1} << 30;
  return options;
}

void TempDatabase::Reopen(const Options& options) {
  db_.reset();
  Result<std::unique_ptr<Database>> db = Database::Open(options);
  if (!db.ok()) {
    ADD_FAILURE() << "cannot open " << options.path << ": " << db.status().message();
    return;
  }
  db_ = std::move(*db);
}

}  // namespace cirrus::db::testing
