DROP TABLE mail_outbox;
DROP INDEX sessions_user_live;
ALTER TABLE sessions DROP COLUMN last_used_at, DROP COLUMN user_agent, DROP COLUMN client_address;
DROP TABLE account_tokens;
ALTER TABLE users DROP COLUMN email_verified_at;
