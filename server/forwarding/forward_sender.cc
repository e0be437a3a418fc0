#include "server/forwarding/forward_sender.h"

namespace wj::server {

ForwardSender::ForwardSender(Destination destination, SenderOptions options, Resolver resolve,
                             const Interrupt* stop)
    : destination_(std::move(destination)),
      options_(options),
      resolve_(std::move(resolve)),
      client_(options.timeout_ms) {
  // Stop() must not wait out a hanging consumer's full timeout.
  if (stop != nullptr) client_.SetAbort([stop] { return stop->triggered(); });
}

Status ForwardSender::Prepare() {
  const auto now = std::chrono::steady_clock::now();
  if (checked_at_ && now - *checked_at_ < options_.re_resolve) return Status::Ok();
  auto url = ParseDestinationUrl(destination_.url);
  if (!url.ok()) return url.status();
  auto addresses = CheckDestination(destination_.url, options_.allow_private, resolve_);
  if (!addresses.ok()) return addresses.status();
  client_.PinAddresses(url.value().host, url.value().port, addresses.value());
  checked_at_ = now;
  return Status::Ok();
}

SendOutcome ForwardSender::Send(const ForwardRequest& request) {
  SendOutcome out;
  if (Status ready = Prepare(); !ready.ok()) {
    out.error = ready.message();
    return out;
  }
  auto answer = client_.Post(destination_.url, request.body, request.headers);
  if (!answer.ok()) {
    // Look the name up again before the next try: the host may have moved.
    checked_at_.reset();
    out.error = answer.status().message();
    return out;
  }
  out.http_status = static_cast<int>(answer.value().status);
  out.delivered = answer.value().status >= 200 && answer.value().status < 300;
  // The answer's body is the consumer's and may echo anything: keep only the status.
  if (!out.delivered) out.error = "HTTP " + std::to_string(answer.value().status);
  return out;
}

}  // namespace wj::server
