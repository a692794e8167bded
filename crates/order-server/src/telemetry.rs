//! Where logs and metrics go: the tracing subscriber (readable lines or one JSON object per line, on stdout)
//! and the process-wide Prometheus recorder behind `/metrics`.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Colours only on a terminal; in JSON every line, start-up included, is
/// one object with the request span's fields (`request_id`, `method`) beside the event's.
pub fn init_logging(format: LogFormat, filter: EnvFilter) {
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stdout().is_terminal()).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// Latency buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub const DB_POOL_IN_USE: &str = "db_pool_connections_in_use";
pub const DB_POOL_IDLE: &str = "db_pool_connections_idle";
pub const DB_POOL_WAITING: &str = "db_pool_waiting";

/// The process's Prometheus recorder, installed on first use (one per process, shared by every
/// `Application` in it).
pub fn metrics() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(order_http::REQUEST_DURATION.to_owned()),
                    LATENCY_BUCKETS,
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed; /metrics will be empty");
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use order_gateways::resilience::{CALLS_TOTAL, CIRCUIT_STATE, RETRIES_TOTAL};
    metrics::describe_counter!(
        order_http::REQUESTS_TOTAL,
        "HTTP requests by method, route template and status"
    );
    metrics::describe_histogram!(
        order_http::REQUEST_DURATION,
        metrics::Unit::Seconds,
        "HTTP request latency by route template"
    );
    metrics::describe_counter!(
        CALLS_TOTAL,
        "Calls to outside services by service and outcome"
    );
    metrics::describe_counter!(
        RETRIES_TOTAL,
        "Retried attempts of outside calls by service"
    );
    metrics::describe_gauge!(
        CIRCUIT_STATE,
        "Circuit breaker per outside service: 0 closed, 1 open, 2 half-open"
    );
    metrics::describe_counter!(
        order_http::rate_limit::REJECTIONS_TOTAL,
        "Requests refused with 429 by budget"
    );
    metrics::describe_counter!(
        order_http::rate_limit::FAILED_OPEN_TOTAL,
        "Requests let through uncounted because Redis did not answer"
    );
    metrics::describe_gauge!(DB_POOL_IN_USE, "Database connections in use");
    metrics::describe_gauge!(DB_POOL_IDLE, "Database connections idle");
    metrics::describe_gauge!(
        DB_POOL_WAITING,
        "Database work queued for the store's threads (the SQLite writer's queue not counted)"
    );
    for (name, help) in order_http::ORDER_COUNTERS {
        metrics::describe_counter!(name, help);
    }
}
