-- Indexes for the hourly clean-ups and for every foreign key: deleting or updating a referenced
-- row (a cascade, SET NULL, or the NO ACTION check) otherwise scans the referencing table.
-- tests/schema.rs fails when a foreign key lacks an index led by its columns.

-- Clean-ups (src/maintenance.rs, vetting expiry).
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);
-- The approval expiry reads approved sellers past valid_until; it leads with status, so it
-- also serves every lookup the old single-column index did.
CREATE INDEX sellers_expiry ON sellers (status, valid_until);
DROP INDEX sellers_status;

-- Foreign keys. Columns that are mostly NULL get a partial index (an equality on the column
-- implies IS NOT NULL, so the planner uses it for the referential actions).
CREATE INDEX settlement_estimates_requested_by ON settlement_estimates (requested_by);
CREATE INDEX settlement_estimates_fee_schedule ON settlement_estimates (fee_schedule_id);
CREATE INDEX webhook_endpoints_organisation ON webhook_endpoints (organisation_id);
CREATE INDEX seller_documents_uploaded_by ON seller_documents (uploaded_by);
CREATE INDEX vetting_checklist_ticked_by ON vetting_checklist (ticked_by);
CREATE INDEX fx_rates_created_by ON fx_rates (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX fee_schedules_created_by ON fee_schedules (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX sellers_badge_issued_by ON sellers (badge_issued_by) WHERE badge_issued_by IS NOT NULL;
CREATE INDEX seller_audit_log_actor ON seller_audit_log (actor_user_id) WHERE actor_user_id IS NOT NULL;
