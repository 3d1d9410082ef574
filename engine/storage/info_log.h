#pragma once
// RocksDB's info log ("LOG" in the database directory), written by a logger that survives a full disk.
//
// RocksDB's own file logger appends through a WritableFileWriter that remembers a failed write; in
// builds with assertions (Debian's librocksdb) its next log line then aborts the process. A full disk
// makes RocksDB log warnings right after the failure, so redrock installs this logger instead: it
// writes with stdio and ignores every error (a line that does not fit is lost, later ones are tried
// again). The previous LOG is kept as LOG.old.

#include <memory>
#include <string>

#include <rocksdb/env.h>

namespace redrock::engine {

// A logger writing lines of `level` and above (and RocksDB's header lines) to dir/LOG. Never fails:
// if the file cannot be opened, lines are dropped.
std::shared_ptr<rocksdb::Logger> NewInfoLog(const std::string& dir, rocksdb::InfoLogLevel level);

}  // namespace redrock::engine
