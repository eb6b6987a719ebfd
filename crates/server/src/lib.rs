//! `netvet serve`: the `/api/v1` REST API over the store (`netvet-store`) and the object
//! store, with its OpenAPI 3.1 document, password sessions and API tokens, firmware uploads,
//! and an in-process worker pool that runs analyses through `netvet-pipeline` — the same
//! calls the CLI makes.

mod api;
mod auth;
mod problem;
mod rematch;
mod worker;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use netvet_store::Store;
use tokio::sync::{Notify, watch};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::SecuritySchemes;

pub use netvet_artifacts::Artifacts as Objects;
pub use problem::Problem;

/// How the service runs.
#[derive(Clone)]
pub struct Config {
    /// Where the SQLite file, the objects and the scratch space live.
    pub data_dir: PathBuf,
    /// The database URL; `None`: `DATA_DIR/netvet.sqlite`.
    pub database: Option<String>,
    /// The first admin's password; `None`: a random one, printed once.
    pub admin_password: Option<String>,
    /// Mark the session cookie `Secure` (see [`secure_cookies_for`]).
    pub secure_cookies: bool,
    /// Largest firmware upload, bytes.
    pub max_upload: u64,
    /// Analyses run at once.
    pub workers: usize,
    /// Unpacking limits for analyses (the `scan` command's flags).
    pub unpack: netvet_unpack::Options,
    /// The advisory index admins import into and analyses match against once it exists;
    /// `None`: `DATA_DIR/advisories.db`.
    pub advisory_index: Option<PathBuf>,
    /// Largest advisory import, bytes.
    pub max_advisory_upload: u64,
}

impl Config {
    /// Defaults for everything but the data directory.
    pub fn new(data_dir: PathBuf) -> Config {
        Config {
            data_dir,
            database: None,
            admin_password: None,
            secure_cookies: true,
            max_upload: 4 << 30,
            workers: 1,
            unpack: netvet_unpack::Options::default(),
            advisory_index: None,
            max_advisory_upload: 256 << 20,
        }
    }

    /// The advisory index file in effect (it may not exist yet).
    pub fn advisory_index_path(&self) -> PathBuf {
        self.advisory_index
            .clone()
            .unwrap_or_else(|| self.data_dir.join("advisories.db"))
    }

    /// The database URL or path in effect.
    pub fn database_url(&self) -> String {
        self.database.clone().unwrap_or_else(|| {
            self.data_dir
                .join("netvet.sqlite")
                .to_string_lossy()
                .into_owned()
        })
    }
}

/// Session cookies carry `Secure` unless the service listens on a loopback address: plain
/// HTTP on 127.0.0.1 is a single user's machine (and browsers drop `Secure` cookies over
/// plain HTTP), while any other address is expected to sit behind TLS.
pub fn secure_cookies_for(listen: &SocketAddr) -> bool {
    !listen.ip().is_loopback()
}

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub objects: Arc<Objects>,
    pub config: Arc<Config>,
    /// Woken when a job is enqueued, so idle workers claim it at once.
    pub jobs: Arc<Notify>,
}

/// Largest JSON request body.
pub const MAX_JSON_BODY: usize = 1 << 20;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "netvet",
        description = "Firmware analysis and 5G vendor vetting: organisations, users, API tokens, product records, firmware uploads and their analyses, assessments under the built-in catalogues and uploaded overlays, the impact of a catalogue change, vendor dossiers with their history, advisory imports that re-match stored reports and the verdicts that changed, operator inventories and their network reports. Errors are RFC 9457 problem documents.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(Problem)),
    modifiers(&SecuritySchemes),
    security(("session" = []), ("token" = [])),
)]
struct ApiDoc;

/// The API's routes and its OpenAPI document, built together so they cannot drift.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = api::routes().layer(DefaultBodyLimit::max(MAX_JSON_BODY));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .split_for_parts()
}

/// The OpenAPI document (what `/api/v1/openapi.json` serves and `docs/openapi.json` holds).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api().1;
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The whole application: API, probes, OpenAPI document, problem-document fallbacks.
pub fn router(state: AppState) -> Router {
    let (routes, _) = api();
    let doc = Arc::new(openapi());
    routes
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route("/healthz", axum::routing::get(api::health::healthz))
        .route("/readyz", axum::routing::get(api::health::readyz))
        .fallback(problem::no_route)
        .method_not_allowed_fallback(problem::no_method)
        .with_state(state)
}

/// Opens the store and the objects, creates the first admin if needed (returning its
/// generated password, to be shown once).
pub async fn open(config: Config) -> Result<(AppState, Option<String>), ServeError> {
    tokio::fs::create_dir_all(&config.data_dir)
        .await
        .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    let store = Store::open(&config.database_url())
        .await
        .map_err(|e| format!("database {}: {e}", config.database_url()))?;
    let objects = Objects::open(&netvet_artifacts::ArtifactsConfig::Local {
        root: config.data_dir.join("objects"),
    })
    .await
    .map_err(|e| ServeError(e.to_string()))?;
    // What a crash left half-uploaded a day ago is swept.
    objects
        .sweep_incoming(std::time::Duration::from_secs(24 * 3600))
        .await
        .map_err(|e| ServeError(e.to_string()))?;
    let generated = store
        .bootstrap_admin(config.admin_password.clone())
        .await
        .map_err(|e| format!("creating the first admin: {e}"))?;
    Ok((
        AppState {
            store,
            objects: Arc::new(objects),
            config: Arc::new(config),
            jobs: Arc::new(Notify::new()),
        },
        generated,
    ))
}

/// Starting or running the service failed; the message says what, for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ServeError(String);

impl From<String> for ServeError {
    fn from(s: String) -> ServeError {
        ServeError(s)
    }
}

/// Starts the workers; they stop (giving their jobs back) when `stop` turns true.
pub fn start_workers(
    state: &AppState,
    stop: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..state.config.workers.max(1))
        .map(|i| {
            tokio::spawn(worker::run(
                state.clone(),
                format!("{}-{i}", worker::host_id()),
                stop.clone(),
            ))
        })
        .collect()
}

/// Serves on `listener` until `shutdown` resolves, then stops accepting, lets requests in
/// flight finish, and gives running jobs back to the queue.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let workers = start_workers(&state, stop_rx);
    let store = state.store.clone();
    let app = router(state);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| ServeError(format!("serving: {e}")));
    tracing::info!("shutting down: giving running jobs back to the queue");
    let _ = stop_tx.send(true);
    for w in workers {
        if tokio::time::timeout(Duration::from_secs(30), w)
            .await
            .is_err()
        {
            tracing::warn!("a worker did not stop within 30 s; its lease will expire");
        }
    }
    store.close().await;
    result
}

/// A future that resolves on SIGINT or SIGTERM. The handlers are installed by this call, so
/// a signal that arrives once it returned is never lost to the default action.
pub fn shutdown_signal()
-> Result<impl std::future::Future<Output = ()> + Send + 'static, ServeError> {
    use tokio::signal::unix::{SignalKind, signal};
    let handler = |kind| signal(kind).map_err(|e| ServeError(format!("signal handler: {e}")));
    let mut interrupt = handler(SignalKind::interrupt())?;
    let mut terminate = handler(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
    })
}

/// What a start produced, for the operator to see once.
#[derive(Debug)]
pub struct Started {
    /// The address the service listens on.
    pub address: SocketAddr,
    /// The first admin's generated one-time password, when one was generated.
    pub admin_password: Option<String>,
}

/// Runs the service on its own tokio runtime until SIGINT or SIGTERM (`netvet serve`);
/// `started` is told the address and any generated admin password before requests are taken.
pub fn run(
    config: Config,
    listen: SocketAddr,
    started: impl FnOnce(&Started),
) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError(format!("cannot start the runtime: {e}")))?;
    let result = runtime.block_on(async move {
        let (state, admin_password) = open(config).await?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| ServeError(format!("cannot listen on {listen}: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| ServeError(format!("listening socket: {e}")))?;
        let shutdown = shutdown_signal()?;
        started(&Started {
            address,
            admin_password,
        });
        serve(state, listener, shutdown).await
    });
    // An analysis abandoned at shutdown (its job is back in the queue) still runs on a
    // blocking thread: do not wait for it.
    runtime.shutdown_timeout(Duration::from_secs(5));
    result
}

/// Applies the store's migrations to `database` (`netvet db migrate`) and returns the
/// versions applied.
pub fn migrate(database: &str) -> Result<Vec<i64>, ServeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let store = Store::open(database)
            .await
            .map_err(|e| ServeError(format!("database {database}: {e}")))?;
        let applied = store
            .applied_migrations()
            .await
            .map_err(|e| ServeError(e.to_string()))?;
        store.close().await;
        Ok(applied)
    })
}
