#pragma once

#include <map>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "server/util/cli_flags.h"

namespace wj::server {

// An Environment backed by a map, so tests never touch the process environment.
inline Environment Env(std::map<std::string, std::string> vars = {}) {
  return [table = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return it->second;
  };
}

inline void ExpectInvalidNaming(const Status& status, const std::string& text) {
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << status.message();
  EXPECT_NE(status.message().find(text), std::string::npos) << status.message();
}

}  // namespace wj::server
