-- What the query API needs beside the journal: indexes for its filters, the message a
-- reaction / edit / revoke points at, per-WABA counters kept by the writer, and API tokens.
-- Everything here is derived from the journal (except tokens) and backfilled below, so a
-- journal written before this migration answers queries the same way.

CREATE INDEX events_by_waba ON events(waba_id, seq);
CREATE INDEX events_by_waba_field ON events(waba_id, field, seq);
CREATE INDEX events_by_field ON events(field, seq);
CREATE INDEX events_by_wamid ON events(wamid, seq) WHERE wamid IS NOT NULL;
CREATE INDEX events_by_wa_id ON events(wa_id, seq) WHERE wa_id IS NOT NULL;
CREATE INDEX events_by_received_at ON events(received_at);
CREATE INDEX events_by_delivery ON events(delivery_id);
CREATE INDEX events_by_duplicate_of ON events(duplicate_of, seq) WHERE duplicate_of IS NOT NULL;

-- The compliance timeline of a WABA in time order. The query repeats this exact WHERE so
-- that SQLite can use the partial index.
CREATE INDEX events_audit_timeline
  ON events(waba_id, coalesce(event_time, received_at / 1000), seq)
  WHERE field IN ('account_alerts', 'account_review_update', 'account_update',
                  'business_capability_update', 'message_template_quality_update',
                  'message_template_status_update', 'phone_number_name_update',
                  'phone_number_quality_update', 'security', 'template_category_update')
    AND duplicate_of IS NULL;

-- A messages event that points at another message: reaction.message_id,
-- edit.original_message_id or revoke.original_message_id.
CREATE TABLE event_targets (
  seq          INTEGER PRIMARY KEY REFERENCES events(seq),
  target_wamid TEXT    NOT NULL
) STRICT;
CREATE INDEX event_targets_by_wamid ON event_targets(target_wamid, seq);

INSERT INTO event_targets (seq, target_wamid)
SELECT seq, target FROM (
  SELECT seq, coalesce(json_extract(value, '$.messages[0].reaction.message_id'),
                       json_extract(value, '$.messages[0].edit.original_message_id'),
                       json_extract(value, '$.messages[0].revoke.original_message_id')) AS target
  FROM events WHERE field = 'messages' AND wamid IS NOT NULL AND json_valid(value))
WHERE target IS NOT NULL AND typeof(target) = 'text';

-- Counters per WABA and field, and per WABA and UTC day, maintained by the writer in the
-- same transaction as the events they count.
CREATE TABLE waba_field_counts (
  waba_id     TEXT    NOT NULL,
  field       TEXT    NOT NULL,
  events      INTEGER NOT NULL,  -- first occurrences
  duplicates  INTEGER NOT NULL,  -- redeliveries
  first_seen  INTEGER NOT NULL,  -- received_at, unix milliseconds
  last_seen   INTEGER NOT NULL,
  PRIMARY KEY (waba_id, field)
) STRICT, WITHOUT ROWID;

CREATE TABLE waba_daily_counts (
  waba_id TEXT    NOT NULL,
  day     INTEGER NOT NULL,  -- received_at / 86400000: days since 1970-01-01 UTC
  events  INTEGER NOT NULL,  -- first occurrences
  PRIMARY KEY (waba_id, day)
) STRICT, WITHOUT ROWID;

INSERT INTO waba_field_counts (waba_id, field, events, duplicates, first_seen, last_seen)
SELECT waba_id, field, sum(duplicate_of IS NULL), sum(duplicate_of IS NOT NULL),
       min(received_at), max(received_at)
FROM events GROUP BY waba_id, field;

INSERT INTO waba_daily_counts (waba_id, day, events)
SELECT waba_id, received_at / 86400000, count(*)
FROM events WHERE duplicate_of IS NULL GROUP BY waba_id, received_at / 86400000;

-- Bearer tokens of the API. Only a SHA-256 of each token is kept.
CREATE TABLE api_tokens (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  scope      TEXT    NOT NULL CHECK (scope IN ('read', 'replay', 'admin')),
  token_hash TEXT    NOT NULL UNIQUE,  -- lowercase hex SHA-256 of the whole token
  created_at INTEGER NOT NULL,         -- unix milliseconds
  revoked_at INTEGER                   -- NULL while the token is valid
) STRICT;

-- The WABAs a token is limited to; none means every WABA.
CREATE TABLE api_token_wabas (
  token_id INTEGER NOT NULL REFERENCES api_tokens(id),
  waba_id  TEXT    NOT NULL,
  PRIMARY KEY (token_id, waba_id)
) STRICT, WITHOUT ROWID;
