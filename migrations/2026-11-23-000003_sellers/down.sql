DROP TABLE payout_accounts;
DROP TABLE seller_audit_log;
DROP FUNCTION seller_audit_log_append_only();
DROP TABLE seller_documents;
DROP TABLE sellers;
