-- Admins edit vetting bodies (with If-Match on `version`). Each version's checklist template and
-- reason codes are kept; an application records the version in force when it was first claimed
-- after its submission and is worked with that one, whatever later edits change.
ALTER TABLE vetting_bodies
    ADD COLUMN version    integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN updated_at timestamptz;

CREATE TABLE vetting_body_versions (
    body_id           uuid NOT NULL REFERENCES vetting_bodies (id),
    version           integer NOT NULL CHECK (version >= 1),
    checklist         jsonb NOT NULL CHECK (jsonb_typeof(checklist) = 'array'),
    reason_codes      jsonb NOT NULL CHECK (jsonb_typeof(reason_codes) = 'array'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- The admin who made the edit; none for a body's first version.
    created_by        uuid REFERENCES users (id),
    home_jurisdiction text NOT NULL CHECK (home_jurisdiction ~ '^[A-Z]{2}$'),
    PRIMARY KEY (body_id, version)
);
CREATE INDEX vetting_body_versions_created_by ON vetting_body_versions (created_by) WHERE created_by IS NOT NULL;
INSERT INTO vetting_body_versions (body_id, version, checklist, reason_codes, created_at, home_jurisdiction)
SELECT id, 1, checklist, reason_codes, created_at, home_jurisdiction FROM vetting_bodies;

-- The body version an application is worked with: set by the first claim after a submission,
-- cleared by the next submission. Applications in review now keep the only version there is.
ALTER TABLE sellers ADD COLUMN vetting_body_version integer CHECK (vetting_body_version >= 1);
UPDATE sellers SET vetting_body_version = 1 WHERE status = 'under_review' AND vetting_body_id IS NOT NULL;
