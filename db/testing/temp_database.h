#pragma once

#include <memory>
#include <string>

#include "db/database.h"

namespace cirrus::db::testing {

// A data directory of its own for one test, in /tmp, removed afterwards, with a Database open
// on it: the fixture the unit tests of db/, streams/ and tools/ share. Failures to create or
// open are reported as GoogleTest failures.
class TempDatabase {
 public:
  TempDatabase();   // creates the directory and opens it with Defaults()
  ~TempDatabase();  // closes the database, removes the directory
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  Database* get() const { return db_.get(); }
  Database* operator->() const { return db_.get(); }
  Database& operator*() const { return *db_; }
  const std::string& dir() const { return dir_; }

  // What tests open with: this directory, no syncs (nothing here must survive a power loss),
  // a 1 GB map.
  Options Defaults() const;
  // Closes the database and opens the directory again: what a restart sees.
  void Reopen() { Reopen(Defaults()); }
  void Reopen(const Options& options);
  void Close() { db_.reset(); }

 private:
  std::string dir_;
  std::unique_ptr<Database> db_;
};

}  // namespace cirrus::db::testing
