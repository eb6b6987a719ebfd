-- Re-matching stored reports when the advisory index changes: the index a re-match job
-- matches against, and the assessment verdicts that changed because of it.
ALTER TABLE jobs ADD COLUMN index_digest TEXT;

CREATE TABLE verdict_changes (
    id               INTEGER PRIMARY KEY,
    product_id       INTEGER NOT NULL REFERENCES products (id),
    org_id           INTEGER NOT NULL REFERENCES organisations (id),
    analysis_id      INTEGER NOT NULL REFERENCES analyses (id),
    catalogue_id     TEXT    NOT NULL,
    role             TEXT    NOT NULL,
    decision_before  TEXT    NOT NULL,
    decision_after   TEXT    NOT NULL,
    index_digest     TEXT    NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX verdict_changes_org ON verdict_changes (org_id);
