-- The journal: every verified delivery, raw, and every change in it as an event.
-- Both tables are append-only (triggers below) and hash-chained (chain_hash), so that
-- any edit made behind the service's back is detected by `waba-journal verify`.
-- Times are unix milliseconds (received_at) or Meta's unix seconds (event_time).

CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  sha256     TEXT    NOT NULL,   -- of the migration's SQL, to detect an edited migration
  applied_at INTEGER NOT NULL    -- unix milliseconds
) STRICT;

CREATE TABLE deliveries (
  id          INTEGER PRIMARY KEY,  -- assigned by the writer: 1, 2, 3, ... without gaps
  received_at INTEGER NOT NULL,
  peer        TEXT    NOT NULL,     -- remote address as seen by the listener
  signature   TEXT    NOT NULL,     -- the X-Hub-Signature-256 header, exactly as received
  body        BLOB    NOT NULL,     -- the request body, byte for byte
  parse_error TEXT,                 -- NULL when the body was a well-formed WABA envelope
  event_count INTEGER NOT NULL,
  chain_hash  BLOB    NOT NULL      -- SHA-256(previous delivery's chain_hash || this row)
) STRICT;

CREATE TABLE events (
  seq          INTEGER PRIMARY KEY,  -- strictly increasing, without gaps
  delivery_id  INTEGER NOT NULL REFERENCES deliveries(id),
  object       TEXT    NOT NULL,     -- the envelope's "object", usually whatsapp_business_account
  waba_id      TEXT    NOT NULL,     -- entry[].id
  field        TEXT    NOT NULL,     -- entry[].changes[].field
  event_time   INTEGER,              -- entry[].time; NULL when Meta did not send one
  received_at  INTEGER NOT NULL,
  dedup_key    TEXT    NOT NULL,
  duplicate_of INTEGER REFERENCES events(seq),  -- NULL for the first occurrence
  wamid        TEXT,                 -- message id for messages items (message or status)
  wa_id        TEXT,                 -- customer number for messages items
  value        TEXT    NOT NULL,     -- the change's value as JSON
  chain_hash   BLOB    NOT NULL      -- SHA-256(previous event's chain_hash || this row)
) STRICT;

-- At most one first occurrence per dedup key: the database itself refuses a second one.
CREATE UNIQUE INDEX events_first_by_dedup_key ON events(dedup_key) WHERE duplicate_of IS NULL;

CREATE TRIGGER deliveries_refuse_update BEFORE UPDATE ON deliveries
BEGIN SELECT RAISE(ABORT, 'journal is append-only: deliveries cannot be updated'); END;
CREATE TRIGGER deliveries_refuse_delete BEFORE DELETE ON deliveries
BEGIN SELECT RAISE(ABORT, 'journal is append-only: deliveries cannot be deleted'); END;
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'journal is append-only: events cannot be updated'); END;
CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'journal is append-only: events cannot be deleted'); END;
