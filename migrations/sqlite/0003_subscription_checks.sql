-- What the reconciler saw of each watched WABA's subscribed_apps on the Graph API, one row
-- per call, append-only: the history behind /api/v1/subscriptions and the audit timeline.

CREATE TABLE subscription_checks (
  id                    INTEGER PRIMARY KEY,
  waba_id               TEXT    NOT NULL,
  checked_at            INTEGER NOT NULL,  -- unix milliseconds
  action                TEXT    NOT NULL CHECK (action IN ('check', 'resubscribe')),
  http_status           INTEGER,           -- NULL when no HTTP answer came (network, timeout)
  state                 TEXT    NOT NULL
                        CHECK (state IN ('subscribed', 'missing', 'overridden', 'error',
                                         'rate_limited')),
  our_app_present       INTEGER,           -- 1 / 0; NULL when the answer did not say
  apps                  TEXT,              -- JSON array: [{"id","name","link","override_callback_uri"}]
  override_callback_uri TEXT,              -- of our app's entry
  error_code            INTEGER,           -- Graph API error.code
  error_message         TEXT,              -- Graph API error.message, or the transport error
  usage                 TEXT,              -- X-Business-Use-Case-Usage header, as received
  paused_until          INTEGER            -- unix milliseconds: no call to this WABA before
) STRICT;

CREATE INDEX subscription_checks_by_waba ON subscription_checks(waba_id, id);

CREATE TRIGGER subscription_checks_refuse_update BEFORE UPDATE ON subscription_checks
BEGIN SELECT RAISE(ABORT, 'subscription checks are append-only'); END;
CREATE TRIGGER subscription_checks_refuse_delete BEFORE DELETE ON subscription_checks
BEGIN SELECT RAISE(ABORT, 'subscription checks are append-only'); END;
