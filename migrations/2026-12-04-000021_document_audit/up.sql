-- Evidence documents may be replaced or deleted while the profile is editable; every upload,
-- replacement and deletion is an entry of the seller's audit log (status unchanged).
ALTER TABLE seller_audit_log DROP CONSTRAINT seller_audit_log_action_check;
ALTER TABLE seller_audit_log ADD CONSTRAINT seller_audit_log_action_check CHECK (action IN (
    'create', 'submit', 'start_review', 'request_changes', 'approve', 'reject',
    'suspend', 'reinstate', 'expire', 'erase',
    'document_upload', 'document_replace', 'document_delete'));
