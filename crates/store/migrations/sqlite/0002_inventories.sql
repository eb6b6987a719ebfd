-- Operator inventories: the network elements an operator runs, as uploaded (CSV or JSON),
-- validated before they are stored.
CREATE TABLE inventories (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    name        TEXT    NOT NULL,
    format      TEXT    NOT NULL CHECK (format IN ('csv', 'json')),
    content     TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    elements    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX inventories_org ON inventories (org_id);
