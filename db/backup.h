#pragma once
// On-demand backups (DynamoDB's CreateBackup and RestoreTableFromBackup) on any engine: a
// table's definition and items, read from one consistent snapshot, kept in a file; and the
// restore of such a file into another table through the normal write path, so that its
// secondary indexes, counts and sizes come out as any write leaves them.
//
// Backup file := magic "CIRRUSDB BACKUP1" (16 bytes)
//                definition_len:varint EncodeTableDefinition
//                (item_len:varint stored item (item_codec.h)){n}
//                0:varint  n:fixed64  xxh3_64:fixed64 (of every byte before it)
// A file is written beside its final name and renamed there once synced, so a file under the
// final name is always complete; the checksum catches a file damaged since.
#include <atomic>
#include <cstdint>
#include <string>

#include "db/catalog.h"
#include "db/database.h"
#include "db/item/status.h"
#include "db/table.h"

namespace cirrus::db {

struct BackupStats {
  uint64_t items = 0;
  uint64_t item_bytes = 0;  // DynamoDB's sizes of the items (BackupSizeBytes)
  uint64_t file_bytes = 0;
};

// Writes `table`'s items as `view` sees them, with `definition`, to `path` (through
// path + ".tmp", synced, then renamed and the directory synced). kInternal on an I/O error or
// when *cancel became true (nothing is left behind then).
Result<BackupStats> WriteBackupFile(ReadView& view, const Table& table,
                                    const TableDefinition& definition, const std::string& path,
                                    const std::atomic<bool>* cancel = nullptr);

// Reads a whole backup file and checks it; its definition, and its counts in *stats.
Result<TableDefinition> VerifyBackupFile(const std::string& path, BackupStats* stats = nullptr);

// Puts every item of a (verified) backup file into `table`, `batch_items` (or 8 MB) per write. Items
// already there under the same key are replaced, so a restore cut short may be run again.
Status RestoreBackupFile(Database& db, const std::string& path,
                         const std::shared_ptr<const Table>& table, size_t batch_items = 1000,
                         const std::atomic<bool>* cancel = nullptr);

}  // namespace cirrus::db
