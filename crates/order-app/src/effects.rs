//! The outbox worker's step: run the after-commit effects that are due, with retries and keys.

use std::collections::HashMap;

use chrono::TimeDelta;
use futures::future::join_all;
use order_domain::ports::{GatewayError, PaymentError, RepositoryError};
use order_domain::{
    AuthorizationId, DueEffect, EffectKind, EventId, Notification, Order, OrderError, OrderEvent,
    OrderId, OrderRefundId, ProviderKey, RefundStatus,
};

use crate::refunds::{is_final_refusal, RefundCall};
use crate::{AppError, Caller, OrderService};

/// Why an effect did not go through this time.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The service or the database is unavailable: tried again, however long it takes.
    Unavailable(String),
    /// Anything else: tried again up to the retry policy's limit, then parked for an operator.
    Refused(String),
}

impl From<GatewayError> for Failure {
    fn from(error: GatewayError) -> Self {
        match error {
            GatewayError::Unavailable { .. } => Failure::Unavailable(error_chain(&error)),
            GatewayError::Unexpected { .. } => Failure::Refused(error_chain(&error)),
        }
    }
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        match error {
            AppError::StorageUnavailable(_) | AppError::Conflict => {
                Failure::Unavailable(error_chain(&error))
            }
            other => Failure::Refused(error_chain(&other)),
        }
    }
}

impl From<RepositoryError> for Failure {
    fn from(error: RepositoryError) -> Self {
        AppError::from(error).into()
    }
}

/// A refusal of the payment service is retried up to the policy's limit; its unavailability for ever.
pub(crate) fn payment_failure(error: PaymentError) -> Failure {
    match error {
        PaymentError::Gateway(error) => error.into(),
        refused => Failure::Refused(error_chain(&refused)),
    }
}

pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl OrderService {
    /// Claims the effects that are due and runs them at once: the claim never hands out two effects of one
    /// order and kind together, so none of a batch waits for another. Those done are marked done together,
    /// in one write; each failure is rescheduled with backoff (or parked, see `RetryPolicy`). Returns how many
    /// it claimed; 0 means nothing was due. Several workers (replicas) may run this at once.
    pub async fn run_due_effects(&self) -> Result<usize, AppError> {
        let now = self.ports.clock.now();
        let due = self
            .ports
            .outbox
            .claim_due(now, self.settings.outbox_lease, self.settings.outbox_batch)
            .await?;
        let events = self.events_to_publish(&due).await?;
        let outcomes = join_all(due.iter().map(|effect| self.run_effect(effect, &events))).await;
        let (done, failed): (Vec<_>, Vec<_>) = due
            .iter()
            .zip(outcomes)
            .partition(|(_, outcome)| outcome.is_ok());
        if !done.is_empty() {
            let done: Vec<DueEffect> = done.into_iter().map(|(effect, _)| effect.clone()).collect();
            self.ports
                .outbox
                .complete(&done, self.ports.clock.now())
                .await?;
        }
        for (effect, outcome) in failed {
            if let Err(failure) = outcome {
                self.reschedule(effect, failure).await?;
            }
        }
        Ok(due.len())
    }

    /// Runs the effects due until none is; returns how many it claimed. While batches come back short of
    /// `outbox_batch`, one at a time; while they come back full (a backlog), twice as many at once each
    /// round, up to `outbox_concurrency`. One batch at a time fell behind a steady load of creates on Postgres,
    /// where each of its statements had one backend's share of the CPU against the creates' many, and the
    /// backlog grew for as long as the load lasted (BENCHMARKS.md, eighteenth session).
    pub async fn run_effects_until_none_due(&self) -> Result<usize, AppError> {
        let (mut width, mut claimed) = (1, 0);
        loop {
            let batches = join_all((0..width).map(|_| self.run_due_effects())).await;
            let batches = batches.into_iter().collect::<Result<Vec<_>, _>>()?;
            claimed += batches.iter().sum::<usize>();
            if batches.contains(&0) {
                return Ok(claimed);
            }
            width = match batches.iter().all(|&n| n >= self.settings.outbox_batch) {
                true => (width * 2).min(self.settings.outbox_concurrency.max(1)),
                false => 1,
            };
        }
    }

    async fn reschedule(&self, effect: &DueEffect, failure: Failure) -> Result<(), AppError> {
        let outbox = &self.ports.outbox;
        let now = self.ports.clock.now();
        let attempts = effect.attempts + 1;
        match failure {
            Failure::Refused(error) if self.settings.retry.parks(attempts) => {
                tracing::error!(%effect, attempts, %error, "an effect is parked: it keeps failing");
                outbox.park(effect, &error).await?;
            }
            Failure::Unavailable(error) | Failure::Refused(error) => {
                let delay = self.settings.retry.delay(attempts);
                tracing::warn!(%effect, attempts, ?delay, %error, "an effect failed; retrying later");
                let at = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::seconds(10));
                outbox.retry(effect, at, &error).await?;
            }
        }
        Ok(())
    }

    /// The events the batch publishes, read in one go (none when publication is off).
    async fn events_to_publish(
        &self,
        due: &[DueEffect],
    ) -> Result<HashMap<EventId, OrderEvent>, AppError> {
        let ids: Vec<EventId> = due
            .iter()
            .filter(|effect| effect.kind == EffectKind::Publish)
            .map(|effect| effect.event_id)
            .collect();
        if ids.is_empty() || self.ports.publisher.is_none() {
            return Ok(HashMap::new());
        }
        let events = self.ports.history.events(&ids).await?;
        Ok(events.into_iter().map(|event| (event.id, event)).collect())
    }

    async fn run_effect(
        &self,
        effect: &DueEffect,
        events: &HashMap<EventId, OrderEvent>,
    ) -> Result<(), Failure> {
        let ports = &self.ports;
        match &effect.kind {
            EffectKind::Publish => {
                // Publication was turned off after the effect was written: the history still has it.
                let Some(publisher) = &ports.publisher else {
                    return Ok(());
                };
                let event = events.get(&effect.event_id).ok_or_else(|| {
                    Failure::Refused(format!("event {} is not in the history", effect.event_id))
                })?;
                Ok(publisher.publish(event).await?)
            }
            EffectKind::Notify { kind, customer } => {
                let notification = Notification {
                    order_id: effect.order_id,
                    kind: *kind,
                    customer_id: customer.clone(),
                };
                Ok(ports.notifier.notify(notification).await?)
            }
            EffectKind::ReleaseStock => Ok(ports.inventory.release(effect.order_id).await?),
            EffectKind::Restock(returned) => self.run_restock(effect.order_id, *returned).await,
            EffectKind::Void => {
                // A canceled order's authorization (deleted or not) is let go under a key of its own.
                let authorization = self.authorization_of(effect.order_id, "void").await?;
                ports
                    .payments
                    .void(&ProviderKey::void(&authorization), &authorization)
                    .await
                    .map_err(payment_failure)
            }
            EffectKind::Capture(amount) => {
                let authorization = self.authorization_of(effect.order_id, "capture").await?;
                ports
                    .payments
                    .capture(
                        &ProviderKey::capture(&authorization),
                        &authorization,
                        *amount,
                    )
                    .await
                    .map_err(payment_failure)?;
                self.record_capture(effect.order_id).await
            }
            EffectKind::Refund {
                refund: Some(refund),
                ..
            } => self.run_partial_refund(effect.order_id, *refund).await,
            EffectKind::Refund {
                amount,
                refund: None,
            } => {
                // The authorization refunded is the order's (deleted or not); the key is the effect's own.
                let authorization = ports
                    .orders
                    .find_including_deleted(effect.order_id)
                    .await?
                    .and_then(|order| order.payment().and_then(|p| p.authorization_id.clone()))
                    .ok_or_else(|| {
                        Failure::Refused(format!(
                            "order {} has no authorization on record to refund",
                            effect.order_id
                        ))
                    })?;
                let key = ProviderKey::parse(effect.idempotency_key())
                    .map_err(|error| Failure::Refused(error.to_string()))?;
                ports
                    .payments
                    .refund(
                        &key,
                        effect.order_id,
                        &authorization,
                        *amount,
                        "order canceled",
                    )
                    .await
                    .map_err(|error| match error {
                        PaymentError::Gateway(error) => error.into(),
                        refused => Failure::Refused(error_chain(&refused)),
                    })?;
                self.record_refund(effect.order_id).await
            }
        }
    }

    /// One partial refund: the provider is asked under the refund's own key (a retry is refunded once), then
    /// the answer is settled on the order: succeeded, or failed when the provider refuses for good.
    async fn run_partial_refund(&self, id: OrderId, refund: OrderRefundId) -> Result<(), Failure> {
        let RefundCall::Due {
            key,
            authorization,
            amount,
            reason,
        } = self.refund_call(id, refund).await?
        else {
            return Ok(());
        };
        let outcome = match self
            .ports
            .payments
            .refund(&key, id, &authorization, amount, &reason)
            .await
        {
            Ok(_) => RefundStatus::Succeeded,
            Err(error) if is_final_refusal(&error) => {
                tracing::warn!(order = %id, %refund, error = %error, "the provider refused a refund for good");
                RefundStatus::Failed
            }
            Err(PaymentError::Gateway(error)) => return Err(error.into()),
            Err(error) => return Err(Failure::Refused(error_chain(&error))),
        };
        Ok(self.settle_refund(id, refund, outcome).await?)
    }

    /// The authorization of the order (deleted or not) that an effect acts on.
    async fn authorization_of(&self, id: OrderId, what: &str) -> Result<AuthorizationId, Failure> {
        self.ports
            .orders
            .find_including_deleted(id)
            .await?
            .and_then(|order| order.payment().and_then(|p| p.authorization_id.clone()))
            .ok_or_else(|| {
                Failure::Refused(format!(
                    "order {id} has no authorization on record to {what}"
                ))
            })
    }

    /// Records on the order (deleted or not) that the capture of its money went through; a capture
    /// already recorded is left alone.
    async fn record_capture(&self, id: OrderId) -> Result<(), Failure> {
        self.record_on_order(id, |order, now| match order.record_capture(now) {
            Err(OrderError::NoCaptureDue) => Ok(false),
            done => done.map(|()| true),
        })
        .await
    }

    /// Applies a bookkeeping change to the order (deleted or not) with a compare-and-swap; `record` returns
    /// `false` when there is nothing to record.
    async fn record_on_order(
        &self,
        id: OrderId,
        record: impl Fn(&mut Order, chrono::DateTime<chrono::Utc>) -> Result<bool, OrderError>,
    ) -> Result<(), Failure> {
        for _ in 0..self.settings.max_write_attempts {
            let Some(mut order) = self.ports.orders.find_including_deleted(id).await? else {
                return Err(Failure::Refused(format!("order {id} is not stored")));
            };
            let before: Order = order.clone();
            let expected = order.version();
            match record(&mut order, self.ports.clock.now()) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(error) => return Err(AppError::from(error).into()),
            }
            let change = self.record(Some(&before), &order, &Caller::anonymous(), None)?;
            match self.ports.orders.update(&order, expected, &change).await {
                Ok(()) => return Ok(()),
                Err(RepositoryError::VersionConflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict.into())
    }

    /// Records on the order (deleted or not) that its refund went through; a refund already recorded is
    /// left alone. Failing here retries the effect, whose refund is keyed, so it is refunded once.
    async fn record_refund(&self, id: OrderId) -> Result<(), Failure> {
        self.record_on_order(id, |order, now| match order.record_refund(now) {
            Err(OrderError::NoRefundDue) => Ok(false),
            done => done.map(|()| true),
        })
        .await
    }
}

#[cfg(test)]
#[path = "effects_tests.rs"]
mod tests;
