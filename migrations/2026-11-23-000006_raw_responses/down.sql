ALTER TABLE idempotency_keys
    ALTER COLUMN response_body TYPE jsonb USING convert_from(response_body, 'UTF8')::jsonb;
ALTER TABLE settlement_estimates ALTER COLUMN response SET STORAGE EXTENDED;
ALTER TABLE settlement_estimates
    ALTER COLUMN response TYPE jsonb USING convert_from(response, 'UTF8')::jsonb;
