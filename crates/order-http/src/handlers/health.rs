use actix_web::web::Data;
use actix_web::HttpResponse;
use order_app::Readiness;

use crate::error::ApiError;

/// The process is up and serving.
pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The service can do its work: the last background probe found the database taking writes. Answered from
/// memory, at once, whatever state the database is in; 503 problem otherwise.
pub(crate) async fn ready(readiness: Data<Readiness>) -> Result<HttpResponse, ApiError> {
    readiness.check().map_err(ApiError::NotReady)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
