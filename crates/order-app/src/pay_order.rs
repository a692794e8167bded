//! `PUT /orders/{id}/payment`: one authorization per payment, once per client idempotency key.

use chrono::{DateTime, Utc};
use order_domain::ports::{PaymentError, RepositoryError};
use order_domain::{
    AuthorizationId, Fingerprint, IdempotencyKey, IdempotencyRecord, KeyClaim, Order, OrderId,
    PaymentAttempt, PaymentDraft, PaymentRequest, VersionCheck,
};

use crate::idempotent::{replay, IdempotentRequest, Replayed};
use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

/// A payment request and the client's key for it, if any.
#[derive(Debug, Clone)]
pub struct PayOrder {
    pub payment: PaymentDraft,
    pub check: VersionCheck,
    /// The client's `Idempotency-Key`; it lives in the caller's key space for this order's payments.
    pub idempotency_key: Option<IdempotencyKey>,
}

/// The answer to a payment: the paid order, or (a retry with the key of a payment that succeeded) the body
/// first sent, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaidOrder {
    Paid(Box<Order>),
    Replayed(Vec<u8>),
}

impl OrderService {
    /// Pays a pending order with exactly its total. The attempt is recorded (with its own provider key and a
    /// due date for the settler) before the payment service authorizes it, and the order's compare-and-swap
    /// attaches it; an attempt that loses (declined, canceled meanwhile, the save failed, a crash) is voided
    /// by the worker (see `settle_due_attempts`), so no authorization is left held for an order that did
    /// not take it.
    ///
    /// With the client's key (as `create_order`): a retry of a payment that succeeded replays its answer and
    /// authorizes nothing; the same key with another request is `IdempotencyKeyReused`; a duplicate while the
    /// first runs is `IdempotencyKeyInFlight`. A refused or declined payment stores no answer, so it does not
    /// use up its key. The provider key derives from the client's key and the request, so a retry after a
    /// crash reaches the provider under the same key (and takes over the attempt on record), while the same
    /// key with another card is a new attempt.
    pub async fn pay_order(
        &self,
        caller: &Caller,
        id: OrderId,
        command: PayOrder,
        render: impl Fn(&Order) -> Vec<u8> + Send + Sync,
    ) -> Result<PaidOrder, AppError> {
        let PayOrder {
            payment,
            check,
            idempotency_key,
        } = command;
        let order = self.find_for(caller, Action::Pay, id).await?;
        if idempotency_key.is_none() {
            // A keyed retry may carry the tag the order had before its payment: it is checked after replay.
            check.ensure(order.version())?;
        }
        let payment =
            PaymentRequest::parse(payment, order.currency()).map_err(AppError::Invalid)?;
        let fingerprint = payment.fingerprint();
        let Some(key) = idempotency_key else {
            order.check_payment(&payment)?;
            let attempt = PaymentAttempt::open(id, payment, None);
            return self
                .authorize_and_attach(caller, &check, attempt, None)
                .await;
        };
        let request = IdempotentRequest {
            scope: caller.idempotency_scope().for_payment(id),
            key,
        };
        let now = self.ports.clock.now();
        let claim = self.claim_of(&request, fingerprint, now);
        match self.ports.orders.claim_idempotency(&claim).await? {
            KeyClaim::Held => {}
            KeyClaim::Answered(record) => return replay(record, fingerprint),
            KeyClaim::Busy => return self.replay_or_in_flight(&request, fingerprint, now).await,
        }
        let checked = check
            .ensure(order.version())
            .map_err(AppError::from)
            .and_then(|()| Ok(order.check_payment(&payment)?));
        if let Err(refused) = checked {
            // Refused before anything was asked: the key is free for a corrected retry at once.
            self.release_key(&claim).await;
            return Err(refused);
        }
        let attempt = PaymentAttempt::open(id, payment, Some(&request.key));
        let answer = Answer {
            request: &request,
            fingerprint,
            render: &render,
            now,
        };
        let result = self
            .authorize_and_attach(caller, &check, attempt, Some(&answer))
            .await;
        if !matches!(result, Ok(PaidOrder::Paid(_))) {
            // Nothing was stored under the key: it is free for a retry at once (or when the hold lapses).
            self.release_key(&claim).await;
        }
        match result {
            // Another request stored an answer under this key (its hold lapsed ours): answer as it did.
            Err(AppError::IdempotencyKeyInFlight) => {
                self.replay_or_in_flight(&request, fingerprint, now).await
            }
            result => result,
        }
    }

    /// Records the attempt, has the provider authorize it under its key, and attaches it to the order (with
    /// the idempotency record, when the client sent a key).
    async fn authorize_and_attach(
        &self,
        caller: &Caller,
        check: &VersionCheck,
        attempt: PaymentAttempt,
        answer: Option<&Answer<'_>>,
    ) -> Result<PaidOrder, AppError> {
        let now = self.ports.clock.now();
        // The attempt on record under its key: this one, or (a client's retry) the one recorded before.
        let attempt = self
            .ports
            .attempts
            .open(&attempt, now + self.settings.payment_attempt_grace)
            .await?;
        let id = attempt.order_id;
        let authorization = match self
            .ports
            .payments
            .authorize(&attempt.key, id, &attempt.request)
            .await
        {
            Ok(authorization) => authorization,
            Err(error) => {
                // Whatever the provider did (a decline holds nothing; a timeout may have held money), the
                // settler finds out by replaying the attempt's key.
                self.attempt_lost(&attempt, None).await;
                return Err(match error {
                    PaymentError::Declined(reason) => AppError::PaymentDeclined(reason),
                    PaymentError::Conflict(reason) => AppError::Unexpected(reason.into()),
                    PaymentError::Gateway(error) => error.into(),
                });
            }
        };
        let paid = self
            .attach_payment(caller, check, &attempt, &authorization, answer)
            .await;
        if paid.is_err() {
            self.attempt_lost(&attempt, Some(authorization)).await;
        }
        paid.map(|order| PaidOrder::Paid(Box::new(order)))
    }

    /// The order's paying compare-and-swap, which attaches the attempt in the same transaction.
    async fn attach_payment(
        &self,
        caller: &Caller,
        check: &VersionCheck,
        attempt: &PaymentAttempt,
        authorization: &AuthorizationId,
        answer: Option<&Answer<'_>>,
    ) -> Result<Order, AppError> {
        let id = attempt.order_id;
        for _ in 0..self.settings.max_write_attempts {
            let mut order = self.find_for(caller, Action::Pay, id).await?;
            let expected = order.version();
            check.ensure(expected)?;
            let before = order.clone();
            order.pay(
                &attempt.request,
                authorization.clone(),
                self.ports.clock.now(),
            )?;
            let change = self.record(Some(&before), &order, caller, None)?;
            let idempotency =
                answer.map(|answer| answer.record(&order, self.settings.idempotency_ttl));
            let attached = self
                .ports
                .attempts
                .attach(
                    &order,
                    expected,
                    &change,
                    attempt.id,
                    authorization,
                    idempotency,
                )
                .await;
            match attached {
                Ok(()) => return Ok(order),
                Err(RepositoryError::VersionConflict) => continue,
                // Another request with the client's key stored its answer first.
                Err(RepositoryError::DuplicateIdempotencyKey) => {
                    return Err(AppError::IdempotencyKeyInFlight)
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict)
    }

    /// Makes a losing attempt due for the settler now, rather than after its grace period. Best effort: if
    /// this fails, the grace period runs out and the settler takes it then.
    async fn attempt_lost(&self, attempt: &PaymentAttempt, authorization: Option<AuthorizationId>) {
        let now = self.ports.clock.now();
        if let Err(error) = self
            .ports
            .attempts
            .lost(attempt.id, authorization, now)
            .await
        {
            tracing::warn!(attempt = %attempt.id, error = ?error, "a lost payment attempt waits for its grace period");
        }
    }
}

/// What a keyed payment keeps under its key once it succeeds: the answer sent, for replays.
struct Answer<'a> {
    request: &'a IdempotentRequest,
    fingerprint: Fingerprint,
    render: &'a (dyn Fn(&Order) -> Vec<u8> + Send + Sync),
    now: DateTime<Utc>,
}

impl Answer<'_> {
    fn record(&self, paid: &Order, ttl: chrono::TimeDelta) -> IdempotencyRecord {
        IdempotencyRecord {
            scope: self.request.scope.clone(),
            key: self.request.key.clone(),
            fingerprint: self.fingerprint,
            order_id: paid.id(),
            response_body: (self.render)(paid),
            created_at: self.now,
            expires_at: self.now + ttl,
        }
    }
}

impl Replayed for PaidOrder {
    fn from_record(record: IdempotencyRecord) -> Self {
        PaidOrder::Replayed(record.response_body)
    }
}
