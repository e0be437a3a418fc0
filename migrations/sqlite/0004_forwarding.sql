-- Forwarding journaled events to downstream consumers ("destinations", configured by the
-- operator): live cursors, on-demand replays, and every attempt that did not succeed.

-- Live forwarding: every matching event with seq <= last_seq has been delivered to the
-- destination or recorded as given up (forward_attempts.gave_up). At least once: events
-- after last_seq are sent again after a restart, even if some already arrived.
CREATE TABLE destination_cursors (
  destination     TEXT    PRIMARY KEY,
  start_seq       INTEGER NOT NULL,  -- the tip when the destination was first configured:
                                     -- older events reach it only through a replay
  last_seq        INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,  -- unix milliseconds
  last_success_at INTEGER            -- unix milliseconds of the last 2xx answer
) STRICT;

-- Replays asked for through the API. The slice is fixed at creation: (after_seq, until_seq]
-- plus the filter, so `total` is known and a restart resumes after last_seq.
CREATE TABLE replays (
  id          INTEGER PRIMARY KEY,
  destination TEXT    NOT NULL,
  filter      TEXT    NOT NULL,  -- JSON: the request's waba_id, field, since, until, ...
  after_seq   INTEGER NOT NULL,
  until_seq   INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,  -- unix milliseconds
  created_by  TEXT    NOT NULL,  -- the API token's name
  status      TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  total       INTEGER NOT NULL,
  sent        INTEGER NOT NULL DEFAULT 0,
  failed      INTEGER NOT NULL DEFAULT 0,
  last_seq    INTEGER NOT NULL,  -- every event of the slice up to here was sent or given up
  updated_at  INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;

CREATE INDEX replays_running ON replays(id) WHERE status = 'running';

-- Attempts that did not get a 2xx answer, append-only; successes are implied by the cursor
-- (live) or the replay's progress. gave_up = 1 marks the attempt after which the event was
-- skipped: the retry horizon had passed.
CREATE TABLE forward_attempts (
  id           INTEGER PRIMARY KEY,
  seq          INTEGER NOT NULL,
  destination  TEXT    NOT NULL,
  replay_id    INTEGER,           -- NULL: live forwarding
  attempted_at INTEGER NOT NULL,  -- unix milliseconds
  http_status  INTEGER,           -- NULL when no HTTP answer came
  error        TEXT    NOT NULL,
  gave_up      INTEGER NOT NULL CHECK (gave_up IN (0, 1))
) STRICT;

CREATE INDEX forward_attempts_by_seq ON forward_attempts(seq);
CREATE INDEX forward_attempts_by_destination ON forward_attempts(destination, id);

CREATE TRIGGER forward_attempts_refuse_update BEFORE UPDATE ON forward_attempts
BEGIN SELECT RAISE(ABORT, 'forward attempts are append-only'); END;
CREATE TRIGGER forward_attempts_refuse_delete BEFORE DELETE ON forward_attempts
BEGIN SELECT RAISE(ABORT, 'forward attempts are append-only'); END;
