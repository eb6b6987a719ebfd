-- Assessments as records: each assessment of a product the service computes is kept with the
-- digest of the catalogue it was judged under, the digest of everything it was computed from
-- (catalogue, date, product record, scan reports read, dossier revisions) and the as-of date,
-- with one row per role for filtering by decision.
--
-- scope_org says whose view of the analyses it was computed from: 0 for the regulator's roles
-- (every analysis), else the organisation whose own analyses it read. A caller reads only
-- assessments of its own scope, so no assessment shows a party evidence it may not see.
CREATE TABLE assessments (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id        BIGINT NOT NULL REFERENCES products (id),
    org_id            BIGINT NOT NULL REFERENCES organisations (id),
    product_revision  BIGINT NOT NULL,
    scope_org         BIGINT NOT NULL,
    catalogue_id      TEXT    NOT NULL,
    catalogue_digest  TEXT    NOT NULL,
    input_digest      TEXT    NOT NULL,
    as_of             TEXT    NOT NULL,
    allow             BIGINT NOT NULL,
    allow_with_conditions BIGINT NOT NULL,
    prohibit          BIGINT NOT NULL,
    report            TEXT    NOT NULL,
    user_id           BIGINT NOT NULL REFERENCES users (id),
    created_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX assessments_input ON assessments (product_id, scope_org, input_digest);
CREATE INDEX assessments_scope ON assessments (scope_org, id);

CREATE TABLE assessment_roles (
    assessment_id  BIGINT NOT NULL REFERENCES assessments (id),
    role           TEXT    NOT NULL,
    critical       BIGINT NOT NULL,
    decision       TEXT    NOT NULL,
    PRIMARY KEY (assessment_id, role)
);
CREATE INDEX assessment_roles_decision ON assessment_roles (decision, assessment_id);
