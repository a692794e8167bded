use actix_web::error::JsonPayloadError;
use actix_web::http::header::{self, ContentType};
use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use order_app::{CreateOrder, OrderService};
use order_domain::{
    CustomerId, Field, IdempotencyKey, NewOrder, OrderFilter, OrderId, OrderStatus, PageLimit,
    PageRequest, StoreId, Version, Violation,
};

use crate::business::{self, OrderEvent};
use crate::caller::caller;
use crate::dto::{render_order, render_page, CreateOrderRequest, ListParams, RenderedOrders};
use crate::error::ApiError;
use crate::etag::{etag, if_match, is_fresh};
use crate::problem::FieldProblem;
use crate::{cursor, json_body};

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// `POST /orders`
pub(crate) async fn create_order(
    request: HttpRequest,
    body: Bytes,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&request)?;
    let dto: CreateOrderRequest = json_body::parse(&request, &body)?;
    let header_key = idempotency_header(&request)?;
    let body_key = dto.idempotency_key.clone().map(|raw| {
        IdempotencyKey::parse(raw).map_err(|e| Violation::new(Field::IdempotencyKey, e))
    });
    let order = NewOrder::parse(dto.into_draft());
    // The header wins over the body; both name the same key space. A bad body key is refused either way.
    let key = match (header_key, body_key) {
        (_, Some(Err(violation))) => Err(violation),
        (Some(key), _) => Ok(Some(key)),
        (None, Some(Ok(key))) => Ok(Some(key)),
        (None, None) => Ok(None),
    };
    let (order, key) = match (order, key) {
        (Ok(order), Ok(key)) => (order, key),
        (order, key) => {
            let mut violations = order.err().unwrap_or_default();
            violations.extend(key.err());
            return Err(ApiError::Invalid(violations));
        }
    };

    let command = CreateOrder {
        order,
        idempotency_key: key,
    };
    let created = service.create_order(&caller, command, render_order).await?;

    let mut response = HttpResponse::Created();
    response
        .insert_header((
            header::LOCATION,
            format!(
                "{}/{}",
                request.path().trim_end_matches('/'),
                created.order_id
            ),
        ))
        .insert_header(header::ETag(etag(Version::FIRST)))
        .content_type(ContentType::json());
    if created.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    } else {
        business::count(OrderEvent::Created);
    }
    Ok(response.body(created.body))
}

pub(crate) fn idempotency_header(
    request: &HttpRequest,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = request.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let invalid = |detail: String| {
        ApiError::bad_request(
            format!("the {IDEMPOTENCY_KEY} header is invalid"),
            vec![FieldProblem::at_header(IDEMPOTENCY_KEY, detail)],
        )
    };
    let text = value
        .to_str()
        .map_err(|_| invalid("must be visible ASCII text".to_owned()))?;
    IdempotencyKey::parse(text)
        .map(Some)
        .map_err(|e| invalid(e.to_string()))
}

/// A path id that is not a UUID names no order.
pub(crate) fn order_id(raw: &str) -> Result<OrderId, ApiError> {
    raw.parse().map_err(|_| ApiError::NoSuchOrder)
}

/// `GET /orders/{id}`
pub(crate) async fn get_order(
    request: HttpRequest,
    id: Path<String>,
    service: Data<OrderService>,
    rendered: Data<RenderedOrders>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&request)?;
    let order = service.get_order(&caller, order_id(&id)?).await?;
    let tag = header::ETag(etag(order.version()));
    if is_fresh(&request, order.version()) {
        return Ok(HttpResponse::NotModified().insert_header(tag).finish());
    }
    Ok(match rendered.json(&order) {
        Ok(json) => HttpResponse::Ok()
            .insert_header(tag)
            .content_type(ContentType::json())
            .body(json),
        Err(error) => HttpResponse::from_error(JsonPayloadError::Serialize(error)),
    })
}

/// `DELETE /orders/{id}`: a soft delete.
pub(crate) async fn delete_order(
    request: HttpRequest,
    id: Path<String>,
    service: Data<OrderService>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&request)?;
    let id = order_id(&id)?;
    service
        .delete_order(&caller, id, if_match(&request)?)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /orders?storeId=&customerId=&status=a,b&createdAfter=&createdBefore=&limit=&cursor=`
pub(crate) async fn list_orders(
    request: HttpRequest,
    params: Query<ListParams>,
    service: Data<OrderService>,
    rendered: Data<RenderedOrders>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&request)?;
    let params = params.into_inner();
    let (filter, page) = parse_list_params(&params)?;
    let listed = service.list_orders(&caller, &filter, &page).await?;
    let next_cursor = listed.next.map(|after| cursor::encode(after, &filter));

    let mut response = HttpResponse::Ok();
    if let Some(next) = &next_cursor {
        let next_params = ListParams {
            cursor: Some(next.clone()),
            ..params
        };
        let query = serde_urlencoded::to_string(&next_params).unwrap_or_default();
        response.insert_header((
            header::LINK,
            format!("<{}?{query}>; rel=\"next\"", request.path()),
        ));
    }
    // As `HttpResponseBuilder::json` answers, into a buffer sized for the page.
    Ok(
        match render_page(&listed.orders, next_cursor.as_deref(), &rendered) {
            Ok(json) => response.content_type(ContentType::json()).body(json),
            Err(error) => HttpResponse::from_error(JsonPayloadError::Serialize(error)),
        },
    )
}

fn parse_list_params(params: &ListParams) -> Result<(OrderFilter, PageRequest), ApiError> {
    let mut problems = ParameterProblems::default();

    let store_id = params.store_id.as_ref().and_then(|s| {
        problems.check(
            "storeId",
            StoreId::parse(s.as_str()).map_err(|e| e.to_string()),
        )
    });
    let customer_id = params.customer_id.as_ref().and_then(|s| {
        problems.check(
            "customerId",
            CustomerId::parse(s.as_str()).map_err(|e| e.to_string()),
        )
    });
    let statuses = params
        .status
        .as_ref()
        .and_then(|raw| problems.check("status", parse_statuses(raw)));
    let created_after = params
        .created_after
        .as_ref()
        .and_then(|raw| problems.check("createdAfter", parse_instant(raw)));
    let created_before = params
        .created_before
        .as_ref()
        .and_then(|raw| problems.check("createdBefore", parse_instant(raw)));
    if let (Some(after), Some(before)) = (created_after, created_before) {
        if before <= after {
            problems.check::<()>(
                "createdBefore",
                Err("must be later than createdAfter".to_owned()),
            );
        }
    }
    let limit = match &params.limit {
        None => Some(PageLimit::default()),
        Some(raw) => problems.check(
            "limit",
            raw.parse()
                .ok()
                .and_then(PageLimit::new)
                .ok_or_else(|| format!("must be a whole number from 1 to {}", PageLimit::MAX)),
        ),
    };
    let filter = OrderFilter {
        store_id,
        customer_id,
        statuses,
        created_after,
        created_before,
    };
    let after = match &params.cursor {
        // A cursor is checked against the filter only once the filter itself is good.
        Some(raw) if problems.0.is_empty() => problems.check(
            "cursor",
            cursor::decode(raw, &filter)
                .map(Some)
                .map_err(|e| e.detail().to_owned()),
        ),
        _ => Some(None),
    };
    match (limit, after) {
        (Some(limit), Some(after)) if problems.0.is_empty() => {
            Ok((filter, PageRequest { limit, after }))
        }
        _ => Err(ApiError::bad_request(
            "some query parameters are invalid",
            problems.0,
        )),
    }
}

/// `status=processing,canceled`: one or more status names, comma-separated; kept in table order, once each.
fn parse_statuses(raw: &str) -> Result<Vec<OrderStatus>, String> {
    let mut statuses = Vec::new();
    for name in raw.split(',') {
        let status = name.trim().parse::<OrderStatus>().map_err(|_| {
            let names: Vec<_> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
            format!(
                "must be one or more of {}, separated by commas",
                names.join(", ")
            )
        })?;
        statuses.push(status);
    }
    Ok(OrderStatus::ALL
        .into_iter()
        .filter(|status| statuses.contains(status))
        .collect())
}

/// An RFC 3339 instant with its offset, as UTC.
fn parse_instant(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| {
            "must be an RFC 3339 date-time with an offset, e.g. 2026-11-26T09:00:00Z".to_owned()
        })
}

#[derive(Default)]
struct ParameterProblems(Vec<FieldProblem>);

impl ParameterProblems {
    fn check<T>(&mut self, parameter: &'static str, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|detail| self.0.push(FieldProblem::at_parameter(parameter, detail)))
            .ok()
    }
}
