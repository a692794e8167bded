use actix_web::web::Data;
use actix_web::HttpResponse;
use order_app::OrderService;

use crate::error::ApiError;

/// The process is up and serving.
pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The service can do its work: the database answers. 503 problem otherwise.
pub(crate) async fn ready(service: Data<OrderService>) -> Result<HttpResponse, ApiError> {
    service.check_ready().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
