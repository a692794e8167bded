//! The authorization invariant against the ledger stand-in served over HTTP: every authorization the service
//! obtained ends attached to a paid order, or voided; a cancel voids; the first shipment captures; refunds give
//! back only captured money.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use order_domain::ports::PaymentAttempts;
use order_domain::{Currency, Money, OrderId, PaymentAttempt, PaymentRequest};
use order_gateways::{BaseUrl, HttpSettings};
use order_standins::ledger::{Authorization, AuthorizationState, PaymentCall};
use order_standins::PaymentLedger;
use order_storage::testing::TestDatabase;
use order_storage::{DieselStorage, StorageOptions};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{json_of, spawn_app_on, TestApp};

/// The payment stand-in, served over HTTP on `address` with `ledger` as its books, until the handle stops it.
fn serve_payments(
    address: SocketAddr,
    ledger: &Arc<PaymentLedger>,
) -> actix_web::dev::ServerHandle {
    let listener = TcpListener::bind(address).expect("the payment stand-in's port is free");
    let server = order_standins::serve_with_ledger(listener, Arc::clone(ledger))
        .expect("the stand-in server starts");
    let handle = server.handle();
    tokio::spawn(server);
    handle
}

fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("a local address")
}

pub(crate) struct PaymentWorld {
    pub(crate) app: TestApp,
    pub(crate) ledger: Arc<PaymentLedger>,
    address: SocketAddr,
    server: actix_web::dev::ServerHandle,
}

/// The application paying against a ledger the test can read.
pub(crate) async fn app_with_ledger() -> PaymentWorld {
    let ledger = Arc::new(PaymentLedger::default());
    let address = free_address();
    let server = serve_payments(address, &ledger);
    let database = TestDatabase::from_env().expect("a test database");
    let url = BaseUrl::parse(&format!("http://{address}")).expect("a base URL");
    let mut payment = HttpSettings::new(url);
    // An outage is over for the test once the stand-in is back: the breaker and the retries notice soon.
    payment.breaker.cool_down = Duration::from_millis(200);
    let app = spawn_app_on(database, |config| {
        config.services.payment = Some(payment);
        config.outbox_retry_max = Duration::from_secs(1);
    })
    .await;
    PaymentWorld {
        app,
        ledger,
        address,
        server,
    }
}

pub(crate) fn authorizations_of(ledger: &PaymentLedger, id: &str) -> Vec<Authorization> {
    ledger
        .authorizations()
        .into_iter()
        .filter(|a| a.order_id == id)
        .collect()
}

/// Waits (up to 30 s) until `done` holds of the ledger.
async fn ledger_when(ledger: &PaymentLedger, done: impl Fn(&PaymentLedger) -> bool) -> bool {
    for _ in 0..300 {
        if done(ledger) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done(ledger)
}

fn held(authorizations: &[Authorization]) -> usize {
    authorizations
        .iter()
        .filter(|a| a.state != AuthorizationState::Voided)
        .count()
}

#[tokio::test]
async fn pay_racing_cancel_leaves_no_authorization_on_a_canceled_order_and_one_on_each_paid_order()
{
    let money = app_with_ledger().await;
    let app = &money.app;
    let mut ids = Vec::new();
    for _ in 0..30 {
        ids.push(app.new_order_id().await);
    }
    let races = ids.iter().map(|id| async move {
        let pay = app.pay(id, json!(115));
        let cancel = app.set_status(id, "canceled");
        let (paid, canceled) = tokio::join!(pay, cancel);
        (paid.status(), canceled.status())
    });
    let outcomes = futures::future::join_all(races).await;
    for (paid, canceled) in &outcomes {
        assert!(
            paid.is_success() || canceled.is_success(),
            "one of them wins: {paid} {canceled}"
        );
    }
    let mut statuses = Vec::new();
    for id in &ids {
        let order = json_of(app.get_order(id).await).await;
        statuses.push((
            id.clone(),
            order["status"].as_str().unwrap_or("").to_owned(),
        ));
    }
    let settled = ledger_when(&money.ledger, |ledger| {
        statuses.iter().all(|(id, status)| {
            let authorizations = authorizations_of(ledger, id);
            match status.as_str() {
                "canceled" => held(&authorizations) == 0,
                "processing" => held(&authorizations) == 1,
                _ => false,
            }
        })
    })
    .await;
    assert!(
        settled,
        "statuses {statuses:?}\nledger {:?}",
        money.ledger.authorizations()
    );
    // The paid-then-canceled orders were voided, not refunded.
    assert!(money.ledger.refunds().is_empty());
}

#[tokio::test]
async fn a_declined_attempt_holds_nothing_and_another_method_authorizes_once() {
    let money = app_with_ledger().await;
    let id = money.app.new_order_id().await;
    let declined = money
        .app
        .put(
            &id,
            "payment",
            &json!({"method": "declined", "amount": 115}),
            None,
        )
        .await;
    assert_eq!(declined.status(), StatusCode::PAYMENT_REQUIRED);
    assert_eq!(
        money.app.pay(&id, json!(115)).await.status(),
        StatusCode::OK
    );
    let authorizations = authorizations_of(&money.ledger, &id);
    assert_eq!(authorizations.len(), 1, "{authorizations:?}");
    assert_eq!(authorizations[0].state, AuthorizationState::Authorized);
}

#[tokio::test]
async fn a_cancel_while_the_payment_service_is_down_then_a_delete_still_voids_once_it_is_back() {
    let money = app_with_ledger().await;
    let app = &money.app;
    let id = app.new_order_id().await;
    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);
    money.server.stop(true).await;

    assert_eq!(
        app.set_status(&id, "canceled").await.status(),
        StatusCode::OK
    );
    assert_eq!(app.delete_order(&id).await.status(), StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(money.ledger.voids().is_empty(), "the service is down");

    let _back = serve_payments(money.address, &money.ledger);
    let voided = ledger_when(&money.ledger, |ledger| {
        let authorizations = authorizations_of(ledger, &id);
        authorizations.len() == 1 && held(&authorizations) == 0
    })
    .await;
    assert!(voided, "{:?}", money.ledger.authorizations());
    assert_eq!(money.ledger.voids().len(), 1);
}

#[tokio::test]
async fn an_authorization_obtained_before_a_crash_and_never_recorded_is_voided() {
    let money = app_with_ledger().await;
    let id = money.app.new_order_id().await;
    let order: OrderId = id.parse().expect("an order id");
    // A request that crashed: its attempt was recorded, the provider authorized under its key, and nothing
    // more was written (no authorization on record, the order still pending).
    let request = PaymentRequest {
        method: "visa".into(),
        amount: Money::from_minor(11500, Currency::USD).expect("an amount"),
        reference: None,
    };
    let attempt = PaymentAttempt::open(order, request, None);
    let storage = DieselStorage::open(&StorageOptions::new(money.app.database.database.clone()))
        .expect("the database opens");
    storage
        .open(&attempt, Utc::now() - TimeDelta::seconds(1))
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
    assert_eq!(held(&authorizations_of(&money.ledger, &id)), 1);

    let voided = ledger_when(&money.ledger, |ledger| {
        let authorizations = authorizations_of(ledger, &id);
        authorizations.len() == 1 && held(&authorizations) == 0
    })
    .await;
    assert!(voided, "{:?}", money.ledger.authorizations());
    let order = json_of(money.app.get_order(&id).await).await;
    assert_eq!(order["status"], "pending", "{order}");
}

#[tokio::test]
async fn the_first_shipment_captures_the_authorized_money_once() {
    let money = app_with_ledger().await;
    let app = &money.app;
    let id = app.new_order_id().await;
    assert_eq!(app.pay(&id, json!(115)).await.status(), StatusCode::OK);
    assert_eq!(app.track(&id, "1Z-1").await.status(), StatusCode::OK);
    assert_eq!(app.track(&id, "1Z-2").await.status(), StatusCode::OK);
    let order = app
        .order_when(&id, |o| o["payment"]["capturedAt"].is_string())
        .await;
    assert!(order["payment"]["capturedAt"].is_string(), "{order}");
    let authorizations = authorizations_of(&money.ledger, &id);
    assert_eq!(authorizations.len(), 1);
    assert_eq!(authorizations[0].state, AuthorizationState::Captured);
    assert_eq!(money.ledger.captures(), [authorizations[0].id.clone()]);
}
