// The `events` command: the journal's events, filtered as by GET /api/v1/events, read
// straight from the database file (read-only, so it works while `serve` runs).
#include <iomanip>
#include <iostream>

#include "server/api/api_params.h"
#include "server/api/event_json.h"
#include "server/cli/commands.h"
#include "server/meta/value_identity.h"
#include "server/util/time_format.h"
#include "storage/journal_reader.h"
#include "storage/journal_store.h"

namespace wj::server {
namespace {

constexpr const char* kUsage =
    "Usage: waba-journal events [--db PATH] [filters] [--format ndjson|table]\n\n"
    "Prints the journal's events in seq order, deduplicated unless --include-duplicates:\n"
    "as NDJSON (one EVENT of the API per line, for export) or as a table.\n";

// The table format: one line per event, the value left out.
void PrintRow(const storage::StoredEvent& e) {
  std::cout
      << std::left << std::setw(9) << e.seq << ' ' << FormatTimeMillis(e.received_at_ms) << ' '
      << std::setw(17) << e.waba_id << ' ' << std::setw(32) << e.field << ' ' << std::setw(9)
      << (e.duplicate_of ? "dup:" + std::to_string(*e.duplicate_of) : "-") << ' '
      << (e.erasure_id
              ? "erased:" + std::to_string(*e.erasure_id)
              : (e.value ? IdentifyValue(e.field, *e.value).wamid : std::nullopt).value_or("-"))
      << '\n';
}

}  // namespace

int RunEvents(const std::vector<std::string>& args, const Environment& env) {
  FlagSet flags(
      kUsage,
      {{"db", "WABA_JOURNAL_DB", "PATH", "Journal database file.", "./waba-journal.db"},
       {"waba-id", "", "WABA_ID", "Only this WABA (repeatable).", "", true},
       {"field", "", "FIELD", "Only this webhook field (repeatable).", "", true},
       {"since", "", "TIME", "Received at or after (RFC 3339 or unix seconds).", ""},
       {"until", "", "TIME", "Received before (RFC 3339 or unix seconds).", ""},
       {"after", "", "SEQ", "Only events after this seq (before it with --order desc).", ""},
       {"limit", "", "N", "Print at most N events (default: all).", ""},
       {"order", "", "asc|desc", "Seq order.", "asc"},
       {"include-duplicates", "", "", "Also print Meta's redeliveries.", ""},
       {"wamid", "", "WAMID", "Only events of this message id.", ""},
       {"wa-id", "", "NUMBER", "Only events of this customer number.", ""},
       {"format", "", "ndjson|table", "Output format.", "ndjson"}});
  if (int rc = ParseFlagsOrExit(flags, "events", args, env); rc >= 0) return rc;
  auto fail = [](const std::string& message, int code) {
    std::cerr << "waba-journal events: " << message << '\n';
    return code;
  };

  // The API's parameter names, read from the flags of the same meaning.
  const ApiParams params([&flags](std::string_view name) -> std::vector<std::string> {
    if (name == "limit") return {};  // a page size there, a total here
    if (name == "include_duplicates") {
      return flags.IsSet("include-duplicates") ? std::vector<std::string>{"true"}
                                               : std::vector<std::string>{};
    }
    std::string flag(name);
    for (char& c : flag) c = c == '_' ? '-' : c;
    return flags.GetAll(flag);
  });
  auto filter = ParseEventFilter(params);
  if (!filter.ok()) return fail("--" + filter.status().message(), 2);
  std::optional<std::uint64_t> total;
  if (auto limit = flags.Get("limit")) {
    auto n = ParseCount("limit", *limit);
    if (!n.ok()) return fail(n.status().message(), 2);
    total = n.value();
  }
  const std::string format = *flags.Get("format");
  if (format != "ndjson" && format != "table") return fail("--format must be ndjson or table", 2);

  auto store = storage::OpenJournalStore(*flags.Get("db"), JournalOptions(env));
  if (!store.ok()) return fail(store.status().message(), 1);
  auto reader = store.value()->OpenReader(1);
  if (!reader.ok()) return fail(reader.status().message(), 1);
  storage::EventFilter f = std::move(filter.value());
  std::uint64_t printed = 0;
  while (!total || printed < *total) {
    f.limit = static_cast<int>(
        std::min<std::uint64_t>(storage::kMaxPageSize, total ? *total - printed : UINT64_MAX));
    auto page = reader.value()->Events(f);
    if (!page.ok()) return fail(page.status().message(), 1);
    for (const storage::StoredEvent& e : page->events) {
      if (format == "ndjson") {
        std::cout << EventJson(e) << '\n';
      } else {
        PrintRow(e);
      }
    }
    printed += page->events.size();
    if (!page->next_after) break;
    f.after = page->next_after;
  }
  std::cout.flush();
  return std::cout.good() ? 0 : 1;
}

}  // namespace wj::server
