//! What the use cases need from the outside world. Adapters implement these; no adapter type crosses them.

use std::error::Error as StdError;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::{
    AttemptId, AttemptState, AuthorizationId, CustomerId, DueEffect, EventId, IdempotencyClaim,
    IdempotencyKey, IdempotencyRecord, IdempotencyScope, KeyClaim, Money, Notification, Order,
    OrderEvent, OrderFilter, OrderId, OrderLine, PageOfOrders, PageRequest, PaymentAttempt,
    PaymentRequest, ProductId, ProviderKey, RecordedChange, RefundId, ReturnId, ReturnItem,
    ShippingAddress, Version,
};

pub type BoxError = Box<dyn StdError + Send + Sync>;

#[derive(Debug, Error)]
pub enum RepositoryError {
    /// Another request already completed a create with this idempotency key.
    #[error("the idempotency key is already used")]
    DuplicateIdempotencyKey,
    /// The order changed (or went away) since it was read: the compare-and-swap found another version.
    #[error("the order was changed concurrently")]
    VersionConflict,
    /// The payment attempt was claimed by the settler (it took longer than its grace period): it is voided,
    /// not attached.
    #[error("the payment attempt was settled before the order took it")]
    AttemptSettled,
    /// The database cannot be reached or is overloaded; worth retrying later.
    #[error("the database is unavailable")]
    Unavailable(#[source] BoxError),
    #[error("unexpected storage failure")]
    Unexpected(#[source] BoxError),
}

/// Where orders live. Each method is one transaction.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send + Sync {
    /// Stores a new order, its `change` (the event and the effects to run after commit) and the idempotency
    /// record if there is one (ending the key's claim), in one transaction; the database's unique key on (scope, key) refuses a second
    /// record with `DuplicateIdempotencyKey` and then nothing is written.
    async fn insert(
        &self,
        order: &Order,
        change: &RecordedChange,
        idempotency: Option<IdempotencyRecord>,
    ) -> Result<(), RepositoryError>;

    /// The order unless it does not exist or is deleted.
    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepositoryError>;

    /// The order even if it is deleted; for the bookkeeping of the service itself, never for clients.
    async fn find_including_deleted(&self, id: OrderId) -> Result<Option<Order>, RepositoryError>;

    /// Up to `page.limit` live orders, newest first, and whether more follow them.
    async fn list(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<PageOfOrders, RepositoryError>;

    /// Writes a changed order and its `change` (event and effects) if, and only if, the stored one is still
    /// at `expected`; otherwise `VersionConflict` and nothing is written. A deleted order is changed only by
    /// the service's bookkeeping, which alone reads it (its delete bumped the version past any live read).
    async fn update(
        &self,
        order: &Order,
        expected: Version,
        change: &RecordedChange,
    ) -> Result<(), RepositoryError>;

    /// `update`, with the idempotency record of the request that made the change, in one transaction: a live
    /// record for the key refuses it with `DuplicateIdempotencyKey`, and then nothing is written.
    async fn update_keyed(
        &self,
        order: &Order,
        expected: Version,
        change: &RecordedChange,
        idempotency: IdempotencyRecord,
    ) -> Result<(), RepositoryError>;

    /// The unexpired record for a key, if any.
    async fn find_idempotency(
        &self,
        scope: &IdempotencyScope,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
    ) -> Result<Option<IdempotencyRecord>, RepositoryError>;

    /// Holds a key for a keyed write about to run, unless another request holds it (its hold has not lapsed) or
    /// it has a live record, which is then the answer. One statement holds: two requests never both hold one
    /// key, and never a key whose record is stored, even by a commit the claim waited for. A hold ends when its
    /// write stores the key's record or when it is released.
    async fn claim_idempotency(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<KeyClaim, RepositoryError>;

    /// Lets go of this claim's hold, whose write stored nothing, so that a retry may run at once; a hold
    /// another request took after this one lapsed is left alone.
    async fn release_idempotency(&self, claim: &IdempotencyClaim) -> Result<(), RepositoryError>;

    /// Removes the records and lapsed claims that expired before `now`; returns how many records.
    async fn purge_expired_idempotency(&self, now: DateTime<Utc>) -> Result<u64, RepositoryError>;

    /// Succeeds when the database answers and takes a write (a full disk refuses one).
    async fn ping(&self) -> Result<(), RepositoryError>;
}

/// The payment attempts: recorded before the provider is asked, attached to the order in its paying
/// compare-and-swap, or settled (voided) by the worker once due. An attempt's `settle_at` is when the worker may
/// take it: a grace period after it opened, or at once when its request lost.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentAttempts: Send + Sync {
    /// Records a new open attempt, due to be settled at `settle_at` unless attached before, and answers the
    /// attempt on record under its provider key: the new one, or the one an earlier request with the same
    /// client key recorded (then nothing is written).
    async fn open(
        &self,
        attempt: &PaymentAttempt,
        settle_at: DateTime<Utc>,
    ) -> Result<PaymentAttempt, RepositoryError>;

    /// In one transaction: writes the paid order and its `change` if the stored one is still at `expected`
    /// (else `VersionConflict`), and marks the attempt attached with its authorization if it is still open
    /// (else `AttemptSettled`), and stores the client's idempotency record for the payment, if any (a live
    /// record for its key: `DuplicateIdempotencyKey`). Any refusal writes nothing.
    async fn attach(
        &self,
        order: &Order,
        expected: Version,
        change: &RecordedChange,
        attempt: AttemptId,
        authorization: &AuthorizationId,
        idempotency: Option<IdempotencyRecord>,
    ) -> Result<(), RepositoryError>;

    /// The attempt's request lost (declined, the order moved on, the save failed): records what it obtained
    /// and makes it due at `now`.
    async fn lost(
        &self,
        attempt: AttemptId,
        authorization: Option<AuthorizationId>,
        now: DateTime<Utc>,
    ) -> Result<(), RepositoryError>;

    /// Leases up to `limit` open or settling attempts that are due at `now`, marking them settling (from then
    /// on none can be attached) until `now + lease`.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<PaymentAttempt>, RepositoryError>;

    /// The attempt is settled: `Voided`, `Declined`, or found `Attached` to its order after all.
    async fn settled(
        &self,
        attempt: AttemptId,
        state: AttemptState,
        authorization: Option<AuthorizationId>,
    ) -> Result<(), RepositoryError>;

    /// Settling failed; it counts one more failure and is due again at `at`.
    async fn retry(
        &self,
        attempt: AttemptId,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), RepositoryError>;

    /// Every attempt of an order, oldest first (for the bookkeeping and tests).
    async fn of_order(&self, order: OrderId) -> Result<Vec<PaymentAttempt>, RepositoryError>;
}

/// The order's history: every event, kept for ever (deleted orders included).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventHistory: Send + Sync {
    /// Up to `limit` events of the order with a version above `after`, oldest first.
    async fn events_after(
        &self,
        order: OrderId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<OrderEvent>, RepositoryError>;

    /// The events among `ids` that exist, in no particular order: one read for a batch of publications.
    async fn events(&self, ids: &[EventId]) -> Result<Vec<OrderEvent>, RepositoryError>;
}

/// How far the outbox is behind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Effects waiting to run (not parked).
    pub backlog: u64,
    /// The age of the oldest waiting effect.
    pub oldest: Option<Duration>,
    /// Effects given up on, waiting for an operator.
    pub parked: u64,
}

/// The queue of after-commit effects, written with the changes (see `OrderRepository`). Safe to share
/// between replicas: a claimed effect is leased to one worker, and per order and kind, effects are handed
/// out one at a time in version order.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Leases up to `limit` effects that are due at `now` and not preceded by a waiting effect of the same
    /// kind for an earlier version of their order; the lease ends at `now + lease`.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<DueEffect>, RepositoryError>;

    /// The effects are done, all in one write; they stay until pruned.
    async fn complete(
        &self,
        effects: &[DueEffect],
        now: DateTime<Utc>,
    ) -> Result<(), RepositoryError>;

    /// The effect failed; it counts one more attempt and is due again at `at`.
    async fn retry(
        &self,
        effect: &DueEffect,
        at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), RepositoryError>;

    /// The effect is given up on (kept, counted as parked).
    async fn park(&self, effect: &DueEffect, error: &str) -> Result<(), RepositoryError>;

    async fn stats(&self, now: DateTime<Utc>) -> Result<OutboxStats, RepositoryError>;

    /// Forgets effects done before `before` (the events stay in the history); returns how many.
    async fn prune_done(&self, before: DateTime<Utc>) -> Result<u64, RepositoryError>;
}

/// Where events are published for downstream services.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Returns once the broker has acknowledged the event; publishing one event twice stores it once.
    async fn publish(&self, event: &OrderEvent) -> Result<(), GatewayError>;
}

#[derive(Debug, Error)]
pub enum GatewayError {
    /// The service did not answer usefully (timeout, refused, 5xx, open breaker): retry later.
    #[error("the {service} service is unavailable")]
    Unavailable {
        service: &'static str,
        retry_after: Option<Duration>,
        #[source]
        source: Option<BoxError>,
    },
    #[error("the {service} service gave an unexpected answer: {detail}")]
    Unexpected {
        service: &'static str,
        detail: String,
    },
}

/// The customer service.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CustomerDirectory: Send + Sync {
    async fn exists(&self, customer: &CustomerId) -> Result<bool, GatewayError>;
}

#[derive(Debug, Error)]
pub enum ReservationError {
    #[error("not enough stock")]
    Unavailable(Vec<ProductId>),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

/// The inventory service. A reservation is named by the order it is for, so a reservation whose order was
/// never stored can be found and released.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Inventory: Send + Sync {
    async fn reserve(&self, order: OrderId, lines: &[OrderLine]) -> Result<(), ReservationError>;

    /// Releasing a reservation that does not exist is not an error.
    async fn release(&self, order: OrderId) -> Result<(), GatewayError>;

    /// The reservations made before `before` that are still held, by order id: what a sweeper checks against
    /// the stored orders to release stock that a crash left reserved.
    async fn reservations_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<Vec<OrderId>, GatewayError>;

    /// Puts the goods of a received return back in stock. `key` is the same on every attempt (see
    /// `ReturnId::restock_key`): the service restocks a key once and refuses it with other items.
    async fn restock(
        &self,
        order: OrderId,
        returned: ReturnId,
        items: &[ReturnItem],
        key: &str,
    ) -> Result<(), GatewayError>;
}

#[derive(Debug, Error)]
pub enum PaymentError {
    #[error("the payment was declined: {0}")]
    Declined(String),
    /// The authorization's state forbids the operation (a void after a capture, a capture after a void).
    #[error("the payment service refused: {0}")]
    Conflict(String),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

/// The payment service, as real providers work: authorize holds money, capture takes it, void lets the hold go,
/// refund gives captured money back. Every call carries a `ProviderKey`: the provider replays its first answer
/// to a repeated key (a retry is done once) and refuses the key reused with another request.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Holds `payment.amount` for `order`; the provider's id of the hold, or `Declined`.
    async fn authorize(
        &self,
        key: &ProviderKey,
        order: OrderId,
        payment: &PaymentRequest,
    ) -> Result<AuthorizationId, PaymentError>;

    /// Takes `amount` of the authorized money.
    async fn capture(
        &self,
        key: &ProviderKey,
        authorization: &AuthorizationId,
        amount: Money,
    ) -> Result<(), PaymentError>;

    /// Lets the hold go; voiding twice is done once, voiding a captured authorization is a `Conflict`.
    async fn void(
        &self,
        key: &ProviderKey,
        authorization: &AuthorizationId,
    ) -> Result<(), PaymentError>;

    /// Gives `amount` of `order`'s payment back.
    async fn refund(
        &self,
        key: &ProviderKey,
        order: OrderId,
        authorization: &AuthorizationId,
        amount: Money,
        reason: &str,
    ) -> Result<RefundId, PaymentError>;
}

/// Whether the carrier can deliver to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressCheck {
    Deliverable,
    /// Why not, in the carrier's words.
    Undeliverable(String),
}

/// The shipping service.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ShippingService: Send + Sync {
    async fn validate_address(
        &self,
        address: &ShippingAddress,
    ) -> Result<AddressCheck, GatewayError>;
}

/// The notification service, which tells customers what happened to their orders. Sending one notification
/// twice delivers it once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notification: Notification) -> Result<(), GatewayError>;
}

/// The time, so that use cases can be tested at a chosen instant.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}
