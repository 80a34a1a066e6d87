-- Sellers, slice 1: profiles, evidence documents, the append-only audit log, and localised
-- payout accounts.
--
-- Every seller-owned table carries home_jurisdiction and a unique (id, home_jurisdiction) index
-- used as its replica identity, so a publication row filter on home_jurisdiction works for
-- UPDATE and DELETE. payout_accounts exists in every store (migrations run everywhere), but an
-- Indian seller's rows are written only to the in-country store and it must never be added to a
-- publication; the platform keeps an opaque reference and a masked summary on `sellers`.

CREATE TABLE sellers (
    id                   uuid PRIMARY KEY,
    organisation_id      uuid NOT NULL UNIQUE REFERENCES organisations (id),
    status               text NOT NULL DEFAULT 'draft' CHECK (status IN (
                             'draft', 'submitted', 'under_review', 'changes_requested',
                             'approved', 'rejected', 'suspended', 'expired')),
    -- Bumped on every change; the ETag of the profile.
    version              integer NOT NULL DEFAULT 1 CHECK (version >= 1),

    legal_name           text CHECK (length(legal_name) BETWEEN 1 AND 200),
    trading_name         text CHECK (length(trading_name) BETWEEN 1 AND 200),
    enterprise_type      text CHECK (enterprise_type IN ('manufacturer', 'merchant_exporter', 'service_exporter')),
    sectors              text[] NOT NULL DEFAULT '{}' CHECK (sectors <@ ARRAY[
                             'textiles', 'handicrafts', 'electronics_components', 'agri_food', 'leather',
                             'gems_jewellery', 'engineering_goods', 'chemicals', 'others']::text[]),
    msme_category        text CHECK (msme_category IN ('micro', 'small', 'medium')),
    year_established     integer CHECK (year_established BETWEEN 1800 AND 2200),
    employees            integer CHECK (employees >= 0),

    -- Registered address; state is the canonical 2-letter code of the Indian state or UT.
    address_line1        text CHECK (length(address_line1) BETWEEN 1 AND 200),
    address_line2        text CHECK (length(address_line2) BETWEEN 1 AND 200),
    address_city         text CHECK (length(address_city) BETWEEN 1 AND 100),
    address_district     text CHECK (length(address_district) BETWEEN 1 AND 100),
    address_state        text CHECK (address_state ~ '^[A-Z]{2}$'),
    address_postal_code  text CHECK (address_postal_code ~ '^[1-9][0-9]{5}$'),

    -- [{name, designation, email, phone}], personal data.
    contacts             jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(contacts) = 'array'),
    -- ISO 3166-1 alpha-2 codes.
    export_markets       text[] NOT NULL DEFAULT '{}',

    gstin                text CHECK (gstin ~ '^[0-9]{2}[A-Z0-9]{13}$'),
    pan                  text CHECK (pan ~ '^[A-Z]{5}[0-9]{4}[A-Z]$'),
    iec                  text CHECK (iec ~ '^[A-Z0-9]{10}$'),
    udyam_number         text CHECK (udyam_number ~ '^UDYAM-[A-Z]{2}-[0-9]{2}-[0-9]{7}$'),
    -- Which identifiers the seller shows on its public profile.
    public_identifiers   text[] NOT NULL DEFAULT '{}'
                             CHECK (public_identifiers <@ ARRAY['gstin', 'iec', 'udyam_number']::text[]),

    -- Payout account: the full record lives in the in-country store's payout_accounts; here only
    -- its id and a masked summary.
    payout_account_ref   uuid,
    payout_last4         text CHECK (payout_last4 ~ '^[0-9]{4}$'),
    payout_ifsc          text CHECK (payout_ifsc ~ '^[A-Z]{4}0[A-Z0-9]{6}$'),
    payout_bank_name     text CHECK (length(payout_bank_name) BETWEEN 1 AND 100),
    CHECK ((payout_account_ref IS NULL) = (payout_last4 IS NULL)
       AND (payout_account_ref IS NULL) = (payout_ifsc IS NULL)),

    -- Vetting (assigned on submit by the vetting slice: the body whose jurisdiction matches).
    vetting_body_id      uuid REFERENCES organisations (id),
    submitted_at         timestamptz,
    decided_at           timestamptz,
    -- Approval validity: approved -> expired once it passes.
    valid_until          timestamptz,
    -- Verified-MSME badge, shown on the storefront.
    badge_kind           text CHECK (badge_kind IN ('verified_msme', 'verified_exporter')),
    badge_issued_by      uuid REFERENCES organisations (id),
    badge_issued_at      timestamptz,
    badge_valid_until    timestamptz,
    CHECK ((badge_kind IS NULL) = (badge_issued_by IS NULL)
       AND (badge_kind IS NULL) = (badge_issued_at IS NULL)),

    home_jurisdiction    text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sellers_replica_identity ON sellers (id, home_jurisdiction);
ALTER TABLE sellers REPLICA IDENTITY USING INDEX sellers_replica_identity;
-- The vetting queue (later slice) reads by body and status.
CREATE INDEX sellers_vetting_queue ON sellers (vetting_body_id, status, submitted_at)
    WHERE vetting_body_id IS NOT NULL;
CREATE INDEX sellers_status ON sellers (status);

CREATE TABLE seller_documents (
    id                uuid PRIMARY KEY,
    seller_id         uuid NOT NULL REFERENCES sellers (id),
    kind              text NOT NULL CHECK (kind IN (
                          'gstin_certificate', 'iec_certificate', 'udyam_certificate', 'address_proof',
                          'manufacturing_evidence', 'bank_proof', 'other')),
    -- Sniffed from the bytes, never taken from the client.
    media_type        text NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    original_filename text NOT NULL CHECK (length(original_filename) BETWEEN 1 AND 255),
    size_bytes        bigint NOT NULL CHECK (size_bytes > 0),
    sha256            text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- Relative to the data directory.
    storage_path      text NOT NULL UNIQUE CHECK (storage_path !~ '(^/|\.\.)'),
    uploaded_by       uuid NOT NULL REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);
CREATE UNIQUE INDEX seller_documents_replica_identity ON seller_documents (id, home_jurisdiction);
ALTER TABLE seller_documents REPLICA IDENTITY USING INDEX seller_documents_replica_identity;
CREATE INDEX seller_documents_seller ON seller_documents (seller_id, id);

-- Every transition and decision, append-only (enforced below). actor_user_id is NULL for
-- system actions such as expiry.
CREATE TABLE seller_audit_log (
    id                uuid PRIMARY KEY,
    seller_id         uuid NOT NULL REFERENCES sellers (id),
    actor_user_id     uuid REFERENCES users (id),
    actor_role        text NOT NULL CHECK (actor_role IN (
                          'seller', 'vetting_officer', 'admin', 'auditor', 'system')),
    at                timestamptz NOT NULL DEFAULT now(),
    action            text NOT NULL CHECK (action IN (
                          'create', 'submit', 'start_review', 'request_changes', 'approve', 'reject',
                          'suspend', 'reinstate', 'expire')),
    from_status       text,
    to_status         text NOT NULL,
    reason_codes      text[] NOT NULL DEFAULT '{}',
    note              text CHECK (length(note) <= 4000),
    request_id        text CHECK (length(request_id) <= 128),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);
CREATE UNIQUE INDEX seller_audit_log_replica_identity ON seller_audit_log (id, home_jurisdiction);
ALTER TABLE seller_audit_log REPLICA IDENTITY USING INDEX seller_audit_log_replica_identity;
CREATE INDEX seller_audit_log_seller ON seller_audit_log (seller_id, id);

CREATE FUNCTION seller_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'seller_audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER seller_audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON seller_audit_log
    FOR EACH ROW EXECUTE FUNCTION seller_audit_log_append_only();
CREATE TRIGGER seller_audit_log_no_truncate
    BEFORE TRUNCATE ON seller_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION seller_audit_log_append_only();

-- LOCALISED: payout bank accounts. An Indian seller's rows are written only to the in-country
-- store; no foreign key to sellers, because there the sellers row is a replicated copy that may
-- arrive later.
CREATE TABLE payout_accounts (
    id                  uuid PRIMARY KEY,
    seller_id           uuid NOT NULL,
    account_holder_name text NOT NULL CHECK (length(account_holder_name) BETWEEN 1 AND 200),
    account_number      text NOT NULL CHECK (account_number ~ '^[0-9]{9,18}$'),
    ifsc                text NOT NULL CHECK (ifsc ~ '^[A-Z]{4}0[A-Z0-9]{6}$'),
    bank_name           text CHECK (length(bank_name) BETWEEN 1 AND 100),
    created_at          timestamptz NOT NULL DEFAULT now(),
    home_jurisdiction   text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);
CREATE UNIQUE INDEX payout_accounts_replica_identity ON payout_accounts (id, home_jurisdiction);
ALTER TABLE payout_accounts REPLICA IDENTITY USING INDEX payout_accounts_replica_identity;
CREATE INDEX payout_accounts_seller ON payout_accounts (seller_id);
