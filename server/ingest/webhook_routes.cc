#include "server/ingest/webhook_routes.h"

#include <chrono>

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "server/http/http_headers.h"
#include "server/http/json_response.h"
#include "server/meta/envelope_parser.h"
#include "server/util/time_format.h"

namespace wj::server {

using Pistache::Http::Code;
using Pistache::Http::ResponseWriter;

namespace {

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

WebhookRoutes::WebhookRoutes(std::string verify_token, SignatureVerifier verifier,
                             storage::DeliveryAppender& appender, IngestMetrics& metrics,
                             WebhookClientPolicy client_policy)
    : verify_token_(std::move(verify_token)),
      verifier_(std::move(verifier)),
      appender_(appender),
      metrics_(metrics),
      client_policy_(std::move(client_policy)) {}

void WebhookRoutes::Register(Router& router) {
  router.Add(Pistache::Http::Method::Get, "/webhook",
             [this](const HttpRequest& rq, ResponseWriter& rs) { Handshake(rq, rs); });
  router.Add(Pistache::Http::Method::Post, "/webhook",
             [this](const HttpRequest& rq, ResponseWriter& rs) { Receive(rq, rs); });
}

void WebhookRoutes::Handshake(const HttpRequest& request, ResponseWriter& response) {
  auto mode = request.query.Get("hub.mode");
  auto token = request.query.Get("hub.verify_token");
  auto challenge = request.query.Get("hub.challenge");
  if (mode != "subscribe" || !token || !ConstantTimeEquals(*token, verify_token_)) {
    spdlog::warn("webhook handshake from {} refused: {}", request.peer,
                 mode != "subscribe" ? "hub.mode is not subscribe" : "wrong verify token");
    SendText(response, Code::Forbidden, "Forbidden");
    return;
  }
  if (!challenge) {
    SendText(response, Code::Bad_Request, "hub.challenge is missing");
    return;
  }
  spdlog::info("webhook handshake from {} answered", request.peer);
  // The challenge is echoed as text; nosniff stops a browser from reading it as anything else.
  response.headers().add<ContentTypeOptions>("nosniff");
  SendText(response, Code::Ok, *challenge);
}

void WebhookRoutes::Receive(const HttpRequest& request, ResponseWriter& response) {
  if (draining_.load()) {
    metrics_.CountDelivery(DeliveryOutcome::kUnavailable);
    response.headers().add<RetryAfter>("5");
    SendError(response, Code::Service_Unavailable, "stopping", "service is stopping; retry");
    return;
  }
  ClientOrigin origin = OriginOf(request, client_policy_.trusted_proxies);
  if (client_policy_.require_client_certificate && !origin.certificate) {
    metrics_.CountDelivery(DeliveryOutcome::kRejectedClientCertificate);
    spdlog::warn(
        "delivery from {} refused: no verified client certificate{}", origin.address,
        origin.via_trusted_proxy ? " attested by the front" : " (not from a trusted front)");
    SendError(response, Code::Unauthorized, "client_certificate_required",
              "a verified client certificate is required (Meta's mTLS, through the TLS front)");
    return;
  }
  auto signature = request.Header("X-Hub-Signature-256");
  const SignatureCheck check = verifier_.Verify(signature, request.body());
  if (check != SignatureCheck::kValid) {
    metrics_.CountDelivery(DeliveryOutcome::kRejectedSignature);
    metrics_.CountSignatureRejection(check);
    spdlog::warn("delivery from {} refused: signature {}", request.peer, ToString(check));
    SendError(response, Code::Unauthorized, "bad_signature",
              std::string("X-Hub-Signature-256 is ") + std::string(ToString(check)));
    return;
  }

  ParsedBody parsed = ParseDeliveryBody(request.body());
  const bool unparsed = parsed.error.has_value();
  std::vector<std::string> fields;
  fields.reserve(parsed.events.size());
  for (const auto& e : parsed.events) fields.push_back(e.field);
  storage::DeliveryRecord record{
      UnixMillisNow(),         std::move(origin.address), *signature,   request.body(),
      std::move(parsed.error), std::move(parsed.events),  std::nullopt, std::nullopt};
  const bool verified_certificate = origin.certificate.has_value();
  if (origin.certificate) {
    ClientCertificate& c = *origin.certificate;
    record.client_certificate = storage::ClientCertificate{
        std::move(c.subject), std::move(c.issuer), std::move(c.serial), std::move(c.sha256)};
  }

  // From here on nothing may throw: the writer is moved into the completion, which the
  // writer thread calls once the transaction has committed (or failed).
  auto writer = std::make_shared<ResponseWriter>(std::move(response));
  auto in_flight = in_flight_;
  in_flight->fetch_add(1);
  appender_.Submit(std::move(record), [this, writer, in_flight, unparsed, verified_certificate,
                                       fields = std::move(fields)](
                                          const Result<storage::AppendedDelivery>& result) {
    auto sent = [in_flight](ssize_t) { in_flight->fetch_sub(1); };
    auto lost = [in_flight](std::exception_ptr&) { in_flight->fetch_sub(1); };
    static const auto kJson = Pistache::Http::Mime::MediaType::fromString("application/json");
    if (!result.ok()) {
      metrics_.CountDelivery(DeliveryOutcome::kUnavailable);
      spdlog::error("delivery not journaled: {}", result.status().message());
      writer->headers().add<RetryAfter>("5");
      writer
          ->send(Code::Service_Unavailable,
                 R"({"error":{"code":"journal_unavailable","message":"not stored; retry"}})", kJson)
          .then(sent, lost);
      return;
    }
    const storage::AppendedDelivery& appended = result.value();
    int duplicates = 0;
    for (const auto& e : appended.events) duplicates += e.duplicate_of != 0 ? 1 : 0;
    metrics_.CountDelivery(unparsed ? DeliveryOutcome::kJournaledUnparsed
                                    : DeliveryOutcome::kJournaled);
    metrics_.CountEvents(fields, appended);
    metrics_.CountClientCertificate(verified_certificate);
    if (unparsed) {
      spdlog::warn("delivery {} journaled raw: body is not a well-formed WABA envelope",
                   appended.delivery_id);
    } else {
      spdlog::debug("delivery {} journaled: {} events, {} duplicates", appended.delivery_id,
                    appended.events.size(), duplicates);
    }
    nlohmann::json body = {{"delivery_id", appended.delivery_id},
                           {"events", appended.events.size()},
                           {"duplicates", duplicates},
                           {"parsed", !unparsed}};
    writer->send(Code::Ok, body.dump(), kJson).then(sent, lost);
  });
}

}  // namespace wj::server
