ALTER TABLE sellers DROP COLUMN vetting_body_version;
DROP TABLE vetting_body_versions;
ALTER TABLE vetting_bodies DROP COLUMN version, DROP COLUMN updated_at;
