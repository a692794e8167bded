//! `GET /orders/{id}/events`: the order's history, oldest first.

use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use order_app::OrderService;
use order_domain::PageLimit;
use serde::Deserialize;

use super::orders::order_id;
use crate::caller::caller;
use crate::dto::EventListBody;
use crate::error::ApiError;
use crate::problem::FieldProblem;

/// `GET /orders/{id}/events` query parameters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct HistoryParams {
    /// Only events after this order version (the `nextCursor` of the page before); 0 when absent.
    #[param(value_type = Option<u64>, minimum = 0)]
    after: Option<String>,
    /// The page size, 1 to 100; 20 when absent.
    #[param(value_type = Option<u8>, minimum = 1, maximum = 100)]
    limit: Option<String>,
}

pub(crate) async fn order_events(
    request: HttpRequest,
    id: Path<String>,
    params: Query<HistoryParams>,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&request)?;
    let id = order_id(&id)?;
    let mut problems = Vec::new();
    let after = match &params.after {
        None => Some(0),
        // Versions are stored as signed 64-bit numbers: none is larger.
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|v| *v <= i64::MAX as u64)
            .or_else(|| {
                let detail =
                    "must be an order version: a whole number from 0 to 9223372036854775807";
                problems.push(FieldProblem::at_parameter("after", detail));
                None
            }),
    };
    let limit = match &params.limit {
        None => Some(PageLimit::default()),
        Some(raw) => raw
            .trim()
            .parse()
            .ok()
            .and_then(PageLimit::new)
            .or_else(|| {
                let detail = format!("must be a whole number from 1 to {}", PageLimit::MAX);
                problems.push(FieldProblem::at_parameter("limit", detail));
                None
            }),
    };
    let (Some(after), Some(limit)) = (after, limit) else {
        return Err(ApiError::bad_request(
            "some query parameters are invalid",
            problems,
        ));
    };
    let page = service.order_history(&caller, id, after, limit).await?;
    Ok(HttpResponse::Ok().json(EventListBody::of(&page)))
}
