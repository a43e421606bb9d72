-- Invenio-Accounts' schema at alembic head 23e196599f9f (invenio-accounts.md §1.3).
-- IF NOT EXISTS: on a database made before, every table is there already and
-- nothing is touched; the migration runner then checks every column.
CREATE TABLE IF NOT EXISTS accounts_role (
    id          VARCHAR(80)  NOT NULL,
    name        VARCHAR(80),
    description VARCHAR(255),
    created     TIMESTAMP NOT NULL,
    updated     TIMESTAMP NOT NULL,
    version_id  INTEGER NOT NULL,
    is_managed  BOOLEAN NOT NULL,
    CONSTRAINT pk_accounts_role PRIMARY KEY (id),
    CONSTRAINT uq_accounts_role_name UNIQUE (name)
);
CREATE TABLE IF NOT EXISTS accounts_user (
    id           INTEGER NOT NULL,
    email        VARCHAR(255),
    password     VARCHAR(255),
    active       BOOLEAN,
    confirmed_at TIMESTAMP,
    created      TIMESTAMP NOT NULL,
    updated      TIMESTAMP NOT NULL,
    version_id   INTEGER NOT NULL,
    profile      TEXT,
    preferences  TEXT,
    displayname  VARCHAR(255),
    username     VARCHAR(255),
    blocked_at   TIMESTAMP,
    verified_at  TIMESTAMP,
    domain       VARCHAR(255),
    CONSTRAINT pk_accounts_user PRIMARY KEY (id),
    CONSTRAINT uq_accounts_user_email UNIQUE (email),
    CONSTRAINT uq_accounts_user_username UNIQUE (username)
);
CREATE TABLE IF NOT EXISTS accounts_userrole (
    user_id INTEGER,
    role_id VARCHAR(80),
    CONSTRAINT fk_accounts_userrole_user_id FOREIGN KEY (user_id) REFERENCES accounts_user (id),
    CONSTRAINT fk_accounts_userrole_role_id FOREIGN KEY (role_id) REFERENCES accounts_role (id)
);
CREATE TABLE IF NOT EXISTS accounts_user_login_information (
    user_id          INTEGER NOT NULL,
    current_login_at TIMESTAMP,
    current_login_ip VARCHAR(50),
    last_login_at    TIMESTAMP,
    last_login_ip    VARCHAR(50),
    login_count      INTEGER,
    CONSTRAINT pk_accounts_user_login_information PRIMARY KEY (user_id),
    CONSTRAINT fk_accounts_login_information_user_id FOREIGN KEY (user_id) REFERENCES accounts_user (id)
);
CREATE TABLE IF NOT EXISTS accounts_user_session_activity (
    created         TIMESTAMP NOT NULL,
    updated         TIMESTAMP NOT NULL,
    sid_s           VARCHAR(255) NOT NULL,
    user_id         INTEGER,
    browser         VARCHAR(80),
    browser_version VARCHAR(30),
    country         VARCHAR(3),
    device          VARCHAR(80),
    ip              VARCHAR(80),
    os              VARCHAR(80),
    CONSTRAINT pk_accounts_user_session_activity PRIMARY KEY (sid_s),
    CONSTRAINT fk_accounts_session_activity_user_id FOREIGN KEY (user_id) REFERENCES accounts_user (id)
);
CREATE TABLE IF NOT EXISTS accounts_useridentity (
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL,
    id      VARCHAR(255) NOT NULL,
    method  VARCHAR(255) NOT NULL,
    id_user INTEGER NOT NULL,
    CONSTRAINT pk_accounts_useridentity PRIMARY KEY (id, method),
    CONSTRAINT fk_accounts_useridentity_id_user_accounts_user FOREIGN KEY (id_user) REFERENCES accounts_user (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS accounts_useridentity_id_user_method ON accounts_useridentity (id_user, method);
CREATE TABLE IF NOT EXISTS accounts_domain_category (
    id    INTEGER NOT NULL,
    label VARCHAR(255),
    CONSTRAINT pk_accounts_domain_category PRIMARY KEY (id)
);
CREATE TABLE IF NOT EXISTS accounts_domain_org (
    id        INTEGER NOT NULL,
    pid       VARCHAR(255),
    name      VARCHAR(255) NOT NULL,
    json      TEXT NOT NULL,
    parent_id INTEGER,
    CONSTRAINT pk_accounts_domain_org PRIMARY KEY (id),
    CONSTRAINT fk_accounts_domain_org_parent_id_accounts_domain_org FOREIGN KEY (parent_id) REFERENCES accounts_domain_org (id),
    CONSTRAINT uq_accounts_domain_org_pid UNIQUE (pid)
);
CREATE TABLE IF NOT EXISTS accounts_domains (
    created        TIMESTAMP NOT NULL,
    updated        TIMESTAMP NOT NULL,
    id             INTEGER NOT NULL,
    domain         VARCHAR(255) NOT NULL,
    tld            VARCHAR(255) NOT NULL,
    status         INTEGER NOT NULL,
    flagged        BOOLEAN NOT NULL,
    flagged_source VARCHAR(255) NOT NULL,
    org_id         INTEGER,
    category       INTEGER,
    num_users      INTEGER NOT NULL,
    num_active     INTEGER NOT NULL,
    num_inactive   INTEGER NOT NULL,
    num_confirmed  INTEGER NOT NULL,
    num_verified   INTEGER NOT NULL,
    num_blocked    INTEGER NOT NULL,
    CONSTRAINT pk_accounts_domains PRIMARY KEY (id),
    CONSTRAINT fk_accounts_domains_category_accounts_domain_category FOREIGN KEY (category) REFERENCES accounts_domain_category (id),
    CONSTRAINT fk_accounts_domains_org_id_accounts_domain_org FOREIGN KEY (org_id) REFERENCES accounts_domain_org (id),
    CONSTRAINT uq_accounts_domains_domain UNIQUE (domain)
);
