#pragma once

#include <ostream>
#include <string>

#include <pistache/http.h>
#include <pistache/http_header.h>

namespace wj::server {

// Response headers Pistache has no class for. Pistache 0.0.5 writes only typed headers to
// the wire (a Header::Raw added to a response is silently dropped), so each header we send
// is a small typed class. Add with response.headers().add<ContentSecurityPolicy>("…").
namespace header_names {
inline constexpr char kContentSecurityPolicy[] = "Content-Security-Policy";
inline constexpr char kContentTypeOptions[] = "X-Content-Type-Options";
inline constexpr char kReferrerPolicy[] = "Referrer-Policy";
inline constexpr char kRetryAfter[] = "Retry-After";
inline constexpr char kWwwAuthenticate[] = "WWW-Authenticate";
inline constexpr char kHubSignature256[] = "X-Hub-Signature-256";
}  // namespace header_names

template <const char* kName>
class TextHeader final : public Pistache::Http::Header::Header {
 public:
  NAME(kName)

  TextHeader() = default;
  explicit TextHeader(std::string value) : value_(std::move(value)) {}

  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }
  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

using ContentSecurityPolicy = TextHeader<header_names::kContentSecurityPolicy>;
using ContentTypeOptions = TextHeader<header_names::kContentTypeOptions>;
using ReferrerPolicy = TextHeader<header_names::kReferrerPolicy>;
using RetryAfter = TextHeader<header_names::kRetryAfter>;
using WwwAuthenticate = TextHeader<header_names::kWwwAuthenticate>;
using HubSignature256 = TextHeader<header_names::kHubSignature256>;

}  // namespace wj::server
