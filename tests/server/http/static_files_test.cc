#include "server/http/static_files.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/test_service.h"

namespace wj::server {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

TEST(StaticFilesTest, RejectsPathTraversal) {
  testing::TempDir dir;
  const fs::path root = fs::path(dir.path()) / "web";
  WriteFile(root / "index.html", "ui");
  WriteFile(fs::path(dir.path()) / "secret.txt", "secret");
  fs::create_symlink(fs::path(dir.path()) / "secret.txt", root / "link.txt");
  for (const char* path :
       {"/../secret.txt", "/lib/../../secret.txt", "/./index.html", "/%2e%2e/secret.txt",
        "/..%2fsecret.txt", "/.hidden", "/lib//x.js", "/..\\secret.txt", "/link.txt"}) {
    EXPECT_FALSE(StaticFiles::ResolveUnderRoot(root, path)) << path;
  }
}

TEST(StaticFilesTest, ResolvesFilesAndFoldersUnderTheRoot) {
  testing::TempDir dir;
  const fs::path root = fs::path(dir.path()) / "web";
  WriteFile(root / "index.html", "ui");
  const fs::path canonical = fs::canonical(root);
  EXPECT_EQ(StaticFiles::ResolveUnderRoot(root, "/"), canonical / "index.html");
  EXPECT_EQ(StaticFiles::ResolveUnderRoot(root, "/pages/events.js"),
            canonical / "pages" / "events.js");
}

TEST(StaticFilesTest, GuessesMimeTypesOfTheUiFiles) {
  EXPECT_EQ(StaticFiles::MimeType("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticFiles::MimeType("lib/api.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticFiles::MimeType("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(StaticFiles::MimeType("blob"), "application/octet-stream");
}

TEST(StaticFilesTest, ServesTheBuiltInUiWithAStrictContentSecurityPolicy) {
  testing::TempDir dir;
  testing::TestService service(testing::TestConfig(dir));
  auto index = service.Get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<script type=\"module\" src=\"app.js\"></script>"), std::string::npos);
  EXPECT_NE(index.headers.find("Content-Security-Policy: " +
                               std::string(StaticFiles::kContentSecurityPolicy)),
            std::string::npos)
      << index.headers;
  EXPECT_EQ(std::string(StaticFiles::kContentSecurityPolicy).find("unsafe"), std::string::npos);
  auto module = service.Get("/lib/api.js");
  EXPECT_EQ(module.status, 200);
  EXPECT_NE(module.headers.find("text/javascript"), std::string::npos) << module.headers;
  EXPECT_EQ(service.Get("/../CMakeLists.txt").status, 404);
  EXPECT_EQ(service.Get("/no-such-file.js").status, 404);
}

TEST(StaticFilesTest, ServesFromTheWebRootOnDiskWhenConfigured) {
  testing::TempDir dir;
  WriteFile(fs::path(dir.path()) / "web" / "index.html", "from disk");
  WriteFile(fs::path(dir.path()) / "web" / "pages" / "a.js", "export {};");
  WriteFile(fs::path(dir.path()) / "outside.txt", "secret");
  server::ServeConfig config = testing::TestConfig(dir);
  config.web_root = dir.File("web");
  testing::TestService service(config);
  auto index = service.Get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "from disk");
  EXPECT_NE(index.headers.find("Content-Security-Policy: "), std::string::npos);
  EXPECT_EQ(service.Get("/pages/a.js").body, "export {};");
  EXPECT_EQ(service.Get("/../outside.txt").status, 404);
  EXPECT_EQ(service.Get("/pages/../../outside.txt").status, 404);
  EXPECT_EQ(service.Get("/pages").status, 404);  // a folder is not a file
}

}  // namespace
}  // namespace wj::server
