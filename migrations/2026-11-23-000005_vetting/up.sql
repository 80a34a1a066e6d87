-- Vetting: bodies with their checklist templates, reason codes, SLA and approval validity;
-- the officer's lease on an application (columns on sellers, taken under the row lock); and
-- the checklist an officer works per application.

-- A vetting body is an organisation of kind 'vetting_body' (same id); officers are its members.
CREATE TABLE vetting_bodies (
    id                       uuid PRIMARY KEY REFERENCES organisations (id),
    name                     text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Sellers of this jurisdiction are assigned to the body on submission.
    jurisdiction             text NOT NULL CHECK (jurisdiction ~ '^[A-Z]{2}$'),
    priority_sectors         text[] NOT NULL DEFAULT '{}',
    approval_validity_months integer NOT NULL DEFAULT 12 CHECK (approval_validity_months BETWEEN 1 AND 60),
    sla_hours                integer NOT NULL DEFAULT 72 CHECK (sla_hours BETWEEN 1 AND 2160),
    -- [{code, label, mandatory, applies_to: [enterprise types] | null, msme_only}]
    checklist                jsonb NOT NULL CHECK (jsonb_typeof(checklist) = 'array'),
    -- [{code, label, kind: rejection | changes | suspension}]
    reason_codes             jsonb NOT NULL CHECK (jsonb_typeof(reason_codes) = 'array'),
    created_at               timestamptz NOT NULL DEFAULT now(),
    home_jurisdiction        text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);
CREATE INDEX vetting_bodies_jurisdiction ON vetting_bodies (jurisdiction, created_at, id);
CREATE UNIQUE INDEX vetting_bodies_replica_identity ON vetting_bodies (id, home_jurisdiction);
ALTER TABLE vetting_bodies REPLICA IDENTITY USING INDEX vetting_bodies_replica_identity;

-- The lease of the officer working an application. Claims lock the seller row (FOR UPDATE),
-- so of two concurrent claims exactly one wins.
ALTER TABLE sellers
    ADD COLUMN claimed_by       uuid REFERENCES users (id),
    ADD COLUMN claim_expires_at timestamptz,
    ADD CONSTRAINT sellers_claim_complete CHECK ((claimed_by IS NULL) = (claim_expires_at IS NULL));
CREATE INDEX sellers_claimed_by ON sellers (claimed_by) WHERE claimed_by IS NOT NULL;

-- One row per ticked (or explicitly unticked) checklist item of an application; cleared when
-- the seller resubmits.
CREATE TABLE vetting_checklist (
    seller_id         uuid NOT NULL REFERENCES sellers (id),
    item_code         text NOT NULL CHECK (item_code ~ '^[a-z][a-z0-9_]{0,63}$'),
    ticked            boolean NOT NULL,
    note              text CHECK (length(note) <= 2000),
    ticked_by         uuid NOT NULL REFERENCES users (id),
    ticked_at         timestamptz NOT NULL DEFAULT now(),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    PRIMARY KEY (seller_id, item_code)
);
CREATE UNIQUE INDEX vetting_checklist_replica_identity ON vetting_checklist (seller_id, item_code, home_jurisdiction);
ALTER TABLE vetting_checklist REPLICA IDENTITY USING INDEX vetting_checklist_replica_identity;
