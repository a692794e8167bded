use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use order_domain::NotificationKind;
use serde::Deserialize;
use serde_json::json;

use crate::ledger::{PaymentAnswer, PaymentCall, PaymentLedger};
use crate::restocks::{Restock, RestockAnswer, RestockBook};
use crate::test_values::{
    MISSING_CUSTOMER_PREFIX, OUT_OF_STOCK_PREFIX, UNDELIVERABLE_POSTAL_PREFIX,
};

/// The reservations held, by reservation (order) id, with when they were made.
#[derive(Debug, Default)]
pub struct Reservations(Mutex<HashMap<String, DateTime<Utc>>>);

/// The routes of the five contracts.
pub fn configure(
    payments: web::Data<PaymentLedger>,
    reservations: web::Data<Reservations>,
    restocks: web::Data<RestockBook>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(payments)
            .app_data(reservations)
            .app_data(restocks)
            .route("/customers/{id}", web::get().to(customer))
            .route("/reservations", web::get().to(list_reservations))
            .route("/reservations", web::post().to(reserve))
            .route("/reservations/{order_id}", web::delete().to(release))
            .route("/restocks", web::post().to(restock))
            .route("/restocks", web::get().to(list_restocks))
            .route("/authorizations", web::post().to(authorize))
            .route(
                "/authorizations/{authorization_id}/capture",
                web::post().to(capture),
            )
            .route(
                "/authorizations/{authorization_id}/void",
                web::post().to(void),
            )
            .route("/refunds", web::post().to(refund))
            .route("/refunds", web::get().to(list_refunds))
            .route("/address-validations", web::post().to(validate_address))
            .route("/notifications", web::post().to(notify));
    }
}

/// Every write must be safe to retry: without its key it is refused with this answer.
fn missing_idempotency_key(request: &HttpRequest) -> Option<HttpResponse> {
    match idempotency_key(request) {
        Some(_) => None,
        None => {
            Some(HttpResponse::BadRequest().json(json!({"error": "Idempotency-Key is required"})))
        }
    }
}

fn idempotency_key(request: &HttpRequest) -> Option<&str> {
    request
        .headers()
        .get("Idempotency-Key")
        .and_then(|key| key.to_str().ok())
        .filter(|key| !key.is_empty())
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
    /// Reserved: part of the contract, the stand-in has ample stock of every product. Restocked: recorded.
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
struct RestockBody {
    order_id: String,
    return_id: String,
    items: Vec<Item>,
}

/// `POST /restocks`: a return's goods back in stock, once per key (a repeated key replays; another restock
/// under it is a `422`).
async fn restock(
    request: HttpRequest,
    book: web::Data<RestockBook>,
    body: web::Json<RestockBody>,
) -> HttpResponse {
    let Some(key) = idempotency_key(&request) else {
        return missing_idempotency_key(&request)
            .unwrap_or_else(|| HttpResponse::BadRequest().finish());
    };
    let body = body.into_inner();
    let restock = Restock {
        order_id: body.order_id,
        return_id: body.return_id,
        items: body
            .items
            .into_iter()
            .map(|item| (item.product_id, item.quantity))
            .collect(),
    };
    match book.handle(key, restock) {
        Ok(RestockAnswer::Restocked) => {
            HttpResponse::Created().json(json!({"status": "restocked"}))
        }
        Ok(RestockAnswer::AnswerLost) => HttpResponse::ServiceUnavailable()
            .json(json!({"error": "the answer was lost (test product `p-lost-restock`)"})),
        Err(_) => HttpResponse::UnprocessableEntity()
            .json(json!({"error": "Idempotency-Key reused with another restock"})),
    }
}

/// `GET /restocks`: every restock recorded, oldest first (what a test reads to count them).
async fn list_restocks(book: web::Data<RestockBook>) -> HttpResponse {
    let restocks: Vec<_> = book
        .restocks()
        .into_iter()
        .map(|restock| {
            let items: Vec<_> = restock
                .items
                .iter()
                .map(|(product, quantity)| json!({"productId": product, "quantity": quantity}))
                .collect();
            json!({"orderId": restock.order_id, "returnId": restock.return_id, "items": items})
        })
        .collect();
    HttpResponse::Ok().json(json!({ "restocks": restocks }))
}

/// A payment write through the ledger: a repeated key replays, a key reused with another body is a `422`.
fn payment(request: &HttpRequest, ledger: &PaymentLedger, call: PaymentCall) -> HttpResponse {
    let Some(key) = idempotency_key(request) else {
        return missing_idempotency_key(request)
            .unwrap_or_else(|| HttpResponse::BadRequest().finish());
    };
    match ledger.handle(key, call) {
        Err(_) => HttpResponse::UnprocessableEntity()
            .json(json!({"error": "Idempotency-Key reused with another request"})),
        Ok(PaymentAnswer::Authorized { authorization_id }) => {
            HttpResponse::Created().json(json!({ "authorizationId": authorization_id }))
        }
        Ok(PaymentAnswer::Declined { reason }) => {
            HttpResponse::PaymentRequired().json(json!({ "reason": reason }))
        }
        Ok(PaymentAnswer::Captured) => HttpResponse::Ok().json(json!({"status": "captured"})),
        Ok(PaymentAnswer::Voided) => HttpResponse::Ok().json(json!({"status": "voided"})),
        Ok(PaymentAnswer::Refunded { refund_id }) => {
            HttpResponse::Created().json(json!({ "refundId": refund_id }))
        }
        Ok(PaymentAnswer::NotFound) => {
            HttpResponse::NotFound().json(json!({"error": "no such authorization"}))
        }
        Ok(PaymentAnswer::Conflict { reason }) => {
            HttpResponse::Conflict().json(json!({ "reason": reason }))
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Authorization {
    order_id: String,
    method: String,
    amount: String,
    currency: String,
    reference: Option<String>,
}

async fn authorize(
    request: HttpRequest,
    ledger: web::Data<PaymentLedger>,
    body: web::Json<Authorization>,
) -> HttpResponse {
    let body = body.into_inner();
    let call = PaymentCall::Authorize {
        order_id: body.order_id,
        method: body.method,
        amount: body.amount,
        currency: body.currency,
        reference: body.reference,
    };
    payment(&request, &ledger, call)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Capture {
    amount: String,
    currency: String,
}

async fn capture(
    request: HttpRequest,
    ledger: web::Data<PaymentLedger>,
    authorization_id: web::Path<String>,
    body: web::Json<Capture>,
) -> HttpResponse {
    let body = body.into_inner();
    let call = PaymentCall::Capture {
        authorization_id: authorization_id.into_inner(),
        amount: body.amount,
        currency: body.currency,
    };
    payment(&request, &ledger, call)
}

async fn void(
    request: HttpRequest,
    ledger: web::Data<PaymentLedger>,
    authorization_id: web::Path<String>,
) -> HttpResponse {
    let call = PaymentCall::Void {
        authorization_id: authorization_id.into_inner(),
    };
    payment(&request, &ledger, call)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Refund {
    order_id: String,
    authorization_id: String,
    amount: String,
    currency: String,
    reason: String,
}

async fn refund(
    request: HttpRequest,
    ledger: web::Data<PaymentLedger>,
    body: web::Json<Refund>,
) -> HttpResponse {
    let body = body.into_inner();
    let call = PaymentCall::Refund {
        order_id: body.order_id,
        authorization_id: body.authorization_id,
        amount: body.amount,
        currency: body.currency,
        reason: body.reason,
    };
    payment(&request, &ledger, call)
}

/// `GET /refunds`: every refund in the books, oldest first (what a test reads to count the money sent back).
async fn list_refunds(ledger: web::Data<PaymentLedger>) -> HttpResponse {
    let refunds: Vec<_> = ledger
        .refunds()
        .into_iter()
        .map(|refund| {
            json!({
                "refundId": refund.id,
                "orderId": refund.order_id,
                "authorizationId": refund.authorization_id,
                "amount": refund.amount,
                "currency": refund.currency,
                "reason": refund.reason,
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "refunds": refunds }))
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
