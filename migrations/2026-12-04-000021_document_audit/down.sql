-- Fails while entries of the document actions exist (the audit log is append-only).
ALTER TABLE seller_audit_log DROP CONSTRAINT seller_audit_log_action_check;
ALTER TABLE seller_audit_log ADD CONSTRAINT seller_audit_log_action_check CHECK (action IN (
    'create', 'submit', 'start_review', 'request_changes', 'approve', 'reject',
    'suspend', 'reinstate', 'expire', 'erase'));
