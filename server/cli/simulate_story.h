#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wj::server {

// The WABA the story happens to (the one most samples use).
inline constexpr const char* kStoryWaba = "102290129340398";
// The outbound message whose statuses the story delivers out of order (read first).
inline constexpr const char* kStoryWamid =
    "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJTVE9SWV9PVVRCT1VORF9NU0cA";
// An outbound message that fails (error 131049) after being sent.
inline constexpr const char* kStoryFailedWamid =
    "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJTVE9SWV9GQUlMRURfTVNHMDEA";

// Deliveries that tell a short, dated story on top of the samples, in the order to post
// them: an account review rejected then approved an hour later, and two outbound messages,
// one whose statuses arrive out of order (read, sent, delivered) and one that fails.
// Times are around `now_seconds`, so "this week" queries find them.
std::vector<std::string> StoryDeliveries(std::int64_t now_seconds);

}  // namespace wj::server
