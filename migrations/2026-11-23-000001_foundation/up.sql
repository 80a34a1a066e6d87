-- Foundation: organisations, users, memberships, refresh tokens, idempotency keys, login throttling.
--
-- Seller-owned tables carry home_jurisdiction and a unique (id, home_jurisdiction) index used as
-- the replica identity, so a publication row filter on home_jurisdiction works for UPDATE and
-- DELETE (PostgreSQL requires filter columns to be part of the replica identity).

CREATE TABLE organisations (
    id                uuid PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('seller', 'buyer', 'vetting_body', 'platform')),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    country_code      text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_replica_identity ON organisations (id, home_jurisdiction);
ALTER TABLE organisations REPLICA IDENTITY USING INDEX organisations_replica_identity;

CREATE TABLE users (
    id                uuid PRIMARY KEY,
    email             text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash     text NOT NULL,
    full_name         text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    disabled_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique regardless of case.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE UNIQUE INDEX users_replica_identity ON users (id, home_jurisdiction);
ALTER TABLE users REPLICA IDENTITY USING INDEX users_replica_identity;

CREATE TABLE memberships (
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id   uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role              text NOT NULL CHECK (role IN ('seller', 'buyer', 'vetting_officer', 'admin', 'auditor')),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, organisation_id)
);
-- One organisation per user for now; the primary key already allows more later.
CREATE UNIQUE INDEX memberships_one_org_per_user ON memberships (user_id);
CREATE INDEX memberships_organisation ON memberships (organisation_id);
CREATE UNIQUE INDEX memberships_replica_identity ON memberships (user_id, organisation_id, home_jurisdiction);
ALTER TABLE memberships REPLICA IDENTITY USING INDEX memberships_replica_identity;

-- Opaque refresh tokens, stored as SHA-256 hashes. A family is one login; every refresh rotates
-- the token within the family, and presenting a rotated token revokes the whole family.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Saved responses of create requests, replayed for a repeated Idempotency-Key.
CREATE TABLE idempotency_keys (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_method   text NOT NULL,
    request_path     text NOT NULL,
    request_hash     bytea NOT NULL,
    response_status  smallint NOT NULL,
    response_location text,
    response_body    jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Failed logins per normalised email, for throttling (also counted for unknown emails, so the
-- throttle itself does not reveal which accounts exist).
CREATE TABLE login_throttle (
    email_key        text PRIMARY KEY,
    failures         integer NOT NULL DEFAULT 0,
    window_started_at timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz
);

-- The platform operator's own organisation: admins and auditors belong to it.
INSERT INTO organisations (id, kind, name, country_code, home_jurisdiction)
VALUES ('00000000-0000-7000-8000-000000000001', 'platform', 'exportbridge platform', 'IN', 'IN');
