use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use order_domain::ports::{
    GatewayError, MockEventPublisher, Outbox, OutboxStats, PaymentError, RepositoryError,
};
use order_domain::{
    AuthorizationId, DueEffect, EffectKind, EventId, EventType, Money, NotificationKind, Order,
    OrderStatus, PaymentDraft, PaymentRequest, RecordedChange, RefundId,
};

use crate::test_support::{now, stored_order, Mocks};
use crate::{OrderService, Settings};

fn due(order: &Order, kind: EffectKind, attempts: u32) -> DueEffect {
    DueEffect {
        event_id: EventId::generate(),
        order_id: order.id(),
        order_version: order.version(),
        kind,
        attempts,
    }
}

fn unavailable() -> GatewayError {
    GatewayError::Unavailable {
        service: "notification",
        retry_after: None,
        source: None,
    }
}

fn notify(order: &Order) -> EffectKind {
    EffectKind::Notify {
        kind: NotificationKind::OrderPaid,
        customer: order.customer_id().clone(),
    }
}

/// An outbox that hands out `effects` once and nothing after.
fn handing_out(mocks: &mut Mocks, effects: Vec<DueEffect>) {
    let mut once = Some(effects);
    mocks
        .outbox
        .expect_claim_due()
        .returning(move |_, _, _| Ok(once.take().unwrap_or_default()));
}

#[tokio::test]
async fn a_failing_notification_is_rescheduled_with_backoff_and_never_parked_while_unavailable() {
    let order = stored_order();
    let mut mocks = Mocks::new();
    handing_out(&mut mocks, vec![due(&order, notify(&order), 25)]);
    mocks.notifier = order_domain::ports::MockNotifier::new();
    mocks
        .notifier
        .expect_notify()
        .times(1)
        .returning(|_| Err(unavailable()));
    mocks
        .outbox
        .expect_retry()
        .times(1)
        .withf(|effect, at, error| {
            let wait = (*at - now()).to_std().unwrap_or_default();
            effect.attempts == 25
                && wait <= Duration::from_secs(10)
                && wait >= Duration::from_secs(5)
                && error.contains("notification")
        })
        .returning(|_, _, _| Ok(()));
    mocks.outbox.expect_park().never();

    let service = mocks.service();
    assert_eq!(service.run_due_effects().await.ok(), Some(1));
    assert_eq!(service.run_due_effects().await.ok(), Some(0));
}

#[tokio::test]
async fn an_effect_refused_again_and_again_is_parked_at_the_limit() {
    let order = stored_order();
    let mut mocks = Mocks::new();
    handing_out(&mut mocks, vec![due(&order, EffectKind::ReleaseStock, 19)]);
    mocks.inventory.expect_release().returning(|_| {
        Err(GatewayError::Unexpected {
            service: "inventory",
            detail: "422".into(),
        })
    });
    mocks
        .outbox
        .expect_park()
        .times(1)
        .withf(|_, error| error.contains("422"))
        .returning(|_, _| Ok(()));
    mocks.outbox.expect_retry().never();
    assert_eq!(mocks.service().run_due_effects().await.ok(), Some(1));
}

#[tokio::test]
async fn a_refund_is_made_then_recorded_on_the_order_even_if_it_is_deleted() {
    let mut order = stored_order();
    let request = PaymentRequest::parse(
        PaymentDraft {
            method: Some("visa".into()),
            amount: Some("50".into()),
            reference: None,
        },
        order.currency(),
    )
    .unwrap_or_else(|v| panic!("{v:?}"));
    let authorization = AuthorizationId::parse("auth-1").expect("an authorization id");
    order
        .pay(&request, authorization.clone(), now())
        .unwrap_or_else(|e| panic!("{e}"));
    // Captured money is refunded (an authorization that was never captured is voided instead).
    order
        .record_capture(now())
        .unwrap_or_else(|e| panic!("{e}"));
    order.cancel(now()).unwrap_or_else(|e| panic!("{e}"));
    order.delete(now()).unwrap_or_else(|e| panic!("{e}"));
    let amount = Money::parse("50", order.currency()).unwrap_or_else(|e| panic!("{e}"));
    let id = order.id();

    let mut mocks = Mocks::new();
    handing_out(
        &mut mocks,
        vec![due(
            &order,
            EffectKind::Refund {
                amount,
                refund: None,
            },
            0,
        )],
    );
    mocks
        .payments
        .expect_refund()
        .times(1)
        .withf(move |key, o, auth, a, _| {
            key.as_str().ends_with(".refund") && *o == id && *auth == authorization && *a == amount
        })
        .returning(|_, _, _, _, _| Ok(RefundId::parse("refund-1").expect("a refund id")));
    let stored = order.clone();
    mocks
        .orders
        .expect_find_including_deleted()
        .returning(move |_| Ok(Some(stored.clone())));
    let written: Arc<Mutex<Vec<(Order, RecordedChange)>>> = Arc::default();
    let log = written.clone();
    mocks
        .orders
        .expect_update()
        .times(1)
        .returning(move |order, _, change| {
            log.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((order.clone(), change.clone()));
            Ok(())
        });
    mocks
        .outbox
        .expect_complete()
        .times(1)
        .returning(|_, _| Ok(()));

    assert_eq!(mocks.service().run_due_effects().await.ok(), Some(1));
    let written = written.lock().unwrap_or_else(|e| e.into_inner());
    let (refunded, change) = &written[0];
    assert_eq!(refunded.status(), OrderStatus::Canceled);
    assert_eq!(refunded.payment().and_then(|p| p.refunded_at), Some(now()));
    assert_eq!(change.event.event_type, EventType::RefundSucceeded);
}

#[tokio::test]
async fn a_declined_refund_is_retried_not_recorded() {
    let mut order = stored_order();
    let request = PaymentRequest::parse(
        PaymentDraft {
            method: Some("visa".into()),
            amount: Some("50".into()),
            reference: None,
        },
        order.currency(),
    )
    .unwrap_or_else(|v| panic!("{v:?}"));
    let authorization = AuthorizationId::parse("auth-1").expect("an authorization id");
    order
        .pay(&request, authorization, now())
        .unwrap_or_else(|e| panic!("{e}"));
    let amount = Money::parse("50", order.currency()).unwrap_or_else(|e| panic!("{e}"));
    let mut mocks = Mocks::new();
    handing_out(
        &mut mocks,
        vec![due(
            &order,
            EffectKind::Refund {
                amount,
                refund: None,
            },
            0,
        )],
    );
    let stored = order.clone();
    mocks
        .orders
        .expect_find_including_deleted()
        .returning(move |_| Ok(Some(stored.clone())));
    mocks
        .payments
        .expect_refund()
        .returning(|_, _, _, _, _| Err(PaymentError::Declined("closed account".into())));
    mocks.orders.expect_update().never();
    mocks
        .outbox
        .expect_retry()
        .times(1)
        .returning(|_, _, _| Ok(()));
    assert_eq!(mocks.service().run_due_effects().await.ok(), Some(1));
}

#[tokio::test]
async fn publication_sends_the_recorded_event_and_is_done_after_the_ack() {
    let order = stored_order();
    let effect = due(&order, EffectKind::Publish, 0);
    let change =
        RecordedChange::of(None, &order, Default::default()).unwrap_or_else(|| panic!("no event"));
    let mut event = change.event;
    event.id = effect.event_id;
    let mut mocks = Mocks::new();
    handing_out(&mut mocks, vec![effect.clone()]);
    let stored = event.clone();
    mocks
        .history
        .expect_events()
        .times(1)
        .withf(move |ids| ids == [effect.event_id])
        .returning(move |_| Ok(vec![stored.clone()]));
    let mut publisher = MockEventPublisher::new();
    publisher
        .expect_publish()
        .times(1)
        .withf(move |published| *published == event)
        .returning(|_| Ok(()));
    mocks.publisher = Some(publisher);
    mocks
        .outbox
        .expect_complete()
        .times(1)
        .returning(|_, _| Ok(()));
    assert_eq!(mocks.service().run_due_effects().await.ok(), Some(1));
}

#[tokio::test]
async fn a_batch_is_marked_done_in_one_write_and_only_its_failures_are_rescheduled() {
    let order = stored_order();
    let sent = due(&order, notify(&order), 0);
    let released = due(&order, EffectKind::ReleaseStock, 0);
    let failing = due(&stored_order(), notify(&stored_order()), 3);
    let mut mocks = Mocks::new();
    handing_out(
        &mut mocks,
        vec![sent.clone(), failing.clone(), released.clone()],
    );
    mocks.notifier = order_domain::ports::MockNotifier::new();
    let failing_order = failing.order_id;
    mocks
        .notifier
        .expect_notify()
        .times(2)
        .returning(
            move |notification| match notification.order_id == failing_order {
                true => Err(unavailable()),
                false => Ok(()),
            },
        );
    mocks
        .inventory
        .expect_release()
        .times(1)
        .returning(|_| Ok(()));
    let done = [sent.event_id, released.event_id];
    mocks
        .outbox
        .expect_complete()
        .times(1)
        .withf(move |effects, _| {
            effects
                .iter()
                .map(|effect| effect.event_id)
                .collect::<Vec<_>>()
                == done
        })
        .returning(|_, _| Ok(()));
    let failed = failing.event_id;
    mocks
        .outbox
        .expect_retry()
        .times(1)
        .withf(move |effect, _, _| effect.event_id == failed)
        .returning(|_, _, _| Ok(()));

    assert_eq!(mocks.service().run_due_effects().await.ok(), Some(3));
}

/// An order of 2 × p-1, paid, shipped, and one unit of it received back by a return.
fn with_a_received_return() -> (Order, order_domain::ReturnId) {
    use order_domain::{
        OrderRefundId, ReturnDraft, ReturnId, ReturnItemDraft, ReturnRequest, Tracking,
        TrackingDraft,
    };
    let mut order = stored_order();
    let payment = PaymentRequest::parse(
        PaymentDraft {
            method: Some("visa".into()),
            amount: Some("50".into()),
            reference: None,
        },
        order.currency(),
    )
    .expect("a payment");
    order
        .pay(
            &payment,
            AuthorizationId::parse("auth-1").expect("an id"),
            now(),
        )
        .expect("paid");
    let tracking = Tracking::parse(TrackingDraft {
        carrier: Some("UPS".into()),
        tracking_number: Some("1Z".into()),
    })
    .expect("a tracking");
    order.record_tracking(tracking, now()).expect("shipped");
    let returned = ReturnId::generate();
    let request = ReturnRequest::parse(ReturnDraft {
        reason: Some("too small".into()),
        items: Some(vec![ReturnItemDraft {
            product_id: Some("p-1".into()),
            quantity: Some("1".into()),
        }]),
    })
    .expect("a return");
    order
        .request_return(request, returned, now())
        .expect("requested");
    order
        .receive_return(returned, OrderRefundId::generate(), now())
        .expect("received");
    (order, returned)
}

#[tokio::test]
async fn a_restock_puts_the_returns_goods_back_under_the_returns_own_key_on_every_attempt() {
    let (order, returned) = with_a_received_return();
    let mut mocks = Mocks::new();
    // The effect handed out twice (a retry): the same key both times, so the service restocks once.
    handing_out(
        &mut mocks,
        vec![
            due(&order, EffectKind::Restock(returned), 0),
            due(&order, EffectKind::Restock(returned), 1),
        ],
    );
    let stored = order.clone();
    mocks
        .orders
        .expect_find_including_deleted()
        .returning(move |_| Ok(Some(stored.clone())));
    let id = order.id();
    let key = returned.restock_key();
    mocks.inventory = order_domain::ports::MockInventory::new();
    mocks
        .inventory
        .expect_restock()
        .times(2)
        .withf(move |o, r, items, k| {
            *o == id
                && *r == returned
                && k == key
                && items.len() == 1
                && items[0].product_id.as_str() == "p-1"
                && items[0].quantity.get() == 1
        })
        .returning(|_, _, _, _| Ok(()));
    mocks
        .outbox
        .expect_complete()
        .times(1)
        .withf(|effects, _| effects.len() == 2)
        .returning(|_, _| Ok(()));
    assert_eq!(mocks.service().run_due_effects().await.ok(), Some(2));
}

/// An outbox of `left` stock releases that takes a while to answer a claim, and counts the claims it answers
/// at once.
struct SlowOutbox {
    order: Order,
    left: Mutex<usize>,
    claims: Mutex<Vec<usize>>,
    in_flight: AtomicUsize,
    most_at_once: AtomicUsize,
}

impl SlowOutbox {
    fn of(left: usize) -> Arc<Self> {
        Arc::new(Self {
            order: stored_order(),
            left: Mutex::new(left),
            claims: Mutex::default(),
            in_flight: AtomicUsize::new(0),
            most_at_once: AtomicUsize::new(0),
        })
    }

    fn claims(&self) -> Vec<usize> {
        self.claims.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl Outbox for SlowOutbox {
    async fn claim_due(
        &self,
        _now: DateTime<Utc>,
        _lease: Duration,
        limit: usize,
    ) -> Result<Vec<DueEffect>, RepositoryError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let mut left = self.left.lock().unwrap_or_else(|e| e.into_inner());
        let taken = (*left).min(limit);
        *left -= taken;
        if let Ok(mut claims) = self.claims.lock() {
            claims.push(taken);
        }
        Ok((0..taken)
            .map(|_| due(&self.order, EffectKind::ReleaseStock, 0))
            .collect())
    }

    async fn complete(&self, _: &[DueEffect], _: DateTime<Utc>) -> Result<(), RepositoryError> {
        Ok(())
    }

    async fn retry(
        &self,
        _: &DueEffect,
        _: DateTime<Utc>,
        error: &str,
    ) -> Result<(), RepositoryError> {
        panic!("nothing fails here: {error}")
    }

    async fn park(&self, _: &DueEffect, error: &str) -> Result<(), RepositoryError> {
        panic!("nothing fails here: {error}")
    }

    async fn stats(&self, _: DateTime<Utc>) -> Result<OutboxStats, RepositoryError> {
        Ok(OutboxStats::default())
    }

    async fn prune_done(&self, _: DateTime<Utc>) -> Result<u64, RepositoryError> {
        Ok(0)
    }
}

/// A service whose outbox is `outbox`, claiming 4 effects a batch and running up to `concurrency` batches.
fn draining(outbox: &Arc<SlowOutbox>, concurrency: usize) -> OrderService {
    let mut mocks = Mocks::new();
    mocks.inventory.expect_release().returning(|_| Ok(()));
    let mut ports = mocks.ports();
    ports.outbox = outbox.clone();
    let settings = Settings {
        outbox_batch: 4,
        outbox_concurrency: concurrency,
        ..Settings::default()
    };
    OrderService::new(ports, settings)
}

#[tokio::test]
async fn a_backlog_is_run_several_batches_at_once_up_to_the_concurrency() {
    let outbox = SlowOutbox::of(40);
    let service = draining(&outbox, 4);
    assert_eq!(service.run_effects_until_none_due().await.ok(), Some(40));
    assert_eq!(outbox.most_at_once.load(Ordering::SeqCst), 4);
    // 1, 2, then 4 at once while they come back full; the round that finds the backlog gone ends it.
    let claims = outbox.claims();
    assert_eq!(claims.iter().sum::<usize>(), 40);
    assert_eq!(claims[..3], [4, 4, 4]);
    assert_eq!(claims.last(), Some(&0));
    assert!(claims.len() <= 14, "{claims:?}");
}

#[tokio::test]
async fn effects_that_trickle_in_are_run_one_batch_at_a_time() {
    let short = SlowOutbox::of(3);
    assert_eq!(
        draining(&short, 4).run_effects_until_none_due().await.ok(),
        Some(3)
    );
    assert_eq!(short.claims(), [3, 0]);
    assert_eq!(short.most_at_once.load(Ordering::SeqCst), 1);

    // With a concurrency of 1, a backlog too is run one batch at a time.
    let one_lane = SlowOutbox::of(12);
    assert_eq!(
        draining(&one_lane, 1)
            .run_effects_until_none_due()
            .await
            .ok(),
        Some(12)
    );
    assert_eq!(one_lane.claims(), [4, 4, 4, 0]);
    assert_eq!(one_lane.most_at_once.load(Ordering::SeqCst), 1);
}
