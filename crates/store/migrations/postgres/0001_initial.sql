-- netvet's record, PostgreSQL dialect. Times are Unix seconds (UTC); JSON is stored as text.
CREATE TABLE organisations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL CHECK (kind IN ('regulator', 'operator', 'vendor', 'lab')),
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         BIGINT NOT NULL REFERENCES organisations (id),
    name           TEXT    NOT NULL UNIQUE,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'decider', 'operator', 'vendor', 'lab', 'auditor')),
    password_hash  TEXT    NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id),
    name           TEXT    NOT NULL,
    secret_sha256  TEXT    NOT NULL UNIQUE,
    scopes         TEXT    NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT,
    revoked_at     BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id),
    secret_sha256  TEXT    NOT NULL UNIQUE,
    csrf_token     TEXT    NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);

CREATE TABLE products (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organisations (id),
    record_id   TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    record      TEXT    NOT NULL,
    revision    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX products_org ON products (org_id);

CREATE TABLE artifacts (
    sha256      TEXT    PRIMARY KEY,
    size        BIGINT NOT NULL,
    media_type  TEXT    NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE analyses (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    artifact_sha256  TEXT    NOT NULL REFERENCES artifacts (sha256),
    product_id       BIGINT REFERENCES products (id),
    org_id           BIGINT NOT NULL REFERENCES organisations (id),
    user_id          BIGINT NOT NULL REFERENCES users (id),
    file_name        TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'partial', 'failed')),
    progress         TEXT    NOT NULL,
    warning          TEXT,
    error            TEXT,
    report           TEXT,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT
);
CREATE INDEX analyses_org ON analyses (org_id);

CREATE TABLE jobs (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              TEXT    NOT NULL,
    analysis_id       BIGINT NOT NULL REFERENCES analyses (id),
    state             TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts          BIGINT NOT NULL,
    max_attempts      BIGINT NOT NULL,
    lease_owner       TEXT,
    lease_expires_at  BIGINT,
    fencing_token     BIGINT NOT NULL,
    last_error        TEXT,
    created_at        BIGINT NOT NULL,
    finished_at       BIGINT
);
CREATE INDEX jobs_queued ON jobs (state, id);
