#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "server/http/router.h"
#include "storage/embedded_file.h"

namespace wj::server {

// Serves the web UI for GET requests: "/" is index.html; any other path names a file.
// Files come either from the table compiled into the binary (only its names can be
// served) or, for UI development, from a directory on disk (only regular files under it).
// Every answer carries a Content-Security-Policy that allows scripts, styles and
// connections from this origin only, and no inline script or style.
//
// Thread-safety: immutable after construction.
class StaticFiles {
 public:
  explicit StaticFiles(std::span<const EmbeddedFile> files);
  // Serves from `root` on disk, read at each request.
  explicit StaticFiles(std::filesystem::path root);
  void Register(Router& router);

  // The MIME type for a file name, by extension; application/octet-stream if unknown.
  static std::string_view MimeType(std::string_view path);

  // The file under `root` that the request path `path` names, or nullopt when the path
  // could leave `root`: a "." or ".." segment, a hidden name, a backslash, a
  // percent-encoded byte, or a symbolic link pointing outside it. Does not check that the
  // file exists.
  static std::optional<std::filesystem::path> ResolveUnderRoot(const std::filesystem::path& root,
                                                               std::string_view path);

  // The Content-Security-Policy sent with every file.
  static constexpr std::string_view kContentSecurityPolicy =
      "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
      "frame-ancestors 'none'";

 private:
  void Serve(const HttpRequest& request, Pistache::Http::ResponseWriter& response) const;
  // The file's content, or nullopt when there is no such file.
  std::optional<std::string> Read(std::string_view name) const;

  std::span<const EmbeddedFile> files_;
  std::optional<std::filesystem::path> root_;  // set: serve from disk
};

}  // namespace wj::server
