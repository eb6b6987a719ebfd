//! Structured logs: one JSON object per line, for log collectors (`--log-format json`).
//!
//! Each line holds `time` (RFC 3339, UTC, milliseconds), `level`, `target`, `message`,
//! `fields` (the event's fields, then those of its spans, innermost winning) and, inside a
//! request, `request_id` (the span `request` opened by the request-id middleware carries it).
//! Written by hand over `tracing-subscriber`'s registry rather than through its `json`
//! feature, so the shape is ours and the request id is a top-level key.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The span field that carries a request's id.
pub const REQUEST_ID_FIELD: &str = "request_id";

/// A layer writing each event as one JSON line to `W`.
pub struct JsonLines<W> {
    writer: W,
}

impl<W> JsonLines<W> {
    /// Lines go to what `writer` makes (e.g. `std::io::stderr`).
    pub fn new(writer: W) -> JsonLines<W> {
        JsonLines { writer }
    }
}

/// The fields recorded on a span, kept in its extensions.
struct SpanFields(Map<String, Value>);

/// Collects fields as JSON values.
struct Collect<'a>(&'a mut Map<String, Value>);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_string(),
            Value::String(format!("{value:?}")),
        );
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_string(), Value::String(value.to_string()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }
}

impl<S, W> Layer<S> for JsonLines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        attrs.record(&mut Collect(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(&mut Collect(&mut fields.0));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut own = Map::new();
        event.record(&mut Collect(&mut own));
        let message = own
            .remove("message")
            .unwrap_or(Value::String(String::new()));
        let mut fields = Map::new();
        let mut request_id = None;
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(f) = span.extensions().get::<SpanFields>() {
                    for (k, v) in &f.0 {
                        if k == REQUEST_ID_FIELD {
                            request_id = Some(v.clone());
                        } else {
                            fields.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
        }
        fields.extend(own);
        let meta = event.metadata();
        let mut line = Map::new();
        line.insert("time".into(), Value::String(rfc3339_now()));
        line.insert("level".into(), Value::String(meta.level().to_string()));
        line.insert("target".into(), Value::String(meta.target().to_string()));
        line.insert("message".into(), message);
        line.insert("fields".into(), Value::Object(fields));
        if let Some(id) = request_id {
            line.insert(REQUEST_ID_FIELD.into(), id);
        }
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        // A log line that cannot be written is dropped: logging must never stop the service.
        let _ = self.writer.make_writer().write_all(text.as_bytes());
    }
}

/// Now as `2026-12-07T01:02:03.456Z`.
fn rfc3339_now() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(since.as_millis())
}

/// Unix milliseconds as an RFC 3339 UTC time.
fn rfc3339(millis: u128) -> String {
    let secs = i64::try_from(millis / 1000).unwrap_or(i64::MAX);
    let date = netvet_model::Date::from_unix_days(secs.div_euclid(86_400));
    let day_secs = secs.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        day_secs / 3600,
        day_secs % 3600 / 60,
        day_secs % 60,
        millis % 1000
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// A writer into a shared buffer.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;

        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_796_605_323_456), "2026-12-07T01:02:03.456Z");
    }

    #[test]
    fn each_event_is_one_json_line_with_the_request_id() {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::registry().with(JsonLines::new(buffer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", request_id = "abc-1", method = "GET");
            let _entered = span.enter();
            tracing::warn!(job = 7, "job \"x\" slow");
        });
        tracing::subscriber::with_default(
            tracing_subscriber::registry().with(JsonLines::new(buffer.clone())),
            || tracing::info!("outside"),
        );
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["level"], "WARN");
        assert_eq!(lines[0]["message"], "job \"x\" slow");
        assert_eq!(lines[0]["request_id"], "abc-1");
        assert_eq!(
            lines[0]["fields"],
            serde_json::json!({"job": 7, "method": "GET"})
        );
        assert_eq!(lines[0]["target"], module_path!());
        let time = lines[0]["time"].as_str().unwrap();
        assert!(time.len() == 24 && time.ends_with('Z'), "{time}");
        assert_eq!(lines[1]["message"], "outside");
        assert!(lines[1].get("request_id").is_none());
    }
}
