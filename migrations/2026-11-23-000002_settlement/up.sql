-- Settlement estimation: FX rate snapshots, versioned fee schedules, persisted estimates.

-- Mid-market rate snapshots: 1 unit of base = rate units of quote, as of a time, from a source.
-- Snapshots are appended, never updated; the latest as_of per pair is in use.
CREATE TABLE fx_rates (
    id          uuid PRIMARY KEY,
    base        text NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
    quote       text NOT NULL CHECK (quote ~ '^[A-Z]{3}$' AND quote <> base),
    rate        numeric NOT NULL CHECK (rate > 0 AND scale(rate) <= 10),
    as_of       timestamptz NOT NULL,
    source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 300),
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fx_rates_latest ON fx_rates (base, quote, as_of DESC, created_at DESC);

-- One row per configured feed URL: what the last fetch did.
CREATE TABLE fx_feed_status (
    feed_url            text PRIMARY KEY,
    last_attempt_at     timestamptz NOT NULL,
    last_success_at     timestamptz,
    last_error          text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    rates_received      integer NOT NULL DEFAULT 0
);

-- Fee schedules are data: each upload is a new version; the one in force is the newest whose
-- effective_from has passed. Estimates record the version they used.
CREATE TABLE fee_schedules (
    id              uuid PRIMARY KEY,
    version         integer NOT NULL UNIQUE CHECK (version > 0),
    label           text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    effective_from  timestamptz NOT NULL,
    document        jsonb NOT NULL,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fee_schedules_in_force ON fee_schedules (effective_from DESC, version DESC);

-- A priced answer, kept unchanged until it expires, visible to the organisation that asked.
CREATE TABLE settlement_estimates (
    id                  uuid PRIMARY KEY,
    organisation_id     uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    requested_by        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seller_id           uuid REFERENCES organisations (id) ON DELETE SET NULL,
    fee_schedule_id     uuid NOT NULL REFERENCES fee_schedules (id),
    fee_schedule_version integer NOT NULL,
    request             jsonb NOT NULL,
    response            jsonb NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,
    home_jurisdiction   text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);
CREATE INDEX settlement_estimates_org ON settlement_estimates (organisation_id, id DESC);
CREATE INDEX settlement_estimates_seller ON settlement_estimates (seller_id, id DESC) WHERE seller_id IS NOT NULL;
CREATE UNIQUE INDEX settlement_estimates_replica_identity ON settlement_estimates (id, home_jurisdiction);
ALTER TABLE settlement_estimates REPLICA IDENTITY USING INDEX settlement_estimates_replica_identity;
