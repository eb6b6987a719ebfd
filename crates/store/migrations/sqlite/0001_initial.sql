-- netvet's record, SQLite dialect. Times are Unix seconds (UTC); JSON is stored as text.
CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL CHECK (kind IN ('regulator', 'operator', 'vendor', 'lab')),
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organisations (id),
    name           TEXT    NOT NULL UNIQUE,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'decider', 'operator', 'vendor', 'lab', 'auditor')),
    password_hash  TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    name           TEXT    NOT NULL,
    secret_sha256  TEXT    NOT NULL UNIQUE,
    scopes         TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    revoked_at     INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    secret_sha256  TEXT    NOT NULL UNIQUE,
    csrf_token     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    record_id   TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    record      TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX products_org ON products (org_id);

CREATE TABLE artifacts (
    sha256      TEXT    PRIMARY KEY,
    size        INTEGER NOT NULL,
    media_type  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE analyses (
    id               INTEGER PRIMARY KEY,
    artifact_sha256  TEXT    NOT NULL REFERENCES artifacts (sha256),
    product_id       INTEGER REFERENCES products (id),
    org_id           INTEGER NOT NULL REFERENCES organisations (id),
    user_id          INTEGER NOT NULL REFERENCES users (id),
    file_name        TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'partial', 'failed')),
    progress         TEXT    NOT NULL,
    warning          TEXT,
    error            TEXT,
    report           TEXT,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER
);
CREATE INDEX analyses_org ON analyses (org_id);

CREATE TABLE jobs (
    id                INTEGER PRIMARY KEY,
    kind              TEXT    NOT NULL,
    analysis_id       INTEGER NOT NULL REFERENCES analyses (id),
    state             TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts          INTEGER NOT NULL,
    max_attempts      INTEGER NOT NULL,
    lease_owner       TEXT,
    lease_expires_at  INTEGER,
    fencing_token     INTEGER NOT NULL,
    last_error        TEXT,
    created_at        INTEGER NOT NULL,
    finished_at       INTEGER
);
CREATE INDEX jobs_queued ON jobs (state, id);
