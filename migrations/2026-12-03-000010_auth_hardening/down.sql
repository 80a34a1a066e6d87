DROP TABLE user_audit_log;
ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_session;
DROP TABLE sessions;
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    email_key        text PRIMARY KEY,
    failures         integer NOT NULL DEFAULT 0,
    window_started_at timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz
);
