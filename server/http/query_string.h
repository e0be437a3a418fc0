#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/status.h"

namespace wj::server {

// A URL query string, parsed from its raw text: names keep their dots (hub.mode stays
// hub.mode), repeated names keep every value in order, %XX and '+' are decoded.
//
// Thread-safety: immutable after Parse().
class QueryString {
 public:
  QueryString() = default;

  // `raw` is the text after '?', without it. Returns InvalidArgument on a broken %-escape.
  static Result<QueryString> Parse(std::string_view raw);

  // The first value of `name`, or nullopt when absent.
  std::optional<std::string> Get(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> GetAll(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& params() const { return params_; }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// Decodes %XX escapes and '+' (as space). Returns false on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out);

}  // namespace wj::server
