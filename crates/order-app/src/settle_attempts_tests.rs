use std::sync::Arc;

use order_domain::ports::RepositoryError;
use order_domain::{
    AttemptState, AuthorizationId, Money, OrderId, PaymentAttempt, PaymentRequest, ProviderKey,
};

use crate::test_support::{now, Mocks};

fn attempt(authorization: Option<&str>) -> PaymentAttempt {
    let request = PaymentRequest {
        method: "visa".into(),
        amount: Money::from_minor(5000, order_domain::Currency::USD).expect("an amount"),
        reference: None,
    };
    let mut attempt = PaymentAttempt::open(OrderId::generate(), request, None);
    attempt.authorization_id = authorization.map(|id| AuthorizationId::parse(id).expect("an id"));
    attempt.state = AttemptState::Settling;
    attempt
}

fn handing_out(mocks: &mut Mocks, attempt: &PaymentAttempt) {
    let due = vec![attempt.clone()];
    mocks
        .attempts
        .expect_claim_due()
        .times(1)
        .returning(move |_, _, _| Ok(due.clone()));
    mocks
        .orders
        .expect_find_including_deleted()
        .returning(|_| Ok(None));
}

#[tokio::test]
async fn an_attempt_with_nothing_on_record_is_replayed_under_its_key_and_voided() {
    let attempt = attempt(None);
    let mut mocks = Mocks::new();
    handing_out(&mut mocks, &attempt);
    let (key, request) = (attempt.key.clone(), attempt.request.clone());
    mocks
        .payments
        .expect_authorize()
        .times(1)
        .withf(move |k, _, r| *k == key && *r == request)
        .returning(|_, _, _| Ok(AuthorizationId::parse("auth-9").expect("an id")));
    let void_key = ProviderKey::void_attempt(attempt.id);
    mocks
        .payments
        .expect_void()
        .times(1)
        .withf(move |k, a| *k == void_key && a.as_str() == "auth-9")
        .returning(|_, _| Ok(()));
    let id = attempt.id;
    mocks
        .attempts
        .expect_settled()
        .times(1)
        .withf(move |a, state, auth| {
            *a == id
                && *state == AttemptState::Voided
                && auth.as_ref().map(AuthorizationId::as_str) == Some("auth-9")
        })
        .returning(|_, _, _| Ok(()));

    let settled = mocks.service().settle_due_attempts().await;
    assert_eq!(settled.ok(), Some(1));
}

#[tokio::test]
async fn a_failed_void_is_retried_later_and_the_attempt_stays_unsettled() {
    let attempt = attempt(Some("auth-1"));
    let mut mocks = Mocks::new();
    handing_out(&mut mocks, &attempt);
    mocks.payments.expect_authorize().never();
    mocks.payments.expect_void().times(1).returning(|_, _| {
        Err(order_domain::ports::PaymentError::Gateway(
            order_domain::ports::GatewayError::Unavailable {
                service: "payment",
                retry_after: None,
                source: None,
            },
        ))
    });
    mocks.attempts.expect_settled().never();
    let retried = Arc::new(std::sync::Mutex::new(None));
    let seen = retried.clone();
    mocks
        .attempts
        .expect_retry()
        .times(1)
        .returning(move |_, at, _| {
            *seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(at);
            Ok::<(), RepositoryError>(())
        });

    let settled = mocks.service().settle_due_attempts().await;
    assert_eq!(settled.ok(), Some(1));
    let at = retried
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .expect("rescheduled");
    assert!(at > now(), "{at}");
}
