//! Probes: `/healthz` (the process answers) and `/readyz` (the database answers too).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::AppState;
use crate::problem::{ApiError, ApiResult};

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process is up and its database answers.
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.store.ping().await.map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("database: {e}"),
        )
    })?;
    Ok(Json(json!({"status": "ready"})))
}
