-- Two-factor authentication (docs/security.md, "Two-factor authentication"):
-- a user's authenticator secret, sealed with a key derived from SECRET_KEY,
-- and the last time step a code was accepted for (a code works once).
-- Invenio has no such columns, so they live in tables of our own.
CREATE TABLE accounts_go_user_totp (
    user_id   INTEGER NOT NULL PRIMARY KEY REFERENCES accounts_user (id) ON DELETE CASCADE,
    secret    VARCHAR(255) NOT NULL,
    last_step BIGINT NOT NULL DEFAULT 0,
    created   TIMESTAMP NOT NULL
);
-- Recovery codes: single-use, stored as SHA-256 hashes (each has 120 bits).
CREATE TABLE accounts_go_recovery_code (
    user_id   INTEGER NOT NULL REFERENCES accounts_user (id) ON DELETE CASCADE,
    code_hash CHAR(64) NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);
