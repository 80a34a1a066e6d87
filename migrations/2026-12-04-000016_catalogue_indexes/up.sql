-- Catalogue indexes for the filters that walk too far without them (measured at 1M listings):
-- a sector with the price sort walked each currency's price index filtering the sector
-- (700 ms), and a sector or origin-state filter without text had no index to sample facets
-- from (a bitmap of the whole catalogue, 100-150 ms). Same predicate as every catalogue index.
CREATE INDEX listings_catalogue_sector_price ON listings (sector, currency, price_minor, id)
    WHERE status = 'published' AND seller_in_good_standing;
CREATE INDEX listings_catalogue_state ON listings (origin_state, sector)
    WHERE status = 'published' AND seller_in_good_standing;
