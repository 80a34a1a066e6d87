-- Listings, storefront slugs and the catalogue's search structures.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Storefront address of a seller: its name made URL-safe plus the last 8 hex digits of its
-- public id (the random end of a UUID v7; all 32 if those are taken), given once when the seller
-- first has a name and kept when the name changes (links stay valid).
ALTER TABLE sellers ADD COLUMN storefront_slug text
    CHECK (storefront_slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(storefront_slug) <= 100);
CREATE UNIQUE INDEX sellers_storefront_slug ON sellers (storefront_slug);

CREATE FUNCTION seller_slug(name text, organisation_id uuid, long boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(nullif(left(trim(BOTH '-' FROM regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g')), 60), ''),
                    'seller')
           || '-' || CASE WHEN long THEN replace(organisation_id::text, '-', '')
                          ELSE right(replace(organisation_id::text, '-', ''), 8) END
$$;

CREATE FUNCTION sellers_assign_slug() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    name text := coalesce(NEW.trading_name, NEW.legal_name);
BEGIN
    IF NEW.storefront_slug IS NULL AND name IS NOT NULL THEN
        NEW.storefront_slug := seller_slug(name, NEW.organisation_id, false);
        IF EXISTS (SELECT 1 FROM sellers WHERE storefront_slug = NEW.storefront_slug) THEN
            NEW.storefront_slug := seller_slug(name, NEW.organisation_id, true);
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER sellers_assign_slug BEFORE INSERT OR UPDATE ON sellers
    FOR EACH ROW EXECUTE FUNCTION sellers_assign_slug();
UPDATE sellers SET storefront_slug = seller_slug(coalesce(trading_name, legal_name), organisation_id, true)
 WHERE coalesce(trading_name, legal_name) IS NOT NULL;

-- The stored search document: title weighs most, then keywords, then the description.
-- (array_to_string is only STABLE in general; on text[] it is immutable, as declared here.)
CREATE FUNCTION listing_search_vector(title text, keywords text[], description text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, array_to_string(keywords, ' ')), 'B')
        || setweight(to_tsvector('english'::regconfig, description), 'C')
$$;

CREATE TABLE listings (
    id                    uuid PRIMARY KEY,
    seller_id             uuid NOT NULL REFERENCES sellers (id),
    status                text NOT NULL DEFAULT 'draft'
                              CHECK (status IN ('draft', 'published', 'paused', 'archived')),
    -- Bumped on every change; the ETag.
    version               integer NOT NULL DEFAULT 1 CHECK (version >= 1),

    title                 text NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
    description           text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    sector                text NOT NULL CHECK (sector IN (
                              'textiles', 'handicrafts', 'electronics_components', 'agri_food', 'leather',
                              'gems_jewellery', 'engineering_goods', 'chemicals', 'others')),
    hs_code               text NOT NULL CHECK (hs_code ~ '^[0-9]{6}([0-9]{2})?$'),
    keywords              text[] NOT NULL DEFAULT '{}' CHECK (cardinality(keywords) <= 20),
    attributes            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    moq                   bigint NOT NULL CHECK (moq > 0),
    moq_unit              text NOT NULL CHECK (moq_unit IN (
                              'pieces', 'kg', 'metric_tons', 'metres', 'square_metres', 'litres',
                              'sets', 'pairs', 'dozens')),
    currency              text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- [{min_quantity, unit_price_minor}], ascending; the first at the MOQ.
    price_breaks          jsonb NOT NULL CHECK (jsonb_typeof(price_breaks) = 'array'),
    -- The unit price at the MOQ (the first break), in the currency's minor units: what price
    -- filters and the price sort compare, converted at the latest rates.
    price_minor           bigint NOT NULL CHECK (price_minor > 0),
    -- [{incoterm, named_place}]
    incoterms             jsonb NOT NULL CHECK (jsonb_typeof(incoterms) = 'array'),
    incoterm_codes        text[] NOT NULL CHECK (cardinality(incoterm_codes) BETWEEN 1 AND 11),
    lead_time_days        integer NOT NULL CHECK (lead_time_days BETWEEN 1 AND 365),
    monthly_capacity      bigint CHECK (monthly_capacity > 0),
    certifications        text[] NOT NULL DEFAULT '{}',
    origin_state          text NOT NULL CHECK (origin_state ~ '^[A-Z]{2}$'),
    samples_available     boolean NOT NULL DEFAULT false,
    image_urls            text[] NOT NULL DEFAULT '{}' CHECK (cardinality(image_urls) <= 10),

    -- The listing fee charged at the first publish, from the fee schedule in force then.
    listing_fee_minor     bigint CHECK (listing_fee_minor >= 0),
    listing_fee_gst_minor bigint CHECK (listing_fee_gst_minor >= 0),
    listing_fee_currency  text CHECK (listing_fee_currency ~ '^[A-Z]{3}$'),
    fee_schedule_version  integer,
    fee_waived_reason     text CHECK (fee_waived_reason IN ('verified_msme')),
    CHECK ((listing_fee_minor IS NULL) = (fee_schedule_version IS NULL)),
    first_published_at    timestamptz,
    -- The newest sort: when the listing last went live.
    published_at          timestamptz,

    -- Kept by the trigger on sellers below, in the same transaction as the seller's change:
    -- listings of a suspended or expired seller leave the catalogue at once.
    seller_in_good_standing boolean NOT NULL DEFAULT false,
    seller_verified       boolean NOT NULL DEFAULT false,

    search_vector         tsvector GENERATED ALWAYS AS
                              (listing_search_vector(title, keywords, description)) STORED,

    home_jurisdiction     text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'published') <= (published_at IS NOT NULL))
);
CREATE UNIQUE INDEX listings_replica_identity ON listings (id, home_jurisdiction);
ALTER TABLE listings REPLICA IDENTITY USING INDEX listings_replica_identity;
-- Owner lists and storefronts (by seller, in status, newest first); also the foreign key.
CREATE INDEX listings_seller ON listings (seller_id, status, published_at DESC, id DESC);

-- The catalogue: published listings of sellers in good standing. Every search index is partial
-- on that predicate, so hidden listings cost nothing.
CREATE INDEX listings_catalogue_text ON listings USING gin (search_vector)
    WHERE status = 'published' AND seller_in_good_standing;
CREATE INDEX listings_catalogue_newest ON listings (published_at DESC, id DESC)
    WHERE status = 'published' AND seller_in_good_standing;
CREATE INDEX listings_catalogue_lead_time ON listings (lead_time_days, id)
    WHERE status = 'published' AND seller_in_good_standing;
CREATE INDEX listings_catalogue_price ON listings (currency, price_minor, id)
    WHERE status = 'published' AND seller_in_good_standing;
CREATE INDEX listings_catalogue_hs ON listings (hs_code text_pattern_ops)
    WHERE status = 'published' AND seller_in_good_standing;

-- Words of the catalogue (lexemes of every listing's search document), for typo correction:
-- a misspelt query word is replaced by the closest known word by trigram similarity.
CREATE TABLE catalogue_terms (
    word text PRIMARY KEY
);
CREATE INDEX catalogue_terms_trgm ON catalogue_terms USING gin (word gin_trgm_ops);

CREATE FUNCTION listings_collect_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalogue_terms (word)
    SELECT w FROM unnest(tsvector_to_array(NEW.search_vector)) AS w
     WHERE length(w) BETWEEN 3 AND 40
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER listings_collect_terms AFTER INSERT OR UPDATE OF title, keywords, description ON listings
    FOR EACH ROW EXECUTE FUNCTION listings_collect_terms();

-- A seller's standing reaches its listings in the same transaction.
CREATE FUNCTION sellers_standing_to_listings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    good boolean := NEW.status = 'approved';
    verified boolean := NEW.status = 'approved' AND NEW.badge_kind IS NOT NULL;
BEGIN
    UPDATE listings
       SET seller_in_good_standing = good, seller_verified = verified
     WHERE seller_id = NEW.id
       AND (seller_in_good_standing, seller_verified) IS DISTINCT FROM (good, verified);
    RETURN NULL;
END $$;
CREATE TRIGGER sellers_standing_to_listings
    AFTER UPDATE OF status, badge_kind ON sellers
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.badge_kind IS DISTINCT FROM NEW.badge_kind)
    EXECUTE FUNCTION sellers_standing_to_listings();

-- A new listing takes its seller's standing.
CREATE FUNCTION listings_take_standing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT s.status = 'approved', s.status = 'approved' AND s.badge_kind IS NOT NULL
      INTO NEW.seller_in_good_standing, NEW.seller_verified
      FROM sellers s WHERE s.id = NEW.seller_id;
    RETURN NEW;
END $$;
CREATE TRIGGER listings_take_standing BEFORE INSERT ON listings
    FOR EACH ROW EXECUTE FUNCTION listings_take_standing();

-- Every listing move, append-only like the seller audit log.
CREATE TABLE listing_audit_log (
    id                uuid PRIMARY KEY,
    listing_id        uuid NOT NULL REFERENCES listings (id),
    actor_user_id     uuid REFERENCES users (id),
    at                timestamptz NOT NULL DEFAULT now(),
    action            text NOT NULL CHECK (action IN ('create', 'update', 'publish', 'pause', 'archive')),
    from_status       text,
    to_status         text NOT NULL,
    version           integer NOT NULL,
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$')
);
CREATE UNIQUE INDEX listing_audit_log_replica_identity ON listing_audit_log (id, home_jurisdiction);
ALTER TABLE listing_audit_log REPLICA IDENTITY USING INDEX listing_audit_log_replica_identity;
CREATE INDEX listing_audit_log_listing ON listing_audit_log (listing_id, id);
CREATE INDEX listing_audit_log_actor ON listing_audit_log (actor_user_id) WHERE actor_user_id IS NOT NULL;
CREATE FUNCTION append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER listing_audit_log_no_update_delete BEFORE UPDATE OR DELETE ON listing_audit_log
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER listing_audit_log_no_truncate BEFORE TRUNCATE ON listing_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
