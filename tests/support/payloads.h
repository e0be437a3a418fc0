#pragma once

#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace wj::testing {

// A one-message `messages` delivery, as Meta sends it (no entry.time).
inline std::string InboundText(const std::string& wamid, const std::string& text = "hello",
                               const std::string& waba_id = "102290129340398") {
  return R"({"object":"whatsapp_business_account","entry":[{"id":")" + waba_id +
         R"(","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":")" +
         wamid + R"(","timestamp":"1749416383","type":"text","text":{"body":")" + text +
         R"("}}]},"field":"messages"}]}]})";
}

// A delivery of one change: `value` is JSON text; `time` is entry.time (omitted when 0).
inline std::string Change(const std::string& waba_id, const std::string& field,
                          const std::string& value, long long time = 0) {
  const std::string t = time != 0 ? R"(,"time":)" + std::to_string(time) : "";
  return R"({"object":"whatsapp_business_account","entry":[{"id":")" + waba_id + "\"" + t +
         R"(,"changes":[{"field":")" + field + R"(","value":)" + value + "}]}]}";
}

// An outbound message status (statuses[]), as Meta sends it.
inline std::string StatusUpdate(const std::string& wamid, const std::string& status,
                                long long timestamp, const std::string& waba_id = "102290129340398",
                                const std::string& extra = "") {
  return Change(
      waba_id, "messages",
      R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"statuses":[{"id":")" +
          wamid + R"(","status":")" + status + R"(","timestamp":")" + std::to_string(timestamp) +
          R"(","recipient_id":"16505551234")" + extra + "}]}");
}

// An inbound reaction to message `target`.
inline std::string Reaction(const std::string& wamid, const std::string& target,
                            const std::string& waba_id = "102290129340398") {
  return Change(
      waba_id, "messages",
      R"({"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"messages":[{"from":"16505551234","id":")" +
          wamid + R"(","timestamp":"1749416400","type":"reaction","reaction":{"message_id":")" +
          target + R"(","emoji":"\ud83d\udc4d"}}]})");
}

// Runs a single-value query against the journal file, read-only.
inline long long QueryInt(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

inline std::string QueryText(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, sql);
  if (!q.executeStep()) return {};
  return q.getColumn(0).getString();
}

}  // namespace wj::testing
