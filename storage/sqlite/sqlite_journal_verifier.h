#pragma once

#include <string>

#include "storage/journal_verifier.h"

namespace wj::storage::sqlite {

// Recomputes every delivery's and every event's chain_hash from the rows, in order, and
// checks that ids and seqs have no gaps. Reads only; safe while the service is running
// (it sees the last committed state).
// Returns NotFound if there is no database at `path`; a tampered journal is an Ok Result
// whose report has ok == false.
Result<VerifyReport> VerifySqliteJournal(const std::string& path);

}  // namespace wj::storage::sqlite
