-- Catalogue overlays: requirements catalogues uploaded by the regulator that extend a built-in
-- one, validated (and their Rego tests passed) before they are stored, stored once by digest.
CREATE TABLE catalogue_overlays (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest        TEXT    NOT NULL UNIQUE,
    catalogue_id  TEXT    NOT NULL,
    extends       TEXT    NOT NULL,
    files         TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL
);
