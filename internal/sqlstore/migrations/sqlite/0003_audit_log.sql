-- The audit log (docs/admin.md): every admin action and security event, with
-- when, who, on whom, from where and why. No foreign keys: an entry outlives
-- anything it names.
CREATE TABLE accounts_go_audit_log (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    created      TIMESTAMP NOT NULL,
    event        VARCHAR(64) NOT NULL,
    actor_id     INTEGER,
    actor_email  VARCHAR(255),
    target_id    INTEGER,
    target_email VARCHAR(255),
    object       VARCHAR(255),
    ip           VARCHAR(80),
    reason       VARCHAR(1000)
);
CREATE INDEX ix_accounts_go_audit_log_created ON accounts_go_audit_log (created);
CREATE INDEX ix_accounts_go_audit_log_event_created ON accounts_go_audit_log (event, created);
CREATE INDEX ix_accounts_go_audit_log_actor ON accounts_go_audit_log (actor_id, created);
CREATE INDEX ix_accounts_go_audit_log_target ON accounts_go_audit_log (target_id, created);
