-- The durable email queue (internal/mail, docs/email.md): one row a message,
-- claimed by one worker at a time inside an immediate transaction, with a lease.
CREATE TABLE accounts_go_mail_queue (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    created         TIMESTAMP NOT NULL,
    updated         TIMESTAMP NOT NULL,
    status          VARCHAR(16) NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    locked_by       VARCHAR(255),
    last_error      TEXT,
    message         TEXT NOT NULL,
    sent_at         TIMESTAMP,
    CONSTRAINT ck_accounts_go_mail_queue_status CHECK (status IN ('queued', 'sending', 'sent', 'dead'))
);
CREATE INDEX ix_accounts_go_mail_queue_due ON accounts_go_mail_queue (next_attempt_at)
    WHERE status = 'queued';
CREATE INDEX ix_accounts_go_mail_queue_lease ON accounts_go_mail_queue (locked_until)
    WHERE status = 'sending';
