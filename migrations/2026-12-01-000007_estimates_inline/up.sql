-- Stored estimates are zstd-compressed by the service to 2-4 KB. STORAGE EXTERNAL moved every
-- one of them out of line into the TOAST table (two chunks and their index entries per row);
-- MAIN keeps them in the row unless the row would not fit a page. PostgreSQL's own compression
-- gives up at once on zstd output.
ALTER TABLE settlement_estimates ALTER COLUMN response SET STORAGE MAIN;
