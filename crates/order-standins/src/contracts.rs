use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use order_domain::NotificationKind;
use order_gateways::{
    DECLINED_METHOD, MISSING_CUSTOMER_PREFIX, OUT_OF_STOCK_PREFIX, UNDELIVERABLE_POSTAL_PREFIX,
};
use serde::Deserialize;
use serde_json::json;

/// The orders refunded so far, so that a second refund is a 409 as the contract says.
#[derive(Debug, Default)]
pub struct Refunds(Mutex<HashSet<String>>);

/// The reservations held, by reservation (order) id, with when they were made.
#[derive(Debug, Default)]
pub struct Reservations(Mutex<HashMap<String, DateTime<Utc>>>);

/// The routes of the five contracts.
pub fn configure(
    refunds: web::Data<Refunds>,
    reservations: web::Data<Reservations>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(refunds)
            .app_data(reservations)
            .route("/customers/{id}", web::get().to(customer))
            .route("/reservations", web::get().to(list_reservations))
            .route("/reservations", web::post().to(reserve))
            .route("/reservations/{order_id}", web::delete().to(release))
            .route("/authorizations", web::post().to(authorize))
            .route("/refunds", web::post().to(refund))
            .route("/address-validations", web::post().to(validate_address))
            .route("/notifications", web::post().to(notify));
    }
}

/// Every write must be safe to retry: without its key it is refused with this answer.
fn missing_idempotency_key(request: &HttpRequest) -> Option<HttpResponse> {
    match request.headers().get("Idempotency-Key") {
        Some(key) if !key.is_empty() => None,
        _ => Some(HttpResponse::BadRequest().json(json!({"error": "Idempotency-Key is required"}))),
    }
}

async fn customer(id: web::Path<String>) -> HttpResponse {
    if id.starts_with(MISSING_CUSTOMER_PREFIX) {
        HttpResponse::NotFound().json(json!({"error": "no such customer"}))
    } else {
        HttpResponse::Ok().json(json!({"id": id.into_inner()}))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reservation {
    reservation_id: String,
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    product_id: String,
    #[allow(dead_code)] // part of the contract; the stand-in has ample stock of every product
    quantity: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReservationQuery {
    created_before: DateTime<Utc>,
}

/// `GET /reservations?createdBefore=<RFC 3339>`: the reservations still held that were made before then.
async fn list_reservations(
    query: web::Query<ReservationQuery>,
    reservations: web::Data<Reservations>,
) -> HttpResponse {
    let held = reservations
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let ids: Vec<&String> = held
        .iter()
        .filter(|(_, made)| **made < query.created_before)
        .map(|(id, _)| id)
        .collect();
    HttpResponse::Ok().json(json!({ "reservations": ids }))
}

async fn reserve(
    request: HttpRequest,
    reservations: web::Data<Reservations>,
    body: web::Json<Reservation>,
) -> HttpResponse {
    if let Some(refusal) = missing_idempotency_key(&request) {
        return refusal;
    }
    let mut unavailable: Vec<&str> = body
        .items
        .iter()
        .map(|item| item.product_id.as_str())
        .filter(|product| product.starts_with(OUT_OF_STOCK_PREFIX))
        .collect();
    unavailable.sort_unstable();
    unavailable.dedup();
    if unavailable.is_empty() {
        reservations
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(body.reservation_id.clone())
            .or_insert_with(Utc::now);
        HttpResponse::Created().json(json!({"reservationId": body.reservation_id}))
    } else {
        HttpResponse::Conflict().json(json!({"unavailable": unavailable}))
    }
}

async fn release(
    request: HttpRequest,
    order_id: web::Path<String>,
    reservations: web::Data<Reservations>,
) -> HttpResponse {
    if let Some(refusal) = missing_idempotency_key(&request) {
        return refusal;
    }
    let held = reservations
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(order_id.as_str());
    match held {
        Some(_) => HttpResponse::NoContent().finish(),
        None => HttpResponse::NotFound().json(json!({"error": "no such reservation"})),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Authorization {
    order_id: String,
    method: String,
    amount: String,
    currency: String,
}

async fn authorize(request: HttpRequest, body: web::Json<Authorization>) -> HttpResponse {
    if let Some(refusal) = missing_idempotency_key(&request) {
        return refusal;
    }
    if body.method == DECLINED_METHOD {
        return HttpResponse::PaymentRequired()
            .json(json!({"reason": "the card was declined (test method `declined`)"}));
    }
    HttpResponse::Created().json(json!({
        "orderId": body.order_id, "amount": body.amount, "currency": body.currency
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Refund {
    order_id: String,
    amount: String,
    currency: String,
}

async fn refund(
    request: HttpRequest,
    refunds: web::Data<Refunds>,
    body: web::Json<Refund>,
) -> HttpResponse {
    if let Some(refusal) = missing_idempotency_key(&request) {
        return refusal;
    }
    let first = refunds
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(body.order_id.clone());
    if !first {
        return HttpResponse::Conflict().json(json!({"error": "already refunded"}));
    }
    HttpResponse::Created().json(json!({
        "orderId": body.order_id, "amount": body.amount, "currency": body.currency
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Address {
    postal_code: String,
}

async fn validate_address(body: web::Json<Address>) -> HttpResponse {
    if body.postal_code.starts_with(UNDELIVERABLE_POSTAL_PREFIX) {
        HttpResponse::Ok().json(json!({
            "deliverable": false,
            "reason": format!("no delivery to postal code {} (test prefix `{UNDELIVERABLE_POSTAL_PREFIX}`)", body.postal_code)
        }))
    } else {
        HttpResponse::Ok().json(json!({"deliverable": true}))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NotificationBody {
    order_id: String,
    kind: String,
    customer_id: String,
}

async fn notify(request: HttpRequest, body: web::Json<NotificationBody>) -> HttpResponse {
    if let Some(refusal) = missing_idempotency_key(&request) {
        return refusal;
    }
    if NotificationKind::parse(&body.kind).is_none() {
        return HttpResponse::UnprocessableEntity()
            .json(json!({"error": format!("unknown kind `{}`", body.kind)}));
    }
    tracing::info!(order = %body.order_id, kind = %body.kind, customer = %body.customer_id, "notification accepted");
    HttpResponse::Accepted().finish()
}
