-- Seller analytics: per seller and day, how often buyers saw it. Counted in memory by the
-- server and added here in batches (a flush every few seconds), so that public reads never wait
-- on a write. Seller-owned: home_jurisdiction and a (seller_id, day, home_jurisdiction)
-- replica identity like every seller-owned table. Visible to that seller only.
CREATE TABLE seller_daily_stats (
    seller_id          uuid NOT NULL REFERENCES sellers (id),
    day                date NOT NULL,
    -- GET /v1/storefronts/{slug}
    storefront_views   bigint NOT NULL DEFAULT 0 CHECK (storefront_views >= 0),
    -- A listing of the seller among the hits of a catalogue search page.
    search_impressions bigint NOT NULL DEFAULT 0 CHECK (search_impressions >= 0),
    -- GET /v1/catalogue/listings/{id} of one of its listings.
    listing_views      bigint NOT NULL DEFAULT 0 CHECK (listing_views >= 0),
    home_jurisdiction  text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    PRIMARY KEY (seller_id, day)
);
CREATE UNIQUE INDEX seller_daily_stats_replica_identity
    ON seller_daily_stats (seller_id, day, home_jurisdiction);
ALTER TABLE seller_daily_stats REPLICA IDENTITY USING INDEX seller_daily_stats_replica_identity;
