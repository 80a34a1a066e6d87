DROP TABLE vetting_checklist;
ALTER TABLE sellers DROP CONSTRAINT sellers_claim_complete, DROP COLUMN claim_expires_at, DROP COLUMN claimed_by;
DROP TABLE vetting_bodies;
