#pragma once

#include <span>
#include <string>
#include <string_view>

#include "server/router.h"
#include "storage/embedded_file.h"

namespace wj::server {

// The web UI's files as compiled into the binary from web/.
std::span<const EmbeddedFile> WebFiles();

// Serves embedded files for GET requests: "/" is index.html; any other path names a file.
// Only names in the embedded table can be served, so no path escapes it.
//
// Thread-safety: immutable after construction.
class StaticFiles {
 public:
  explicit StaticFiles(std::span<const EmbeddedFile> files);
  void Register(Router& router);

  // The MIME type for a file name, by extension; application/octet-stream if unknown.
  static std::string_view MimeType(std::string_view path);

 private:
  void Serve(const HttpRequest& request, Pistache::Http::ResponseWriter& response) const;

  std::span<const EmbeddedFile> files_;
};

}  // namespace wj::server
