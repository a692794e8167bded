//! The worker's settling of payment attempts no order took: whatever such an attempt obtained is voided, so
//! every authorization ends attached to a paid order or voided, whatever crashed or raced.

use chrono::TimeDelta;
use order_domain::ports::PaymentError;
use order_domain::{AttemptState, AuthorizationId, OrderStatus, PaymentAttempt, ProviderKey};

use crate::effects::{error_chain, payment_failure, Failure};
use crate::{AppError, OrderService};

impl OrderService {
    /// Claims the attempts that are due (their grace period is over, or their request lost) and settles each:
    /// voided, found declined, or found attached after all. A failure is retried with backoff. Returns how
    /// many it claimed; 0 means nothing was due.
    pub async fn settle_due_attempts(&self) -> Result<usize, AppError> {
        let attempts = &self.ports.attempts;
        let now = self.ports.clock.now();
        let due = attempts
            .claim_due(now, self.settings.outbox_lease, self.settings.outbox_batch)
            .await?;
        for attempt in &due {
            match self.settle_attempt(attempt).await {
                Ok((state, authorization)) => {
                    tracing::info!(attempt = %attempt.id, order = %attempt.order_id, state = state.as_str(), "settled a payment attempt");
                    attempts.settled(attempt.id, state, authorization).await?;
                }
                Err(Failure::Unavailable(error) | Failure::Refused(error)) => {
                    let failures = attempt.failures + 1;
                    let delay = self.settings.retry.delay(failures);
                    tracing::warn!(attempt = %attempt.id, failures, ?delay, %error, "a payment attempt could not be settled; retrying later");
                    let at = now + TimeDelta::from_std(delay).unwrap_or(TimeDelta::seconds(10));
                    attempts.retry(attempt.id, at, &error).await?;
                }
            }
        }
        Ok(due.len())
    }

    async fn settle_attempt(
        &self,
        attempt: &PaymentAttempt,
    ) -> Result<(AttemptState, Option<AuthorizationId>), Failure> {
        let authorization = match &attempt.authorization_id {
            Some(authorization) => authorization.clone(),
            // Nothing on record (a crash or a timeout after the call): ask again under the attempt's key, with
            // the same request. The provider replays its answer, or authorizes now; either way it is voided.
            None => {
                let replay = self
                    .ports
                    .payments
                    .authorize(&attempt.key, attempt.order_id, &attempt.request)
                    .await;
                match replay {
                    Ok(authorization) => authorization,
                    Err(PaymentError::Declined(_)) => return Ok((AttemptState::Declined, None)),
                    Err(PaymentError::Gateway(error)) => return Err(error.into()),
                    Err(refused) => return Err(Failure::Refused(error_chain(&refused))),
                }
            }
        };
        // The order (deleted or not) holds this authorization: it is the order's now, nothing to undo.
        let order = self
            .ports
            .orders
            .find_including_deleted(attempt.order_id)
            .await?;
        let held_by_order = order.is_some_and(|order| {
            order.status() != OrderStatus::Pending
                && order.payment().and_then(|p| p.authorization_id.as_ref()) == Some(&authorization)
        });
        if held_by_order {
            return Ok((AttemptState::Attached, Some(authorization)));
        }
        self.ports
            .payments
            .void(&ProviderKey::void_attempt(attempt.id), &authorization)
            .await
            .map_err(payment_failure)?;
        Ok((AttemptState::Voided, Some(authorization)))
    }
}

#[cfg(test)]
#[path = "settle_attempts_tests.rs"]
mod tests;
