-- RFQs, matching leads, quotes with their revisions, and trades.
--
-- Buyer-owned rows (buyer_profiles, rfqs) carry no home_jurisdiction: buyers are abroad and
-- their data stays on the platform. Seller-owned rows (rfq_leads, quotes, quote_revisions) carry
-- the seller's home_jurisdiction and an (id, home_jurisdiction) replica identity, so the
-- residency publication copies an Indian seller's leads and quotes in-country. A trade of an
-- Indian seller is payment data: its record (amounts, parties, settlement instructions) lives in
-- the in-country store's trade_records only (migrations run everywhere; the table is never
-- published); the platform's trades row keeps an opaque reference.

CREATE TABLE buyer_profiles (
    organisation_id  uuid PRIMARY KEY REFERENCES organisations (id),
    version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    company_name     text NOT NULL CHECK (length(company_name) BETWEEN 1 AND 200),
    country_code     text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
    business_type    text NOT NULL CHECK (business_type IN (
                         'importer', 'distributor', 'wholesaler', 'retailer', 'brand',
                         'manufacturer', 'sourcing_agent', 'other')),
    website          text CHECK (length(website) <= 2000),
    -- Private: shown to a seller only once the buyer accepts that seller's quote.
    contact_name     text NOT NULL CHECK (length(contact_name) BETWEEN 1 AND 200),
    contact_email    text NOT NULL CHECK (length(contact_email) BETWEEN 3 AND 254),
    contact_phone    text CHECK (contact_phone ~ '^\+[1-9][0-9]{6,14}$'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rfqs (
    id                     uuid PRIMARY KEY,
    buyer_organisation_id  uuid NOT NULL REFERENCES organisations (id),
    created_by             uuid NOT NULL,
    status                 text NOT NULL DEFAULT 'open'
                               CHECK (status IN ('open', 'awarded', 'closed', 'expired')),
    version                integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    product                text NOT NULL CHECK (length(product) BETWEEN 3 AND 200),
    description            text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    hs_code                text CHECK (hs_code ~ '^[0-9]{6}([0-9]{2})?$'),
    sector                 text CHECK (sector IN (
                               'textiles', 'handicrafts', 'electronics_components', 'agri_food', 'leather',
                               'gems_jewellery', 'engineering_goods', 'chemicals', 'others')),
    quantity               bigint NOT NULL CHECK (quantity > 0),
    unit                   text NOT NULL CHECK (unit IN (
                               'pieces', 'kg', 'metric_tons', 'metres', 'square_metres', 'litres',
                               'sets', 'pairs', 'dozens')),
    -- The currency quotes are compared in; the target unit price is in it.
    currency               text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    target_unit_price_minor bigint CHECK (target_unit_price_minor > 0),
    destination_country    text NOT NULL CHECK (destination_country ~ '^[A-Z]{2}$'),
    destination_place      text NOT NULL CHECK (length(destination_place) BETWEEN 1 AND 200),
    incoterm               text CHECK (incoterm ~ '^[A-Z]{3}$'),
    needed_by              date,
    certifications         text[] NOT NULL DEFAULT '{}' CHECK (cardinality(certifications) <= 16),
    valid_until            timestamptz NOT NULL,
    awarded_quote_id       uuid,
    closed_reason          text CHECK (length(closed_reason) <= 500),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'awarded') = (awarded_quote_id IS NOT NULL))
);
-- The buyer's own list (newest first) and the admins' list by status.
CREATE INDEX rfqs_buyer ON rfqs (buyer_organisation_id, id DESC);
CREATE INDEX rfqs_status ON rfqs (status, id DESC);
-- The expiry sweep.
CREATE INDEX rfqs_open_valid_until ON rfqs (valid_until) WHERE status = 'open';

-- A seller matched to an RFQ: written when the RFQ is created or changed (the ranking of that
-- moment, with its explanation). What a seller sees as its leads.
CREATE TABLE rfq_leads (
    id                uuid PRIMARY KEY,
    rfq_id            uuid NOT NULL REFERENCES rfqs (id),
    seller_id         uuid NOT NULL REFERENCES sellers (id),
    listing_id        uuid NOT NULL REFERENCES listings (id),
    rank              integer NOT NULL CHECK (rank >= 1),
    score             double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    -- The factors of the score, as GET /v1/rfqs/{id}/matches shows them.
    factors           jsonb NOT NULL CHECK (jsonb_typeof(factors) = 'array'),
    -- When the seller was first matched (responsiveness counts from here).
    offered_at        timestamptz NOT NULL DEFAULT now(),
    -- Still among the matches after the RFQ's latest change.
    current           boolean NOT NULL DEFAULT true,
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (rfq_id, seller_id)
);
CREATE UNIQUE INDEX rfq_leads_replica_identity ON rfq_leads (id, home_jurisdiction);
ALTER TABLE rfq_leads REPLICA IDENTITY USING INDEX rfq_leads_replica_identity;
CREATE INDEX rfq_leads_seller ON rfq_leads (seller_id, id DESC);
CREATE INDEX rfq_leads_listing ON rfq_leads (listing_id);

-- One quote per seller per RFQ; its current terms are its latest revision (copied here).
CREATE TABLE quotes (
    id                uuid PRIMARY KEY,
    rfq_id            uuid NOT NULL REFERENCES rfqs (id),
    seller_id         uuid NOT NULL REFERENCES sellers (id),
    submitted_by      uuid NOT NULL,
    status            text NOT NULL DEFAULT 'submitted'
                          CHECK (status IN ('submitted', 'withdrawn', 'declined', 'accepted')),
    revision          integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    unit_price_minor  bigint NOT NULL CHECK (unit_price_minor > 0),
    currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    quantity          bigint NOT NULL CHECK (quantity > 0),
    incoterm          text NOT NULL CHECK (incoterm ~ '^[A-Z]{3}$'),
    named_place       text NOT NULL CHECK (length(named_place) BETWEEN 1 AND 200),
    lead_time_days    integer NOT NULL CHECK (lead_time_days BETWEEN 1 AND 365),
    valid_until       timestamptz NOT NULL,
    notes             text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (rfq_id, seller_id)
);
CREATE UNIQUE INDEX quotes_replica_identity ON quotes (id, home_jurisdiction);
ALTER TABLE quotes REPLICA IDENTITY USING INDEX quotes_replica_identity;
CREATE INDEX quotes_seller ON quotes (seller_id, id DESC);

-- Every revision of a quote, append-only: what the seller offered and when.
CREATE TABLE quote_revisions (
    id                uuid PRIMARY KEY,
    quote_id          uuid NOT NULL REFERENCES quotes (id),
    revision          integer NOT NULL CHECK (revision >= 1),
    unit_price_minor  bigint NOT NULL CHECK (unit_price_minor > 0),
    currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    quantity          bigint NOT NULL CHECK (quantity > 0),
    incoterm          text NOT NULL CHECK (incoterm ~ '^[A-Z]{3}$'),
    named_place       text NOT NULL CHECK (length(named_place) BETWEEN 1 AND 200),
    lead_time_days    integer NOT NULL CHECK (lead_time_days BETWEEN 1 AND 365),
    valid_until       timestamptz NOT NULL,
    notes             text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    submitted_by      uuid NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    UNIQUE (quote_id, revision)
);
CREATE UNIQUE INDEX quote_revisions_replica_identity ON quote_revisions (id, home_jurisdiction);
ALTER TABLE quote_revisions REPLICA IDENTITY USING INDEX quote_revisions_replica_identity;
CREATE TRIGGER quote_revisions_no_update_delete BEFORE UPDATE OR DELETE ON quote_revisions
    FOR EACH ROW EXECUTE FUNCTION append_only();

-- A trade: the buyer accepted a quote. The platform keeps who, which quote and estimate, and an
-- opaque reference to the record in the seller's in-country store.
CREATE TABLE trades (
    id                     uuid PRIMARY KEY,
    rfq_id                 uuid NOT NULL UNIQUE REFERENCES rfqs (id),
    quote_id               uuid NOT NULL UNIQUE REFERENCES quotes (id),
    buyer_organisation_id  uuid NOT NULL REFERENCES organisations (id),
    seller_id              uuid NOT NULL REFERENCES sellers (id),
    estimate_id            uuid,
    accepted_by            uuid NOT NULL,
    -- trade_records.id in the store of home_jurisdiction.
    record_ref             uuid NOT NULL,
    home_jurisdiction      text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trades_buyer ON trades (buyer_organisation_id, id DESC);
CREATE INDEX trades_seller ON trades (seller_id, id DESC);

-- The trade itself, in the in-country store only (never published, never on the platform).
CREATE TABLE trade_records (
    id                     uuid PRIMARY KEY,
    trade_id               uuid NOT NULL UNIQUE,
    rfq_id                 uuid NOT NULL,
    quote_id               uuid NOT NULL,
    quote_revision         integer NOT NULL,
    buyer_organisation_id  uuid NOT NULL,
    buyer_company_name     text NOT NULL,
    buyer_country_code     text NOT NULL,
    seller_id              uuid NOT NULL,
    product                text NOT NULL,
    quantity               bigint NOT NULL CHECK (quantity > 0),
    unit                   text NOT NULL,
    unit_price_minor       bigint NOT NULL CHECK (unit_price_minor > 0),
    total_minor            bigint NOT NULL CHECK (total_minor > 0),
    currency               text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    incoterm               text NOT NULL,
    named_place            text NOT NULL,
    -- The settlement estimate at acceptance: the best route and what it nets / costs.
    estimate_id            uuid,
    settlement             jsonb NOT NULL CHECK (jsonb_typeof(settlement) = 'object'),
    -- Where the rupees go: the seller's payout account (in this store) at acceptance.
    payout_account_ref     uuid,
    created_at             timestamptz NOT NULL DEFAULT now(),
    home_jurisdiction      text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);

-- An estimate can be priced from a quote or a listing, and is linked to it.
ALTER TABLE settlement_estimates ADD COLUMN quote_id uuid REFERENCES quotes (id);
ALTER TABLE settlement_estimates ADD COLUMN listing_id uuid REFERENCES listings (id);
CREATE INDEX settlement_estimates_quote ON settlement_estimates (quote_id) WHERE quote_id IS NOT NULL;
CREATE INDEX settlement_estimates_listing ON settlement_estimates (listing_id) WHERE listing_id IS NOT NULL;

-- Matching counts published listings of sellers not in good standing (an exclusion reason);
-- the catalogue's indexes are partial on good standing, so these few get their own.
CREATE INDEX listings_out_of_standing_text ON listings USING gin (search_vector)
    WHERE status = 'published' AND NOT seller_in_good_standing;
CREATE INDEX listings_out_of_standing_hs ON listings (hs_code text_pattern_ops)
    WHERE status = 'published' AND NOT seller_in_good_standing;
