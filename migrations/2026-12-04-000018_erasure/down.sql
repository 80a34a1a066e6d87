ALTER TABLE seller_audit_log DROP CONSTRAINT seller_audit_log_action_check;
ALTER TABLE seller_audit_log ADD CONSTRAINT seller_audit_log_action_check CHECK (action IN (
    'create', 'submit', 'start_review', 'request_changes', 'approve', 'reject',
    'suspend', 'reinstate', 'expire')) NOT VALID;
ALTER TABLE listing_audit_log ADD CONSTRAINT listing_audit_log_actor_user_id_fkey
    FOREIGN KEY (actor_user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE seller_audit_log ADD CONSTRAINT seller_audit_log_actor_user_id_fkey
    FOREIGN KEY (actor_user_id) REFERENCES users (id) NOT VALID;
