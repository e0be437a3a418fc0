// The shipped TLS front (deploy/nginx/waba-journal.conf.template) in front of a real `serve`:
// real nginx, real certificates (deploy/nginx/make-test-certs.sh), real TLS from libcurl.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "server/meta/signature.h"
#include "storage/digest.h"
#include "tests/support/api_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/payloads.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificate.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

namespace wj::server {
namespace {

using std::chrono::seconds;
using testing::ChildProcess;
using testing::TempDir;

constexpr const char* kSecret = "front-secret";
constexpr const char* kVerifyToken = "front-verify-token";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The first program named `name` in PATH or the sbin directories.
std::string FindProgram(const std::string& name) {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/local/sbin";
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = dir + "/" + name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A port that was free a moment ago (nginx needs a number in its configuration).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Waits until `file` exists, by inotify on its directory (no polling); false after `timeout`.
bool WaitForFile(const std::string& file, seconds timeout) {
  const int fd = inotify_init1(IN_CLOEXEC);
  const std::string dir = std::filesystem::path(file).parent_path();
  inotify_add_watch(fd, dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool found = std::filesystem::exists(file);
  while (!found && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) > 0) {
      char buf[4096];
      [[maybe_unused]] auto n = ::read(fd, buf, sizeof(buf));
    }
    found = std::filesystem::exists(file);
  }
  ::close(fd);
  return found;
}

// What a certificate file says of itself, computed here with OpenSSL (not by the server).
struct CertFacts {
  std::string serial_hex;  // uppercase, as nginx prints $ssl_client_serial
  std::string sha256;      // lowercase hex of the DER bytes
};

CertFacts FactsOf(const std::string& pem_file) {
  const std::string pem = ReadFile(pem_file);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) throw std::runtime_error("unreadable certificate " + pem_file);
  CertFacts f;
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert.get()), nullptr);
  char* hex = BN_bn2hex(bn);
  f.serial_hex = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  f.sha256 =
      ToHex(Sha256(std::string(reinterpret_cast<char*>(der), static_cast<std::size_t>(len))));
  OPENSSL_free(der);
  return f;
}

struct Answer {
  long status = 0;  // 0: no HTTP answer
  std::string body;
};

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One HTTPS or HTTP request with libcurl, optionally with a client certificate and from a
// given local address.
struct Request {
  std::string url;
  std::string method = "GET";
  std::string body;
  std::vector<std::string> headers;
  std::string ca_file;      // trust for the server certificate
  std::string client_cert;  // PEM files of a client certificate, or empty
  std::string client_key;
  std::string resolve;        // "localhost:PORT:127.0.0.1"
  std::string local_address;  // bind the client here
};

Answer Send(const Request& r) {
  CURL* curl = curl_easy_init();
  Answer a;
  curl_slist* headers = nullptr;
  for (const auto& h : r.headers) headers = curl_slist_append(headers, h.c_str());
  curl_slist* resolve = nullptr;
  if (!r.resolve.empty()) resolve = curl_slist_append(resolve, r.resolve.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 15000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  if (r.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
  } else if (r.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (!r.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, r.ca_file.c_str());
  if (!r.client_cert.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, r.client_cert.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, r.client_key.c_str());
  }
  if (!r.local_address.empty()) {
    curl_easy_setopt(curl, CURLOPT_INTERFACE, ("host!" + r.local_address).c_str());
  }
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
  }
  curl_slist_free_all(headers);
  curl_slist_free_all(resolve);
  curl_easy_cleanup(curl);
  return a;
}

// serve + nginx with the shipped template, once for the suite.
class NginxFrontTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = new Front(); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  struct Front {
    Front() {
      certs = dir.File("certs");
      ChildProcess make("/bin/bash",
                        {std::string(WJ_SOURCE_DIR) + "/deploy/nginx/make-test-certs.sh", certs});
      if (make.Wait() != 0) throw std::runtime_error("make-test-certs.sh: " + make.ReadAllStderr());

      db = dir.File("journal.db");
      serve = std::make_unique<ChildProcess>(
          WJ_BINARY, std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--api-listen",
                                              "127.0.0.1:0", "--db", db, "--app-secret", kSecret,
                                              "--verify-token", kVerifyToken, "--trusted-proxy",
                                              "127.0.0.1/32", "--max-body", "3145728"});
      auto listening = serve->WaitForLine("listening on ", seconds(20));
      auto api = serve->WaitForLine("api on ", seconds(5));
      if (!listening || !api) throw std::runtime_error("serve did not start");
      webhook_base = listening->substr(std::string("listening on ").size());
      api_base = api->substr(std::string("api on ").size());
      token = testing::CreateToken(db, storage::TokenScope::kRead);

      // Render the template exactly as the README says: envsubst limited to our variables.
      port = FreePort();
      const std::string upstream = webhook_base.substr(std::string("http://").size());
      const std::string rendered = dir.File("waba-journal.conf");
      ChildProcess render(
          "/bin/bash",
          {"-c",
           "envsubst \"$(printf '${%s} ' WJ_SERVER_NAME WJ_HTTPS_PORT WJ_TLS_CERT WJ_TLS_KEY "
           "WJ_CLIENT_CA WJ_UPSTREAM)\" < \"$1\" > \"$2\"",
           "render", std::string(WJ_SOURCE_DIR) + "/deploy/nginx/waba-journal.conf.template",
           rendered},
          {"PATH=/usr/bin:/bin", "WJ_SERVER_NAME=localhost",
           "WJ_HTTPS_PORT=" + std::to_string(port), "WJ_TLS_CERT=" + certs + "/server.pem",
           "WJ_TLS_KEY=" + certs + "/server.key", "WJ_CLIENT_CA=" + certs + "/ca.pem",
           "WJ_UPSTREAM=" + upstream});
      if (render.Wait() != 0) throw std::runtime_error("envsubst: " + render.ReadAllStderr());
      std::string conf = ReadFile(rendered);
      // The one machine-wide path in the file: the access log, moved into the test's directory.
      const std::string log = "/var/log/nginx/waba-journal-webhook.access.log";
      const auto at = conf.find(log);
      if (at == std::string::npos) throw std::runtime_error("access_log path not found");
      conf.replace(at, log.size(), dir.File("access.log"));
      std::ofstream(rendered) << conf;

      const std::string main_conf = dir.File("nginx.conf");
      std::ofstream(main_conf) << (::geteuid() == 0 ? "user root;\n" : "")
                               << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
                               << "pid " << dir.File("nginx.pid") << ";\n"
                               << "error_log " << dir.File("error.log") << " info;\n"
                               << "events { worker_connections 64; }\n"
                               << "http {\n  access_log off;\n"
                               << "  client_body_temp_path " << dir.File("body") << ";\n"
                               << "  proxy_temp_path " << dir.File("proxy") << ";\n"
                               << "  fastcgi_temp_path " << dir.File("fastcgi") << ";\n"
                               << "  uwsgi_temp_path " << dir.File("uwsgi") << ";\n"
                               << "  scgi_temp_path " << dir.File("scgi") << ";\n"
                               << "  include " << rendered << ";\n}\n";
      const std::string nginx_bin = FindProgram("nginx");
      if (nginx_bin.empty())
        throw std::runtime_error("nginx is not installed (scripts/test.sh installs it)");
      nginx = std::make_unique<ChildProcess>(
          nginx_bin,
          std::vector<std::string>{"-e", dir.File("error.log"), "-p", dir.path(), "-c", main_conf});
      // nginx writes its pid file after it has bound the listening socket.
      if (!WaitForFile(dir.File("nginx.pid"), seconds(20))) {
        throw std::runtime_error("nginx did not start: " + ReadFile(dir.File("error.log")));
      }
    }

    TempDir dir;
    std::string certs, db, webhook_base, api_base, token;
    int port = 0;
    std::unique_ptr<ChildProcess> serve;
    std::unique_ptr<ChildProcess> nginx;
  };

  // A request to the front, as Meta would send it, with the client certificate `cert`
  // (a base name in certs/, or empty for none).
  Answer ThroughFront(const std::string& method, const std::string& path_and_query,
                      const std::string& cert, const std::string& body = "") {
    Request r;
    r.url = "https://localhost:" + std::to_string(env_->port) + path_and_query;
    r.method = method;
    r.body = body;
    r.ca_file = env_->certs + "/ca.pem";
    r.resolve = "localhost:" + std::to_string(env_->port) + ":127.0.0.1";
    if (!cert.empty()) {
      r.client_cert = env_->certs + "/" + cert + ".pem";
      r.client_key = env_->certs + "/" + cert + ".key";
    }
    if (method == "POST") {
      r.headers = {"Content-Type: application/json",
                   "X-Hub-Signature-256: " + SignBody(kSecret, body)};
    }
    return Send(r);
  }

  nlohmann::json Api(const std::string& path) {
    Request r;
    r.url = env_->api_base + path;
    r.headers = {"Authorization: Bearer " + env_->token};
    Answer a = Send(r);
    EXPECT_EQ(a.status, 200) << path << ": " << a.body;
    return nlohmann::json::parse(a.body, nullptr, false);
  }

  std::int64_t Deliveries() { return Api("/healthz")["deliveries"].get<std::int64_t>(); }

  static Front* env_;
};

NginxFrontTest::Front* NginxFrontTest::env_ = nullptr;

TEST_F(NginxFrontTest, HandshakePassesWithoutAClientCertificate) {
  Answer a = ThroughFront("GET",
                          std::string("/webhook?hub.mode=subscribe&hub.verify_token=") +
                              kVerifyToken + "&hub.challenge=1158201444",
                          "");

  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "1158201444");
}

TEST_F(NginxFrontTest, MetasCertificateIsAcceptedAndJournaledWithItsSerialAndFingerprint) {
  const std::int64_t before = Deliveries();

  Answer a = ThroughFront("POST", "/webhook", "meta-client", testing::InboundText("wamid.front1"));

  ASSERT_EQ(a.status, 200) << a.body;
  const std::int64_t id = nlohmann::json::parse(a.body)["delivery_id"].get<std::int64_t>();
  EXPECT_EQ(Deliveries(), before + 1);
  nlohmann::json d = Api("/api/v1/deliveries/" + std::to_string(id));
  const CertFacts facts = FactsOf(env_->certs + "/meta-client.pem");
  ASSERT_TRUE(d["client_certificate"].is_object()) << d.dump();
  EXPECT_EQ(d["client_certificate"]["serial"], facts.serial_hex);
  EXPECT_EQ(d["client_certificate"]["sha256"], facts.sha256);
  EXPECT_EQ(d["client_certificate"]["subject"].get<std::string>().rfind(
                "CN=client.webhooks.fbclientcerts.com,", 0),
            0u)
      << d["client_certificate"]["subject"];
  EXPECT_NE(d["client_certificate"]["issuer"].get<std::string>().find("WABA Journal Test CA"),
            std::string::npos);
  EXPECT_EQ(d["peer"], "127.0.0.1");
}

TEST_F(NginxFrontTest, WrongCommonNameIsRefusedAndNothingJournaled) {
  const std::int64_t before = Deliveries();

  Answer a =
      ThroughFront("POST", "/webhook", "other-cn-client", testing::InboundText("wamid.front2"));

  EXPECT_EQ(a.status, 403);
  EXPECT_EQ(Deliveries(), before);
}

TEST_F(NginxFrontTest, CertificateFromAnotherCaIsRefusedAndNothingJournaled) {
  const std::int64_t before = Deliveries();

  Answer a = ThroughFront("POST", "/webhook", "rogue-client", testing::InboundText("wamid.front3"));

  EXPECT_TRUE(a.status == 400 || a.status == 403) << a.status;
  EXPECT_EQ(Deliveries(), before);
}

TEST_F(NginxFrontTest, PostWithoutACertificateIsRefusedAndNothingJournaled) {
  const std::int64_t before = Deliveries();

  Answer a = ThroughFront("POST", "/webhook", "", testing::InboundText("wamid.front4"));

  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(Deliveries(), before);
}

TEST_F(NginxFrontTest, OnlyTheWebhookIsServedByTheFront) {
  EXPECT_EQ(ThroughFront("GET", "/api/v1/events", "meta-client").status, 404);
  EXPECT_EQ(ThroughFront("GET", "/healthz", "meta-client").status, 404);
  EXPECT_EQ(ThroughFront("GET", "/", "meta-client").status, 404);
  EXPECT_EQ(ThroughFront("PUT", "/webhook", "meta-client").status, 405);
}

TEST_F(NginxFrontTest, ForgedCertificateHeadersSentStraightToServeAreIgnored) {
  // From 127.0.0.2: on loopback, but not the trusted front (127.0.0.1/32).
  const std::string body = testing::InboundText("wamid.front5");
  Request r;
  r.url = env_->webhook_base + "/webhook";
  r.method = "POST";
  r.body = body;
  r.local_address = "127.0.0.2";
  r.headers = {"Content-Type: application/json",
               "X-Hub-Signature-256: " + SignBody(kSecret, body),
               "X-Forwarded-For: 198.51.100.7",
               "X-Client-Cert-Verify: SUCCESS",
               "X-Client-Cert-Subject: CN=client.webhooks.fbclientcerts.com",
               "X-Client-Cert-Issuer: CN=Forged CA",
               "X-Client-Cert-Serial: 01",
               "X-Client-Cert: " + testing::UrlEscape(ReadFile(env_->certs + "/meta-client.pem"))};

  Answer a = Send(r);

  ASSERT_EQ(a.status, 200) << a.body;
  const std::int64_t id = nlohmann::json::parse(a.body)["delivery_id"].get<std::int64_t>();
  nlohmann::json d = Api("/api/v1/deliveries/" + std::to_string(id));
  EXPECT_TRUE(d["client_certificate"].is_null()) << d.dump();
  EXPECT_EQ(d["peer"].get<std::string>().rfind("127.0.0.2:", 0), 0u) << d["peer"];
}

TEST(RequireClientCertTest, PostWithoutAFrontIsRefused401) {
  TempDir dir;
  ChildProcess serve(WJ_BINARY,
                     {"serve", "--listen", "127.0.0.1:0", "--db", dir.File("j.db"), "--app-secret",
                      kSecret, "--verify-token", kVerifyToken, "--require-client-cert"});
  auto line = serve.WaitForLine("listening on ", seconds(20));
  ASSERT_TRUE(line);
  const std::string body = testing::InboundText("wamid.direct");
  Request r;
  r.url = line->substr(std::string("listening on ").size()) + "/webhook";
  r.method = "POST";
  r.body = body;
  r.headers = {"Content-Type: application/json", "X-Hub-Signature-256: " + SignBody(kSecret, body),
               "X-Client-Cert-Verify: SUCCESS",
               "X-Client-Cert-Subject: CN=client.webhooks.fbclientcerts.com"};

  Answer a = Send(r);

  EXPECT_EQ(a.status, 401) << a.body;
  EXPECT_NE(a.body.find("client_certificate_required"), std::string::npos) << a.body;
}

}  // namespace
}  // namespace wj::server
