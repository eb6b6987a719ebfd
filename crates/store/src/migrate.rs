//! The migrations of each backend, embedded, applied through sqlx's migrator.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::{Backend, Result, Store};

/// `(version, description, sql)` of each SQLite migration, in order.
const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "inventories",
        include_str!("../migrations/sqlite/0002_inventories.sql"),
    ),
    (
        3,
        "dossiers",
        include_str!("../migrations/sqlite/0003_dossiers.sql"),
    ),
    (
        4,
        "catalogue overlays",
        include_str!("../migrations/sqlite/0004_catalogue_overlays.sql"),
    ),
    (
        5,
        "rematch",
        include_str!("../migrations/sqlite/0005_rematch.sql"),
    ),
    (
        6,
        "assessments",
        include_str!("../migrations/sqlite/0006_assessments.sql"),
    ),
];

/// The same for PostgreSQL: one schema, two dialects.
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "inventories",
        include_str!("../migrations/postgres/0002_inventories.sql"),
    ),
    (
        3,
        "dossiers",
        include_str!("../migrations/postgres/0003_dossiers.sql"),
    ),
    (
        4,
        "catalogue overlays",
        include_str!("../migrations/postgres/0004_catalogue_overlays.sql"),
    ),
    (
        5,
        "rematch",
        include_str!("../migrations/postgres/0005_rematch.sql"),
    ),
    (
        6,
        "assessments",
        include_str!("../migrations/postgres/0006_assessments.sql"),
    ),
];

/// The migrator for `backend`.
pub(crate) fn migrator(backend: Backend) -> Migrator {
    let list = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    Migrator::with_migrations(
        list.iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sqlx::SqlStr::from_static(sql),
                    false,
                )
            })
            .collect(),
    )
}

/// Applies the migrations not yet applied.
pub(crate) async fn run(store: &Store) -> Result<()> {
    migrator(store.backend).run(&store.pool).await?;
    Ok(())
}

impl Store {
    /// The versions of the migrations applied, in order (`netvet db migrate` prints them).
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        use sqlx::Row;
        let rows = sqlx::query("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>(0).map_err(Into::into))
            .collect()
    }
}
