-- Accounts people run themselves: verified email addresses, single-use tokens mailed to them,
-- sessions they can see and end, and an outbox of mail sent by a worker with retries.

-- Accounts from before verification existed (and staff, created by an admin) count as verified.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;

-- Tokens mailed to a user: only their SHA-256 is kept; each is used once, before it expires.
CREATE TABLE account_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    -- The address the token was mailed to: verifying proves this address, not a later one.
    email       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expired ON account_tokens (expires_at);

-- What a user sees of their sessions.
ALTER TABLE sessions
    ADD COLUMN last_used_at   timestamptz,
    ADD COLUMN user_agent     text CHECK (length(user_agent) <= 512),
    ADD COLUMN client_address text CHECK (length(client_address) <= 64);
UPDATE sessions SET last_used_at = created_at;
ALTER TABLE sessions ALTER COLUMN last_used_at SET NOT NULL, ALTER COLUMN last_used_at SET DEFAULT now();
CREATE INDEX sessions_user_live ON sessions (user_id, created_at DESC) WHERE revoked_at IS NULL;

-- Mail, written in the transaction of the change that causes it and sent by the mail worker.
-- The bodies (which may carry a token) are dropped once the message is sent or given up.
CREATE TABLE mail_outbox (
    id               uuid PRIMARY KEY,
    recipient        text NOT NULL CHECK (length(recipient) <= 254),
    template         text NOT NULL,
    subject          text NOT NULL,
    text_body        text,
    html_body        text,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (text_body IS NOT NULL AND html_body IS NOT NULL))
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
