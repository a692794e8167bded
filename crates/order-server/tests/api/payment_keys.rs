//! `PUT /orders/{id}/payment` honours the client's `Idempotency-Key` as `POST /orders` does, against the
//! ledger stand-in served over HTTP: a retry is replayed and authorizes nothing again, another body under the
//! key is refused, parallel duplicates authorize once, and neither a decline nor a refused amount uses up the key.

use chrono::{TimeDelta, Utc};
use futures::future::join_all;
use order_domain::ports::PaymentAttempts;
use order_domain::{
    AttemptState, Currency, IdempotencyKey, Money, OrderId, PaymentAttempt, PaymentRequest,
};
use order_standins::ledger::{AuthorizationState, PaymentCall};
use order_storage::{DieselStorage, StorageOptions};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{header, json_of, problem};
use crate::money::{app_with_ledger, authorizations_of};

fn visa() -> Value {
    json!({"method": "visa", "amount": 115})
}

#[tokio::test]
async fn a_retried_payment_with_its_key_is_replayed_not_reauthorized() {
    let money = app_with_ledger().await;
    let app = &money.app;
    let id = app.new_order_id().await;

    let first = app.pay_with_key(&id, &visa(), "pay-1").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header(&first, "idempotent-replayed"), None);
    let tag = header(&first, "etag");
    let first_body = first.bytes().await.expect("a body");

    let retry = app.pay_with_key(&id, &visa(), "pay-1").await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(
        header(&retry, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(header(&retry, "etag"), tag);
    assert_eq!(retry.bytes().await.expect("a body"), first_body);

    let authorizations = authorizations_of(&money.ledger, &id);
    assert_eq!(authorizations.len(), 1, "{authorizations:?}");
    // Nothing was written by the replay: the order is still at the version the payment gave it.
    let order = json_of(app.get_order(&id).await).await;
    assert_eq!(order["version"], 2, "{order}");
}

#[tokio::test]
async fn the_same_payment_key_with_another_body_is_a_422() {
    let money = app_with_ledger().await;
    let app = &money.app;
    let id = app.new_order_id().await;
    assert_eq!(
        app.pay_with_key(&id, &visa(), "pay-1").await.status(),
        StatusCode::OK
    );
    let other = json!({"method": "mastercard", "amount": 115});
    let refused = problem(
        app.pay_with_key(&id, &other, "pay-1").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        refused["type"], "/problems/idempotency-key-reused",
        "{refused}"
    );
    let order = json_of(app.get_order(&id).await).await;
    assert_eq!(order["payment"]["method"], "visa", "{order}");
    assert_eq!(authorizations_of(&money.ledger, &id).len(), 1);
}

#[tokio::test]
async fn parallel_payments_with_one_key_authorize_once() {
    let money = app_with_ledger().await;
    let app = &money.app;
    let id = app.new_order_id().await;
    let body = visa();
    let responses = join_all((0..10).map(|_| app.pay_with_key(&id, &body, "one-key"))).await;
    let (mut paid, mut replayed, mut in_flight) = (0, 0, 0);
    for response in responses {
        match response.status() {
            StatusCode::OK if header(&response, "idempotent-replayed").is_some() => replayed += 1,
            StatusCode::OK => paid += 1,
            StatusCode::CONFLICT => {
                let retry_after = header(&response, "retry-after");
                let problem = problem(response, StatusCode::CONFLICT).await;
                assert_eq!(
                    problem["type"], "/problems/idempotency-key-in-flight",
                    "{problem}"
                );
                assert_eq!(retry_after.as_deref(), Some("1"));
                in_flight += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(
        paid, 1,
        "{paid} paid, {replayed} replayed, {in_flight} in flight"
    );
    let authorizations = authorizations_of(&money.ledger, &id);
    assert_eq!(authorizations.len(), 1, "{authorizations:?}");
    assert_eq!(authorizations[0].state, AuthorizationState::Authorized);
    // Once the first is done, a retry replays it.
    let retry = app.pay_with_key(&id, &body, "one-key").await;
    assert_eq!(
        header(&retry, "idempotent-replayed").as_deref(),
        Some("true")
    );
}

/// A decline stores no answer, so the key is not used up: the same key with another method pays. The same key
/// with the same declined body reaches the provider under the same provider key, which replays its decline.
#[tokio::test]
async fn a_declined_payment_does_not_use_up_its_key() {
    let money = app_with_ledger().await;
    let app = &money.app;
    let id = app.new_order_id().await;
    let declined = json!({"method": "declined", "amount": 115});

    problem(
        app.pay_with_key(&id, &declined, "pay-1").await,
        StatusCode::PAYMENT_REQUIRED,
    )
    .await;
    problem(
        app.pay_with_key(&id, &declined, "pay-1").await,
        StatusCode::PAYMENT_REQUIRED,
    )
    .await;
    let paid = app.pay_with_key(&id, &visa(), "pay-1").await;
    assert_eq!(paid.status(), StatusCode::OK);
    assert_eq!(header(&paid, "idempotent-replayed"), None);
    let paid = json_of(paid).await;
    assert_eq!(paid["payment"]["method"], "visa", "{paid}");

    let authorizations = authorizations_of(&money.ledger, &id);
    assert_eq!(authorizations.len(), 1, "{authorizations:?}");
    assert_eq!(authorizations[0].method, "visa");
}

#[tokio::test]
async fn a_refused_amount_does_not_use_up_its_key() {
    let money = app_with_ledger().await;
    let app = &money.app;
    let id = app.new_order_id().await;

    let wrong = app
        .pay_with_key(&id, &json!({"method": "visa", "amount": 1}), "pay-1")
        .await;
    assert!(wrong.status().is_client_error(), "{}", wrong.status());
    let paid = app.pay_with_key(&id, &visa(), "pay-1").await;
    assert_eq!(paid.status(), StatusCode::OK);
    assert_eq!(header(&paid, "idempotent-replayed"), None);
    assert_eq!(authorizations_of(&money.ledger, &id).len(), 1);
}

#[tokio::test]
async fn a_payment_key_and_a_create_key_never_meet() {
    let money = app_with_ledger().await;
    let app = &money.app;
    let id = app.new_order_id().await;
    // `new_order_id` creates without a key; create one with the key the payment will use.
    let created = app
        .post_order_with_key(&crate::helpers::valid_order(), "shared")
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let paid = app.pay_with_key(&id, &visa(), "shared").await;
    assert_eq!(paid.status(), StatusCode::OK);
    assert_eq!(header(&paid, "idempotent-replayed"), None);
    let other = app.new_order_id().await;
    let paid_other = app.pay_with_key(&other, &visa(), "shared").await;
    assert_eq!(paid_other.status(), StatusCode::OK, "a key is per order");
    assert_eq!(header(&paid_other, "idempotent-replayed"), None);
}

#[tokio::test]
async fn a_retry_after_a_crash_reaches_the_provider_under_the_same_key() {
    let money = app_with_ledger().await;
    let id = money.app.new_order_id().await;
    let order: OrderId = id.parse().expect("an order id");
    // A keyed request that crashed: its attempt was recorded, the provider authorized under its key, and
    // nothing more was written.
    let request = PaymentRequest {
        method: "visa".into(),
        amount: Money::from_minor(11500, Currency::USD).expect("an amount"),
        reference: None,
    };
    let key = IdempotencyKey::parse("pay-1").expect("a key");
    let attempt = PaymentAttempt::open(order, request, Some(&key));
    let storage = DieselStorage::open(&StorageOptions::new(money.app.database.database.clone()))
        .expect("the database opens");
    storage
        .open(&attempt, Utc::now() + TimeDelta::minutes(10))
        .await
        .expect("the attempt is recorded");
    money
        .ledger
        .handle(
            attempt.key.as_str(),
            PaymentCall::Authorize {
                order_id: id.clone(),
                method: "visa".into(),
                amount: "115.00".into(),
                currency: "USD".into(),
                reference: None,
            },
        )
        .expect("authorized");

    let retry = money.app.pay_with_key(&id, &visa(), "pay-1").await;
    assert_eq!(retry.status(), StatusCode::OK);
    let paid = json_of(retry).await;
    assert_eq!(paid["status"], "processing", "{paid}");
    // The provider replayed the authorization it gave the crashed request: one authorization, attached.
    let authorizations = authorizations_of(&money.ledger, &id);
    assert_eq!(authorizations.len(), 1, "{authorizations:?}");
    assert_eq!(authorizations[0].state, AuthorizationState::Authorized);
    let attempts = storage.of_order(order).await.expect("the attempts");
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].state, AttemptState::Attached);
}
