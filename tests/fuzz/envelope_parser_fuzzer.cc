// libFuzzer target for the code that reads untrusted webhook bodies (after the signature
// check, but Meta's payloads are still input we do not control):
// - ParseDeliveryBody never crashes, hangs or throws;
// - the JSON scanner accepts exactly what nlohmann::json accepts (except numbers beyond
//   double range, which it keeps as text, and text after a NUL byte, which nlohmann
//   ignores), and decodes every string as nlohmann does.
// Build with -DWJ_BUILD_FUZZERS=ON and clang; run: build-fuzz/envelope_parser_fuzzer
// server/samples
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/meta/envelope_parser.h"
#include "server/meta/json_scan.h"

namespace {

enum class Verdict { kAccepted, kRejected, kOutOfRange };

Verdict Nlohmann(std::string_view text) {
  try {
    (void)nlohmann::json::parse(text);
    return Verdict::kAccepted;
  } catch (const nlohmann::json::parse_error&) {
    return Verdict::kRejected;
  } catch (const nlohmann::json::exception&) {
    return Verdict::kOutOfRange;
  }
}

void CheckStrings(const wj::server::json::Document& doc, const wj::server::json::Node& n) {
  using wj::server::json::Kind;
  if (n.kind == Kind::kString) {
    const std::string ours = wj::server::json::DecodeString(doc.Raw(n));
    if (ours != nlohmann::json::parse(doc.Raw(n)).get<std::string>()) std::abort();
  }
  for (const auto* c = doc.FirstChild(n); c != nullptr; c = doc.NextSibling(*c)) {
    if (n.kind == Kind::kObject &&
        doc.Key(*c) != nlohmann::json::parse(doc.RawKey(*c)).get<std::string>()) {
      std::abort();
    }
    CheckStrings(doc, *c);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)wj::server::ParseDeliveryBody(text);

  auto doc = wj::server::json::Document::Parse(text);
  // nlohmann stops reading at a NUL byte and accepts "{}\0garbage"; RFC 8259 does not.
  if (text.find('\0') != std::string_view::npos) return 0;
  const Verdict reference = Nlohmann(text);
  if (reference == Verdict::kAccepted && !doc.ok()) std::abort();  // too strict
  if (reference == Verdict::kRejected && doc.ok()) std::abort();   // too lenient
  if (doc.ok() && reference == Verdict::kAccepted) CheckStrings(doc.value(), doc->root());
  return 0;
}
