-- Edits of vendor dossiers: each a revision holding the whole dossier as stored (JSON), the
-- previous value of what changed, who changed it and when. The newest revision of a vendor
-- is its dossier; a vendor without revisions has its built-in dossier.
CREATE TABLE dossier_revisions (
    id          INTEGER PRIMARY KEY,
    vendor_id   TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    dossier     TEXT    NOT NULL,
    change      TEXT    NOT NULL CHECK (change IN ('dossier', 'fact')),
    fact_id     TEXT,
    previous    TEXT,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    UNIQUE (vendor_id, revision)
);
