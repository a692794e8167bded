use std::time::Duration;

use actix_web::web::Data;
use actix_web::HttpResponse;
use order_app::{OrderService, Readiness};

use crate::error::ApiError;

/// The process is up and serving.
pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The service can do its work: the last background probe found the database taking writes. Answered from
/// memory, at once, whatever state the database is in; 503 problem otherwise. The body also tells how far
/// the outbox is behind (`null` if that cannot be read now); a backlog (NATS or another service down) does
/// not make the service unready.
pub(crate) async fn ready(
    readiness: Data<Readiness>,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    readiness.check().map_err(ApiError::NotReady)?;
    // Bounded: readiness answers at once even when the database does not.
    let stats =
        actix_web::rt::time::timeout(Duration::from_millis(50), service.outbox_stats()).await;
    let outbox = stats.ok().and_then(Result::ok).map(|outbox| {
        serde_json::json!({
            "backlog": outbox.backlog,
            "oldestAgeSeconds": outbox.oldest.map_or(0, |age| age.as_secs()),
            "parked": outbox.parked,
        })
    });
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready", "outbox": outbox })))
}
