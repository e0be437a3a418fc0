-- Schema 6 separates what the chains commit to from what may be erased (GDPR Art. 17,
-- LGPD Art. 18, content retention). Chained rows keep metadata only: no number, name, wamid
-- or text. Customers' identifiers are kept as keyed digests (HMAC with the journal key, which
-- lives outside this file) and content under salted commitments in tables whose rows may be
-- deleted but never updated. See ARCHITECTURE.md, "Erasure".
--
-- A journal of schema 5 is converted in the same transaction: its chains are verified, every
-- row is rewritten in this form (the program step marked below), the new chains start from
-- a commitment to the old chains' final hashes (journal_origin), and the old tables go.

ALTER TABLE deliveries RENAME TO v5_deliveries;
ALTER TABLE events RENAME TO v5_events;
ALTER TABLE event_targets RENAME TO v5_event_targets;
-- Their indexes and triggers go with them once converted, below.

-- Where the chains start, and the key the digests were made with (recognised, not revealed).
CREATE TABLE journal_origin (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  key_check          BLOB    NOT NULL,  -- JournalKey::Check()
  upgraded_at        INTEGER,           -- unix milliseconds; NULL for a journal born in schema 6
  v5_deliveries      INTEGER NOT NULL,  -- rows of the old chains (0 when none)
  v5_delivery_tip    BLOB,              -- their final chain hashes
  v5_events          INTEGER NOT NULL,
  v5_event_tip       BLOB
) STRICT;

-- Chained: one row per delivery, without its bytes. Its chain hash covers a salted commitment
-- to its content, SHA-256(salt, signature, body), which is not stored: verify recomputes it
-- from the content, or takes it from erased_deliveries once the content is erased.
CREATE TABLE deliveries (
  id                  INTEGER PRIMARY KEY,  -- 1, 2, 3, ... without gaps
  received_at         INTEGER NOT NULL,     -- unix milliseconds
  peer                TEXT    NOT NULL,
  parse_error         TEXT,
  event_count         INTEGER NOT NULL,
  client_cert_subject TEXT,
  client_cert_issuer  TEXT,
  client_cert_serial  TEXT,
  client_cert_sha256  TEXT,
  chain_hash          BLOB    NOT NULL
) STRICT;

-- Erasable: the raw bytes and Meta's signature over them (with the app secret, a signature
-- confirms guesses about a short body).
CREATE TABLE delivery_content (
  delivery_id INTEGER PRIMARY KEY,
  salt        BLOB NOT NULL,
  signature   ANY  NOT NULL,  -- Meta's "sha256=<64 hex>" as its 32 bytes; any other header as text
  body        BLOB NOT NULL
) STRICT;

-- Chained: one row per change. Its chain hash covers SHA-256(salt || value), recomputed from
-- the value by verify, or taken from erased_events once the value is erased.
CREATE TABLE events (
  seq            INTEGER PRIMARY KEY,  -- strictly increasing, without gaps
  delivery_id    INTEGER,              -- NULL for an erasure's tombstone
  object         TEXT,                 -- NULL for the usual "whatsapp_business_account"
  waba_id        TEXT    NOT NULL,
  field          TEXT    NOT NULL,
  event_time     INTEGER,              -- entry[].time, unix seconds
  received_at    INTEGER NOT NULL,     -- unix milliseconds
  duplicate_of   INTEGER,              -- the first occurrence's seq; NULL for a first occurrence
  kind           TEXT,                 -- message, status, error, ... of a split messages change
  status         TEXT,                 -- a status item's status
  item_time      INTEGER,              -- the item's own timestamp, unix seconds
  error_codes    TEXT    NOT NULL,     -- comma-separated, '' when none
  customer_data  INTEGER NOT NULL,     -- 1: the field carries customers' data
  dedup_digest   BLOB    NOT NULL,     -- HMAC(key, wamid) ‖ 8 bytes of HMAC(key, dedup key) for
                                       -- an event about a message; else HMAC(key, dedup key)
  target_digest  BLOB,                 -- HMAC(key, the wamid a reaction / edit / revoke is about)
  value_at       INTEGER,              -- the value is the delivery body's bytes from here on
  value_len      INTEGER,
  chain_hash     BLOB    NOT NULL
) STRICT;

-- Chained (in their event's hash): the random subject ids of the customers an event names.
CREATE TABLE event_subjects (
  subject_id BLOB    NOT NULL,
  seq        INTEGER NOT NULL,
  PRIMARY KEY (subject_id, seq)
) STRICT, WITHOUT ROWID;

-- Erasable: an event's value when it is not inside a stored raw body.
CREATE TABLE event_content (
  seq   INTEGER PRIMARY KEY,
  salt  BLOB NOT NULL,
  value TEXT NOT NULL
) STRICT;

-- Erasable: which random subject id stands for a customer's number in a WABA. Erasing the
-- customer deletes the row: the subject id then links to no one.
CREATE TABLE subjects (
  waba_id          TEXT NOT NULL,
  customer_digest  BLOB NOT NULL,  -- HMAC(key, wa_id)
  subject_id       BLOB NOT NULL UNIQUE,
  PRIMARY KEY (waba_id, customer_digest)
) STRICT, WITHOUT ROWID;

-- Erasures executed, each with its tombstone event (field 'erasure') in the chain.
CREATE TABLE erasures (
  id                 INTEGER PRIMARY KEY,
  waba_id            TEXT    NOT NULL,
  scope              TEXT    NOT NULL CHECK (scope IN ('customer', 'before')),
  reason             TEXT    NOT NULL,
  requested_by       TEXT    NOT NULL,
  requested_at       INTEGER NOT NULL,
  erased_at          INTEGER NOT NULL,
  received_before    INTEGER,
  events             INTEGER NOT NULL,
  deliveries         INTEGER NOT NULL,
  first_seq          INTEGER NOT NULL,
  last_seq           INTEGER NOT NULL,
  root               BLOB    NOT NULL,
  tombstone_seq      INTEGER NOT NULL
) STRICT;
CREATE INDEX erasures_by_waba ON erasures(waba_id, id);

-- What each erasure removed, with the commitment the row's chain hash covers (the leaves of
-- the erasure's Merkle root). late = 1: a redelivery of an erased message, journaled after
-- the erasure without its content (not in the erasure's root; justified by its duplicate_of).
CREATE TABLE erased_events (
  seq        INTEGER PRIMARY KEY,
  erasure_id INTEGER NOT NULL,
  late       INTEGER NOT NULL CHECK (late IN (0, 1)),
  commitment BLOB    NOT NULL
) STRICT;
CREATE TABLE erased_deliveries (
  delivery_id INTEGER PRIMARY KEY,
  erasure_id  INTEGER NOT NULL,
  late        INTEGER NOT NULL CHECK (late IN (0, 1)),
  commitment  BLOB    NOT NULL
) STRICT;

-- Needed while converting: the dedup lookup of every row. One index serves dedup and the
-- lookups by wamid (a range of digests). The database itself refuses a second first
-- occurrence of a digest (a trigger: a unique index would be a second index to write, at
-- a random place, for every event).
CREATE INDEX events_by_dedup ON events(dedup_digest);
CREATE TRIGGER events_one_first_occurrence BEFORE INSERT ON events
WHEN NEW.duplicate_of IS NULL AND EXISTS (
  SELECT 1 FROM events WHERE dedup_digest = NEW.dedup_digest AND duplicate_of IS NULL)
BEGIN SELECT RAISE(ABORT, 'journal already holds a first occurrence of this dedup digest'); END;

-- convert: program step (schema 5 rows -> schema 6)

DROP TABLE v5_event_targets;
DROP TABLE v5_events;
DROP TABLE v5_deliveries;

CREATE INDEX events_by_waba ON events(waba_id, seq);
CREATE INDEX events_by_waba_field ON events(waba_id, field, seq);
CREATE INDEX events_by_field ON events(field, seq);
CREATE INDEX events_by_target ON events(target_digest, seq) WHERE target_digest IS NOT NULL;
CREATE INDEX events_by_received_at ON events(received_at);
CREATE INDEX events_by_delivery ON events(delivery_id);
CREATE INDEX events_by_duplicate_of ON events(duplicate_of, seq) WHERE duplicate_of IS NOT NULL;
CREATE INDEX events_audit_timeline
  ON events(waba_id, coalesce(event_time, received_at / 1000), seq)
  WHERE field IN ('account_alerts', 'account_review_update', 'account_update',
                  'business_capability_update', 'erasure', 'message_template_quality_update',
                  'message_template_status_update', 'phone_number_name_update',
                  'phone_number_quality_update', 'security', 'template_category_update')
    AND duplicate_of IS NULL;
CREATE INDEX event_subjects_by_seq ON event_subjects(seq);

-- Chained tables: append-only.
CREATE TRIGGER journal_origin_refuse_update BEFORE UPDATE ON journal_origin
BEGIN SELECT RAISE(ABORT, 'journal is append-only: its origin cannot be updated'); END;
CREATE TRIGGER journal_origin_refuse_delete BEFORE DELETE ON journal_origin
BEGIN SELECT RAISE(ABORT, 'journal is append-only: its origin cannot be deleted'); END;
CREATE TRIGGER deliveries_refuse_update BEFORE UPDATE ON deliveries
BEGIN SELECT RAISE(ABORT, 'journal is append-only: deliveries cannot be updated'); END;
CREATE TRIGGER deliveries_refuse_delete BEFORE DELETE ON deliveries
BEGIN SELECT RAISE(ABORT, 'journal is append-only: deliveries cannot be deleted'); END;
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'journal is append-only: events cannot be updated'); END;
CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'journal is append-only: events cannot be deleted'); END;
CREATE TRIGGER event_subjects_refuse_update BEFORE UPDATE ON event_subjects
BEGIN SELECT RAISE(ABORT, 'journal is append-only: event subjects cannot be updated'); END;
CREATE TRIGGER event_subjects_refuse_delete BEFORE DELETE ON event_subjects
BEGIN SELECT RAISE(ABORT, 'journal is append-only: event subjects cannot be deleted'); END;
CREATE TRIGGER erasures_refuse_update BEFORE UPDATE ON erasures
BEGIN SELECT RAISE(ABORT, 'erasures are append-only'); END;
CREATE TRIGGER erasures_refuse_delete BEFORE DELETE ON erasures
BEGIN SELECT RAISE(ABORT, 'erasures are append-only'); END;
CREATE TRIGGER erased_events_refuse_update BEFORE UPDATE ON erased_events
BEGIN SELECT RAISE(ABORT, 'erasures are append-only'); END;
CREATE TRIGGER erased_events_refuse_delete BEFORE DELETE ON erased_events
BEGIN SELECT RAISE(ABORT, 'erasures are append-only'); END;
CREATE TRIGGER erased_deliveries_refuse_update BEFORE UPDATE ON erased_deliveries
BEGIN SELECT RAISE(ABORT, 'erasures are append-only'); END;
CREATE TRIGGER erased_deliveries_refuse_delete BEFORE DELETE ON erased_deliveries
BEGIN SELECT RAISE(ABORT, 'erasures are append-only'); END;
-- Erasable tables: rows may go, never change.
CREATE TRIGGER delivery_content_refuse_update BEFORE UPDATE ON delivery_content
BEGIN SELECT RAISE(ABORT, 'content is never updated, only erased'); END;
CREATE TRIGGER event_content_refuse_update BEFORE UPDATE ON event_content
BEGIN SELECT RAISE(ABORT, 'content is never updated, only erased'); END;
CREATE TRIGGER subjects_refuse_update BEFORE UPDATE ON subjects
BEGIN SELECT RAISE(ABORT, 'subjects are never updated, only erased'); END;
