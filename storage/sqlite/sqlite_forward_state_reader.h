#pragma once

#include <memory>
#include <string>

#include "storage/forward_state_reader.h"

namespace wj::storage::sqlite {

// Reads through its own small pool of read-only connections.
class SqliteForwardStateReader final : public ForwardStateReader {
 public:
  // Returns NotFound when there is no database at `path` yet.
  static Result<std::unique_ptr<SqliteForwardStateReader>> Open(const std::string& path,
                                                                int connections = 2);
  ~SqliteForwardStateReader() override;

  Result<std::map<std::string, DestinationCursor>> Cursors() override;
  Result<std::map<std::string, LiveFailures>> Failures() override;
  Result<std::vector<ForwardAttempt>> AttemptsFor(std::int64_t seq) override;
  Result<std::vector<Replay>> Replays(int limit) override;
  Result<std::optional<Replay>> ReplayById(std::int64_t id) override;
  Result<std::vector<Replay>> RunningReplays() override;

 private:
  struct Impl;
  explicit SqliteForwardStateReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wj::storage::sqlite
