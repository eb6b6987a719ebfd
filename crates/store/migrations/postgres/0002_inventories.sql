-- Operator inventories: the network elements an operator runs, as uploaded (CSV or JSON),
-- validated before they are stored.
CREATE TABLE inventories (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organisations (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    name        TEXT   NOT NULL,
    format      TEXT   NOT NULL CHECK (format IN ('csv', 'json')),
    content     TEXT   NOT NULL,
    sha256      TEXT   NOT NULL,
    size        BIGINT NOT NULL,
    elements    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX inventories_org ON inventories (org_id);
