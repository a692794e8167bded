use actix_web::web::Data;
use actix_web::HttpResponse;
use order_app::OrderService;

use crate::error::ApiError;

/// The process is up and serving.
pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The service can do its work: the database answers. 503 problem otherwise. The body also tells how far
/// the outbox is behind; a backlog (NATS or another service down) does not make the service unready.
pub(crate) async fn ready(service: Data<OrderService>) -> Result<HttpResponse, ApiError> {
    service.check_ready().await?;
    let outbox = service.outbox_stats().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "status": "ready",
        "outbox": {
            "backlog": outbox.backlog,
            "oldestAgeSeconds": outbox.oldest.map_or(0, |age| age.as_secs()),
            "parked": outbox.parked,
        },
    })))
}
