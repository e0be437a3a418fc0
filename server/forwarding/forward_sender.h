#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/forwarding/destinations.h"
#include "server/forwarding/forward_request.h"
#include "server/forwarding/outbound_policy.h"
#include "server/http/http_client.h"
#include "server/util/interrupt.h"

namespace wj::server {

// How one POST to a destination went.
struct SendOutcome {
  bool delivered = false;          // a 2xx answer
  std::optional<int> http_status;  // nullopt when no HTTP answer came
  std::string error;               // why it was not delivered; empty when delivered
};

struct SenderOptions {
  long timeout_ms = 10'000;  // the whole request; connecting is bounded by min(this, 5 s)
  bool allow_private = false;
  std::chrono::minutes re_resolve{5};  // public names are looked up again this often
};

// Sends requests to one destination over a kept-alive connection. Before connecting it
// resolves the destination's host and refuses any address CheckDestination() refuses (no
// requests to loopback, private or metadata addresses unless allowed); the accepted
// addresses are pinned, so the connection goes exactly where the check looked.
//
// Thread-safety: one instance per thread.
class ForwardSender {
 public:
  // A request in flight is abandoned soon after `stop` is triggered (may be null).
  ForwardSender(Destination destination, SenderOptions options, Resolver resolve,
                const Interrupt* stop = nullptr);

  SendOutcome Send(const ForwardRequest& request);

 private:
  // Resolves and checks the host when due; the refusal or lookup failure otherwise.
  Status Prepare();

  const Destination destination_;
  const SenderOptions options_;
  const Resolver resolve_;
  HttpClient client_;
  std::optional<std::chrono::steady_clock::time_point> checked_at_;  // none: check again
};

}  // namespace wj::server
