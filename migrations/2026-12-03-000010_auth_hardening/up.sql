-- Auth hardening: login throttle per (account, client address) plus a per-account row; sessions
-- that access tokens name (`sid`), checked on every request; an audit trail of user management.

-- Attempts (counted before the password is checked) per normalised email and client address;
-- client_key '*' is the per-account ceiling across every address.
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    email_key         text NOT NULL,
    client_key        text NOT NULL,
    attempts          integer NOT NULL DEFAULT 0,
    window_started_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (email_key, client_key)
);
CREATE INDEX login_throttle_window ON login_throttle (window_started_at);

-- One session per login: the refresh-token family and the `sid` of its access tokens.
CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

INSERT INTO sessions (id, user_id, created_at, revoked_at)
SELECT family_id, min(user_id::text)::uuid, min(issued_at),
       CASE WHEN bool_and(revoked_at IS NOT NULL) THEN max(revoked_at) END
FROM refresh_tokens GROUP BY family_id;

ALTER TABLE refresh_tokens
    ADD CONSTRAINT refresh_tokens_session FOREIGN KEY (family_id) REFERENCES sessions (id) ON DELETE CASCADE;

-- Who disabled, re-enabled or changed the role of a user. Kept when either user is deleted.
CREATE TABLE user_audit_log (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL,
    actor_user_id uuid NOT NULL,
    action        text NOT NULL CHECK (action IN ('disabled', 'enabled', 'role_changed')),
    detail        jsonb NOT NULL DEFAULT '{}',
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_audit_log_user ON user_audit_log (user_id, at);
