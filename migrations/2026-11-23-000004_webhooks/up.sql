-- Outbound webhooks: endpoints per organisation, an outbox of events written in the same
-- transaction as the change, and deliveries worked by a background worker with retries.

CREATE TABLE webhook_endpoints (
    id                uuid PRIMARY KEY,
    organisation_id   uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    url               text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    -- HMAC-SHA256 key for signatures; the receiver needs it, so it is kept, shown once.
    secret            text NOT NULL,
    event_types       text[] NOT NULL DEFAULT '{}',
    active            boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (organisation_id) WHERE active;
CREATE UNIQUE INDEX webhook_endpoints_replica_identity ON webhook_endpoints (id, home_jurisdiction);
ALTER TABLE webhook_endpoints REPLICA IDENTITY USING INDEX webhook_endpoints_replica_identity;

CREATE TABLE outbox_events (
    id                uuid PRIMARY KEY,
    organisation_id   uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    event_type        text NOT NULL,
    payload           jsonb NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);
CREATE INDEX outbox_events_org ON outbox_events (organisation_id, id DESC);
CREATE UNIQUE INDEX outbox_events_replica_identity ON outbox_events (id, home_jurisdiction);
ALTER TABLE outbox_events REPLICA IDENTITY USING INDEX outbox_events_replica_identity;

CREATE TABLE webhook_deliveries (
    id                uuid PRIMARY KEY,
    event_id          uuid NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
    endpoint_id       uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    last_attempt_at   timestamptz,
    last_status_code  integer,
    last_error        text,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id DESC);
CREATE UNIQUE INDEX webhook_deliveries_replica_identity ON webhook_deliveries (id, home_jurisdiction);
ALTER TABLE webhook_deliveries REPLICA IDENTITY USING INDEX webhook_deliveries_replica_identity;

-- Every attempt, for the delivery log the organisation can read.
CREATE TABLE webhook_attempts (
    id                uuid PRIMARY KEY,
    delivery_id       uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt           integer NOT NULL,
    attempted_at      timestamptz NOT NULL DEFAULT now(),
    status_code       integer,
    error             text,
    duration_ms       integer NOT NULL,
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
CREATE UNIQUE INDEX webhook_attempts_replica_identity ON webhook_attempts (id, home_jurisdiction);
ALTER TABLE webhook_attempts REPLICA IDENTITY USING INDEX webhook_attempts_replica_identity;
