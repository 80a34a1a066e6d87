DROP TABLE login_throttle;
DROP TABLE idempotency_keys;
DROP TABLE refresh_tokens;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organisations;
