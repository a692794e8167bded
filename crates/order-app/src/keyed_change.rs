//! A change asked for with an optional `Idempotency-Key` (a refund, a return): the change and the answer
//! kept with it in one transaction under the order's compare-and-swap; a retry with the key gets the first
//! answer again, another body under it is refused, and a retry while the first is in flight is a conflict.

use chrono::{DateTime, Utc};
use order_domain::ports::RepositoryError;
use order_domain::{
    Fingerprint, IdempotencyKey, IdempotencyRecord, IdempotencyScope, Order, OrderId,
};

use crate::idempotent::{replay, IdempotentRequest, Replayed};
use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

/// The answer to a keyed change: the body the client gets, the same bytes on every replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedAnswer {
    pub body: Vec<u8>,
    /// `None` on a replay (the body says the version it was first answered with).
    pub order: Option<Order>,
    pub replayed: bool,
}

/// What is asked: by whom, of which order, under which key, and the request's fingerprint.
pub(crate) struct KeyedRequest<'a> {
    pub caller: &'a Caller,
    pub action: Action,
    pub id: OrderId,
    /// The key's space: the caller's, per order and kind of change.
    pub scope: IdempotencyScope,
    pub key: Option<IdempotencyKey>,
    pub fingerprint: Fingerprint,
}

impl OrderService {
    /// Applies `apply` to the order (read fresh on each lost race, `order` the first time) and writes it with
    /// the answer `render` makes of it, under the key when there is one.
    pub(crate) async fn keyed_change(
        &self,
        request: KeyedRequest<'_>,
        order: Order,
        apply: impl Fn(&mut Order, DateTime<Utc>) -> Result<(), AppError>,
        render: impl Fn(&Order) -> Vec<u8>,
    ) -> Result<KeyedAnswer, AppError> {
        let KeyedRequest {
            caller,
            action,
            id,
            scope,
            key,
            fingerprint,
        } = request;
        let now = self.ports.clock.now();
        if let Some(key) = &key {
            if let Some(record) = self.ports.orders.find_idempotency(&scope, key, now).await? {
                return replay(record, fingerprint);
            }
        }
        let mut order = Some(order);
        for _ in 0..self.settings.max_write_attempts {
            let mut current = match order.take() {
                Some(order) => order,
                None => self.find_for(caller, action, id).await?,
            };
            let before = current.clone();
            let now = self.ports.clock.now();
            apply(&mut current, now)?;
            let change = self.record(
                Some(&before),
                &current,
                caller,
                key.as_ref().map(IdempotencyKey::as_str),
            )?;
            let body = render(&current);
            let written = match &key {
                None => {
                    self.ports
                        .orders
                        .update(&current, before.version(), &change)
                        .await
                }
                Some(key) => {
                    let record = IdempotencyRecord {
                        scope: scope.clone(),
                        key: key.clone(),
                        fingerprint,
                        order_id: id,
                        response_body: body.clone(),
                        created_at: now,
                        expires_at: now + self.settings.idempotency_ttl,
                    };
                    self.ports
                        .orders
                        .update_keyed(&current, before.version(), &change, record)
                        .await
                }
            };
            match (written, &key) {
                (Ok(()), _) => {
                    return Ok(KeyedAnswer {
                        body,
                        order: Some(current),
                        replayed: false,
                    })
                }
                (Err(RepositoryError::VersionConflict), _) => continue,
                // The same key landed first (a parallel retry): answer as it was answered.
                (Err(RepositoryError::DuplicateIdempotencyKey), Some(key)) => {
                    let request = IdempotentRequest {
                        scope,
                        key: key.clone(),
                    };
                    return self.replay_or_in_flight(&request, fingerprint, now).await;
                }
                (Err(error), _) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict)
    }
}

/// Keys of a kind of change live in the caller's key space, per order: the same key on another order is
/// another request, and never collides with a create's key or another kind's.
pub(crate) fn keyed_scope(caller: &Caller, kind: &str, order: OrderId) -> IdempotencyScope {
    IdempotencyScope::principal(format!(
        "{}|{kind}|{order}",
        caller.idempotency_scope().as_str()
    ))
}

impl Replayed for KeyedAnswer {
    fn from_record(record: IdempotencyRecord) -> Self {
        KeyedAnswer {
            body: record.response_body,
            order: None,
            replayed: true,
        }
    }
}
