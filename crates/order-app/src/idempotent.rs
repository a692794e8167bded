//! A keyed write's key: held while the write runs (a duplicate meanwhile causes nothing downstream), let go when
//! the write stores nothing, and answered from its record on a retry, byte for byte, when the write stored one.

use chrono::{DateTime, Utc};
use order_domain::{
    Fingerprint, IdempotencyClaim, IdempotencyKey, IdempotencyRecord, IdempotencyScope,
};

use crate::{AppError, OrderService};

/// A key that makes a write safe to retry, in the key space of whoever sent it (and, for a payment, of the
/// order it pays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdempotentRequest {
    pub(crate) scope: IdempotencyScope,
    pub(crate) key: IdempotencyKey,
}

/// An answer a key's record gives again.
pub(crate) trait Replayed: Sized {
    fn from_record(record: IdempotencyRecord) -> Self;
}

/// The record's answer to a retry with the same request (`fingerprint`); another request under the key is
/// refused.
pub(crate) fn replay<T: Replayed>(
    record: IdempotencyRecord,
    fingerprint: Fingerprint,
) -> Result<T, AppError> {
    if record.fingerprint != fingerprint {
        return Err(AppError::IdempotencyKeyReused);
    }
    Ok(T::from_record(record))
}

impl OrderService {
    /// The hold this request takes on its key, from `now` for as long as the settings say.
    pub(crate) fn claim_of(
        &self,
        request: &IdempotentRequest,
        fingerprint: Fingerprint,
        now: DateTime<Utc>,
    ) -> IdempotencyClaim {
        IdempotencyClaim {
            scope: request.scope.clone(),
            key: request.key.clone(),
            fingerprint,
            claimed_at: now,
            held_until: now + self.settings.idempotency_claim_hold,
        }
    }

    /// Lets go of a held key whose request stored nothing. Best effort: the hold lapses by itself.
    pub(crate) async fn release_key(&self, claim: &IdempotencyClaim) {
        if let Err(error) = self.ports.orders.release_idempotency(claim).await {
            tracing::warn!(error = %error, "could not let go of an idempotency key; its hold will lapse");
        }
    }

    /// The answer to a key another request holds or has just answered: its record replayed, or
    /// `IdempotencyKeyInFlight` while that request runs.
    pub(crate) async fn replay_or_in_flight<T: Replayed>(
        &self,
        request: &IdempotentRequest,
        fingerprint: Fingerprint,
        now: DateTime<Utc>,
    ) -> Result<T, AppError> {
        match self.find_record(request, now).await? {
            Some(record) => replay(record, fingerprint),
            None => Err(AppError::IdempotencyKeyInFlight),
        }
    }

    pub(crate) async fn find_record(
        &self,
        request: &IdempotentRequest,
        now: DateTime<Utc>,
    ) -> Result<Option<IdempotencyRecord>, AppError> {
        Ok(self
            .ports
            .orders
            .find_idempotency(&request.scope, &request.key, now)
            .await?)
    }
}
