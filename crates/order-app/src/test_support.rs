//! Builders shared by the use-case tests.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use order_domain::ports::{
    MockClock, MockCustomerDirectory, MockEventHistory, MockInventory, MockNotifier,
    MockOrderRepository, MockOutbox, MockPaymentAttempts, MockPaymentGateway, MockShippingService,
};
use order_domain::{ItemDraft, NewOrder, Order, OrderDraft, OrderId};

use crate::{OrderService, Ports, Settings};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

pub struct Mocks {
    pub orders: MockOrderRepository,
    pub customers: MockCustomerDirectory,
    pub inventory: MockInventory,
    pub payments: MockPaymentGateway,
    pub shipping: MockShippingService,
    pub notifier: MockNotifier,
    pub history: MockEventHistory,
    pub outbox: MockOutbox,
    pub attempts: MockPaymentAttempts,
    /// Publication is off unless a test sets a publisher.
    pub publisher: Option<order_domain::ports::MockEventPublisher>,
}

impl Mocks {
    /// Mocks that expect nothing, but for notifications, which are best effort and accepted: each test states
    /// the calls it allows (and replaces `notifier` to check notifications).
    pub fn new() -> Self {
        let mut notifier = MockNotifier::new();
        notifier.expect_notify().returning(|_| Ok(()));
        Self {
            orders: MockOrderRepository::new(),
            customers: MockCustomerDirectory::new(),
            inventory: MockInventory::new(),
            payments: MockPaymentGateway::new(),
            shipping: MockShippingService::new(),
            notifier,
            history: MockEventHistory::new(),
            outbox: MockOutbox::new(),
            attempts: MockPaymentAttempts::new(),
            publisher: None,
        }
    }

    pub fn service(self) -> OrderService {
        OrderService::new(self.ports(), Settings::default())
    }

    /// The mocks as ports, with a clock stopped at `now()`.
    pub fn ports(self) -> Ports {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        Ports {
            orders: Arc::new(self.orders),
            customers: Arc::new(self.customers),
            inventory: Arc::new(self.inventory),
            payments: Arc::new(self.payments),
            shipping: Arc::new(self.shipping),
            notifier: Arc::new(self.notifier),
            clock: Arc::new(clock),
            history: Arc::new(self.history),
            outbox: Arc::new(self.outbox),
            attempts: Arc::new(self.attempts),
            publisher: self
                .publisher
                .map(|p| Arc::new(p) as Arc<dyn order_domain::ports::EventPublisher>),
        }
    }
}

pub fn new_order(customer: &str) -> NewOrder {
    let draft = OrderDraft {
        store_id: Some("store-1".into()),
        customer_id: Some(customer.into()),
        currency: None,
        items: Some(vec![ItemDraft {
            product_id: Some("p-1".into()),
            quantity: Some("2".into()),
            price: Some("25".into()),
        }]),
        items_total: Some("50".into()),
        shipping_cost: Some("0".into()),
        tax_amount: Some("0".into()),
        total_amount: Some("50".into()),
        note: None,
        metadata: None,
    };
    match NewOrder::parse(draft) {
        Ok(order) => order,
        Err(violations) => panic!("test order is invalid: {violations:?}"),
    }
}

pub fn stored_order() -> Order {
    Order::place(new_order("customer-1"), OrderId::generate(), now())
}

impl OrderService {
    /// Pays without a client key and answers the paid order, as most payment tests want.
    pub async fn pay_unkeyed(
        &self,
        caller: &crate::Caller,
        id: OrderId,
        payment: order_domain::PaymentDraft,
        check: order_domain::VersionCheck,
    ) -> Result<Order, crate::AppError> {
        let command = crate::PayOrder {
            payment,
            check,
            idempotency_key: None,
        };
        match self.pay_order(caller, id, command, |_| Vec::new()).await? {
            crate::PaidOrder::Paid(order) => Ok(*order),
            crate::PaidOrder::Replayed(_) => Err(crate::AppError::Conflict),
        }
    }
}
