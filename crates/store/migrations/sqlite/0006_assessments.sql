-- Assessments as records: each assessment of a product the service computes is kept with the
-- digest of the catalogue it was judged under, the digest of everything it was computed from
-- (catalogue, date, product record, scan reports read, dossier revisions) and the as-of date,
-- with one row per role for filtering by decision.
--
-- scope_org says whose view of the analyses it was computed from: 0 for the regulator's roles
-- (every analysis), else the organisation whose own analyses it read. A caller reads only
-- assessments of its own scope, so no assessment shows a party evidence it may not see.
CREATE TABLE assessments (
    id                INTEGER PRIMARY KEY,
    product_id        INTEGER NOT NULL REFERENCES products (id),
    org_id            INTEGER NOT NULL REFERENCES organisations (id),
    product_revision  INTEGER NOT NULL,
    scope_org         INTEGER NOT NULL,
    catalogue_id      TEXT    NOT NULL,
    catalogue_digest  TEXT    NOT NULL,
    input_digest      TEXT    NOT NULL,
    as_of             TEXT    NOT NULL,
    allow             INTEGER NOT NULL,
    allow_with_conditions INTEGER NOT NULL,
    prohibit          INTEGER NOT NULL,
    report            TEXT    NOT NULL,
    user_id           INTEGER NOT NULL REFERENCES users (id),
    created_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX assessments_input ON assessments (product_id, scope_org, input_digest);
CREATE INDEX assessments_scope ON assessments (scope_org, id);

CREATE TABLE assessment_roles (
    assessment_id  INTEGER NOT NULL REFERENCES assessments (id),
    role           TEXT    NOT NULL,
    critical       INTEGER NOT NULL,
    decision       TEXT    NOT NULL,
    PRIMARY KEY (assessment_id, role)
);
CREATE INDEX assessment_roles_decision ON assessment_roles (decision, assessment_id);
