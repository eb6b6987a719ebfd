//! Prometheus metrics at `/metrics`, in the text exposition format (version 0.0.4), written
//! by hand: a handful of counters and one histogram do not justify a metrics framework and
//! its global recorder.
//!
//! Requests are labelled by route *template* (`/api/v1/analyses/{id}`, never the path a
//! client sent, so the label set stays bounded), method and status. Jobs and analyses by
//! state are read from the store at scrape time, so they are right across restarts and
//! across several servers sharing one database.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::problem::ApiError;

/// Upper bounds of the latency histogram's buckets, seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A latency histogram: cumulative counts per bucket, the sum and the count.
#[derive(Clone, Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                self.buckets[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }
}

/// The service's own counters (the store's counts are read at scrape time).
#[derive(Default)]
pub struct Metrics {
    /// Requests by (route, method, status).
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// Latency by (route, method).
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
    /// Bytes received in firmware uploads.
    upload_bytes: AtomicU64,
    /// Failed logins refused or counted, by reason (`password`, `rate_limited`).
    logins_failed: Mutex<BTreeMap<&'static str, u64>>,
    /// Expired sessions and tokens pruned.
    pruned_sessions: AtomicU64,
    pruned_tokens: AtomicU64,
}

impl Metrics {
    /// Counts one request.
    pub fn record_request(&self, route: &str, method: &str, status: u16, took: Duration) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((route.to_string(), method.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            l.entry((route.to_string(), method.to_string()))
                .or_default()
                .observe(took.as_secs_f64());
        }
    }

    /// Counts bytes received in an upload.
    pub fn record_upload_bytes(&self, n: u64) {
        self.upload_bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a failed login (`reason`: `password` or `rate_limited`).
    pub fn record_login_failure(&self, reason: &'static str) {
        if let Ok(mut m) = self.logins_failed.lock() {
            *m.entry(reason).or_default() += 1;
        }
    }

    /// Counts what a housekeeping sweep removed.
    pub fn record_pruned(&self, pruned: netvet_store::Pruned) {
        self.pruned_sessions
            .fetch_add(pruned.sessions, Ordering::Relaxed);
        self.pruned_tokens
            .fetch_add(pruned.tokens, Ordering::Relaxed);
    }

    /// The exposition text: this process's counters and the store's `counts`.
    pub fn render(&self, counts: &netvet_store::QueueCounts) -> String {
        let mut out = String::new();
        header_lines(
            &mut out,
            "netvet_build_info",
            "gauge",
            "The running build (always 1).",
        );
        let _ = writeln!(
            out,
            "netvet_build_info{{version=\"{}\"}} 1",
            escape(env!("CARGO_PKG_VERSION"))
        );

        header_lines(
            &mut out,
            "netvet_http_requests_total",
            "counter",
            "HTTP requests by route template, method and status.",
        );
        if let Ok(r) = self.requests.lock() {
            for ((route, method, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "netvet_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                    escape(route),
                    escape(method)
                );
            }
        }

        header_lines(
            &mut out,
            "netvet_http_request_duration_seconds",
            "histogram",
            "Time from receiving a request to its response headers, by route template and method.",
        );
        if let Ok(l) = self.latency.lock() {
            for ((route, method), h) in l.iter() {
                let labels = format!("route=\"{}\",method=\"{}\"", escape(route), escape(method));
                for (le, n) in BUCKETS.iter().zip(h.buckets.iter()) {
                    let _ = writeln!(
                        out,
                        "netvet_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "netvet_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "netvet_http_request_duration_seconds_sum{{{labels}}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "netvet_http_request_duration_seconds_count{{{labels}}} {}",
                    h.count
                );
            }
        }

        header_lines(
            &mut out,
            "netvet_jobs",
            "gauge",
            "Jobs in the queue by state.",
        );
        for (state, n) in &counts.jobs {
            let _ = writeln!(out, "netvet_jobs{{state=\"{}\"}} {n}", escape(state));
        }
        header_lines(
            &mut out,
            "netvet_queue_depth",
            "gauge",
            "Jobs waiting for a worker.",
        );
        let queued = counts
            .jobs
            .iter()
            .find(|(s, _)| s == "queued")
            .map_or(0, |(_, n)| *n);
        let _ = writeln!(out, "netvet_queue_depth {queued}");
        header_lines(
            &mut out,
            "netvet_analyses",
            "gauge",
            "Analyses by status (done, partial and failed are finished).",
        );
        for (status, n) in &counts.analyses {
            let _ = writeln!(out, "netvet_analyses{{status=\"{}\"}} {n}", escape(status));
        }

        header_lines(
            &mut out,
            "netvet_upload_bytes_total",
            "counter",
            "Bytes received in firmware uploads.",
        );
        let _ = writeln!(
            out,
            "netvet_upload_bytes_total {}",
            self.upload_bytes.load(Ordering::Relaxed)
        );
        header_lines(
            &mut out,
            "netvet_login_failures_total",
            "counter",
            "Failed logins by reason (password: wrong name or password; rate_limited: refused while backing off).",
        );
        if let Ok(m) = self.logins_failed.lock() {
            for (reason, n) in m.iter() {
                let _ = writeln!(
                    out,
                    "netvet_login_failures_total{{reason=\"{reason}\"}} {n}"
                );
            }
        }
        header_lines(
            &mut out,
            "netvet_pruned_total",
            "counter",
            "Expired credentials removed by housekeeping, by kind.",
        );
        let _ = writeln!(
            out,
            "netvet_pruned_total{{kind=\"session\"}} {}",
            self.pruned_sessions.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "netvet_pruned_total{{kind=\"token\"}} {}",
            self.pruned_tokens.load(Ordering::Relaxed)
        );
        out
    }
}

fn header_lines(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value escaped for the exposition format (backslash, quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let counts = state.store.queue_counts().await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(&counts),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.record_request("/a", "GET", 200, Duration::from_millis(3));
        m.record_request("/a", "GET", 200, Duration::from_millis(30));
        m.record_request("/a", "GET", 404, Duration::from_secs(60));
        let text = m.render(&netvet_store::QueueCounts::default());
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .map(|l| l.rsplit(' ').next().unwrap_or_default().to_string())
        };
        let bucket = |le: &str| {
            line(&format!(
                "netvet_http_request_duration_seconds_bucket{{route=\"/a\",method=\"GET\",le=\"{le}\"}}"
            ))
        };
        assert_eq!(bucket("0.001").as_deref(), Some("0"));
        assert_eq!(bucket("0.005").as_deref(), Some("1"));
        assert_eq!(bucket("0.05").as_deref(), Some("2"));
        assert_eq!(bucket("10").as_deref(), Some("2"));
        assert_eq!(bucket("+Inf").as_deref(), Some("3"));
        assert_eq!(
            line("netvet_http_requests_total{route=\"/a\",method=\"GET\",status=\"404\"}")
                .as_deref(),
            Some("1")
        );
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
