-- Erasure of personal data. The audit logs keep who did what by id, without a foreign key to
-- the acting user: an account can then be erased while the log stays complete and
-- append-only (the id alone says nothing about the person once the account is gone). An
-- erasure of a seller's personal data (contacts, documents) is itself an audited action: its
-- entry records the categories and how many items, never the erased values.
ALTER TABLE seller_audit_log DROP CONSTRAINT seller_audit_log_actor_user_id_fkey;
ALTER TABLE listing_audit_log DROP CONSTRAINT listing_audit_log_actor_user_id_fkey;
ALTER TABLE seller_audit_log DROP CONSTRAINT seller_audit_log_action_check;
ALTER TABLE seller_audit_log ADD CONSTRAINT seller_audit_log_action_check CHECK (action IN (
    'create', 'submit', 'start_review', 'request_changes', 'approve', 'reject',
    'suspend', 'reinstate', 'expire', 'erase'));
