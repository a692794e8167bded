//! `GET /metrics`: the Prometheus text exposition of the process's recorder, with the database pool's gauges
//! and the rate limiter's
//! Redis fail-open count read at scrape time.

use actix_web::http::header;
use actix_web::web::{self, Data, ServiceConfig};
use actix_web::HttpResponse;
use metrics_exporter_prometheus::PrometheusHandle;
use order_http::rate_limit::{RateLimiter, FAILED_OPEN_TOTAL};
use order_storage::DieselStorage;
use std::sync::Arc;

use crate::telemetry::{DB_POOL_IDLE, DB_POOL_IN_USE, DB_POOL_WAITING};

#[derive(Clone)]
pub(crate) struct Scrape {
    pub handle: PrometheusHandle,
    pub storage: DieselStorage,
    pub rate_limiter: Arc<dyn RateLimiter>,
}

pub(crate) fn configure(scrape: Scrape) -> impl FnOnce(&mut ServiceConfig) {
    move |config| {
        config.service(
            web::resource("/metrics")
                .app_data(Data::new(scrape))
                .route(web::get().to(metrics)),
        );
    }
}

async fn metrics(scrape: Data<Scrape>) -> HttpResponse {
    let pool = scrape.storage.pool_stats();
    metrics::gauge!(DB_POOL_IN_USE).set(f64::from(pool.in_use));
    metrics::gauge!(DB_POOL_IDLE).set(f64::from(pool.idle));
    metrics::gauge!(DB_POOL_WAITING).set(pool.waiting as f64);
    metrics::counter!(FAILED_OPEN_TOTAL).absolute(scrape.rate_limiter.failed_open());
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .body(scrape.handle.render())
}
