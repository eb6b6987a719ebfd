//! `netvet serve`: the `/api/v1` REST API over the store (`netvet-store`) and the object
//! store, with its OpenAPI 3.1 document, password sessions and API tokens, firmware uploads,
//! and an in-process worker pool that runs analyses through `netvet-pipeline` — the same
//! calls the CLI makes.

mod api;
mod auth;
pub mod demo;
mod login_guard;
pub mod logs;
mod metrics;
mod observe;
mod problem;
mod rematch;
mod sandbox;
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

pub use login_guard::LoginGuard;
pub use metrics::Metrics;
pub use netvet_artifacts::Artifacts as Objects;
pub use observe::REQUEST_ID_HEADER;
pub use problem::Problem;
pub use sandbox::ChildAnalysis;

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
    /// How often expired sessions and tokens are swept.
    pub housekeeping_every: Duration,
    /// The demo data set to load when the database is created (`netvet serve --demo`).
    pub demo: Option<Arc<demo::DemoData>>,
    /// Run each analysis's unpack-and-scan step in a child process with these limits;
    /// `None`: in this process.
    pub child_analysis: Option<ChildAnalysis>,
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
            housekeeping_every: Duration::from_secs(600),
            demo: None,
            child_analysis: None,
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

/// `url` with any password replaced by `***` (the user-info password of a `scheme://` URL
/// and `password=` query parameters), for logs and error messages.
pub fn redact_database_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest = scheme_end + 3;
        let authority_end = out[rest..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..authority_end].rfind('@') {
            let userinfo = &out[rest..rest + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest + colon + 1..rest + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
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
    /// This process's counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The back-off after failed logins.
    pub logins: Arc<LoginGuard>,
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

/// The whole application: API, probes, metrics, OpenAPI document, problem-document
/// fallbacks; every request gets an id, a span and a line in the metrics.
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
        .route("/metrics", axum::routing::get(metrics::metrics))
        .fallback(problem::no_route)
        .method_not_allowed_fallback(problem::no_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::request_context,
        ))
        .with_state(state)
}

/// Opens the store and the objects, creates the first admin if needed (returning its
/// generated password, to be shown once).
pub async fn open(config: Config) -> Result<(AppState, Option<String>), ServeError> {
    let opened = open_full(config).await?;
    Ok((opened.state, opened.admin_password))
}

/// What [`open_full`] did.
pub struct Opened {
    pub state: AppState,
    /// The first admin's generated password, when one was generated.
    pub admin_password: Option<String>,
    /// The demo data set loaded (only into a database created by this start).
    pub demo: Option<demo::DemoLoaded>,
    /// `--demo` was asked for but the database already held users: nothing was loaded.
    pub demo_skipped: bool,
}

/// [`open`], and on the start that creates the database, loads `config.demo`.
pub async fn open_full(config: Config) -> Result<Opened, ServeError> {
    tokio::fs::create_dir_all(&config.data_dir)
        .await
        .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    let store = Store::open(&config.database_url()).await.map_err(|e| {
        format!(
            "database {}: {}",
            redact_database_url(&config.database_url()),
            redact_database_url(&e.to_string())
        )
    })?;
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
    let fresh = !store
        .has_users()
        .await
        .map_err(|e| format!("reading the users: {e}"))?;
    let generated = store
        .bootstrap_admin(config.admin_password.clone())
        .await
        .map_err(|e| format!("creating the first admin: {e}"))?;
    let state = AppState {
        store,
        objects: Arc::new(objects),
        config: Arc::new(config),
        jobs: Arc::new(Notify::new()),
        metrics: Arc::new(Metrics::default()),
        logins: Arc::new(LoginGuard::default()),
    };
    let mut opened = Opened {
        admin_password: generated,
        demo: None,
        demo_skipped: false,
        state,
    };
    if let Some(data) = opened.state.config.demo.clone() {
        let password = opened
            .admin_password
            .clone()
            .or_else(|| opened.state.config.admin_password.clone());
        match password {
            Some(pw) if fresh => {
                opened.demo = Some(demo::load(&opened.state, &pw, &data).await?);
            }
            _ => opened.demo_skipped = true,
        }
    }
    Ok(opened)
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

/// Sweeps expired sessions and tokens and the login back-off's quiet entries now and every
/// `config.housekeeping_every`, until `stop` turns true.
pub fn start_housekeeping(
    state: &AppState,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(
            state
                .config
                .housekeeping_every
                .max(Duration::from_millis(10)),
        );
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !*stop.borrow() {
            tokio::select! {
                _ = every.tick() => {}
                _ = stop.changed() => continue,
            }
            match state.store.prune_credentials().await {
                Ok(pruned) => {
                    state.metrics.record_pruned(pruned);
                    if pruned != netvet_store::Pruned::default() {
                        tracing::info!(
                            sessions = pruned.sessions,
                            tokens = pruned.tokens,
                            "expired credentials pruned"
                        );
                    }
                }
                Err(e) => tracing::warn!(error = %e, "pruning expired credentials failed"),
            }
            state.logins.prune(std::time::Instant::now());
        }
    })
}

/// Serves on `listener` until `shutdown` resolves, then stops accepting, lets requests in
/// flight finish, and gives running jobs back to the queue.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let workers = start_workers(&state, stop_rx.clone());
    let housekeeping = start_housekeeping(&state, stop_rx);
    let store = state.store.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| ServeError(format!("serving: {e}")));
    tracing::info!("shutting down: giving running jobs back to the queue");
    let _ = stop_tx.send(true);
    let _ = housekeeping.await;
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
    /// The demo data set loaded by this start.
    pub demo: Option<demo::DemoLoaded>,
    /// `--demo` was asked for but the database already held users: nothing was loaded.
    pub demo_skipped: bool,
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
        let opened = open_full(config).await?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| ServeError(format!("cannot listen on {listen}: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| ServeError(format!("listening socket: {e}")))?;
        let shutdown = shutdown_signal()?;
        started(&Started {
            address,
            admin_password: opened.admin_password,
            demo: opened.demo,
            demo_skipped: opened.demo_skipped,
        });
        serve(opened.state, listener, shutdown).await
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
        let store = Store::open(database).await.map_err(|e| {
            ServeError(format!(
                "database {}: {}",
                redact_database_url(database),
                redact_database_url(&e.to_string())
            ))
        })?;
        let applied = store
            .applied_migrations()
            .await
            .map_err(|e| ServeError(e.to_string()))?;
        store.close().await;
        Ok(applied)
    })
}

#[cfg(test)]
mod tests {
    use super::redact_database_url;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_database_url("postgres://netvet:s3cr:et@db.example:5432/nv?sslmode=disable"),
            "postgres://netvet:***@db.example:5432/nv?sslmode=disable"
        );
        assert_eq!(
            redact_database_url("postgresql://db/nv?user=a&password=hunter2&x=1"),
            "postgresql://db/nv?user=a&password=***&x=1"
        );
        // Nothing to hide: unchanged (a user name alone, an SQLite path with an @).
        assert_eq!(
            redact_database_url("postgres://netvet@db/nv"),
            "postgres://netvet@db/nv"
        );
        assert_eq!(
            redact_database_url("/srv/a@b/netvet.sqlite"),
            "/srv/a@b/netvet.sqlite"
        );
    }
}
