use chrono::{DateTime, Utc};
use order_domain::ports::RepositoryError;
use order_domain::{Actor, EventContext, Order, OrderId, RecordedChange, VersionCheck};

use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

impl OrderService {
    /// Archives an order (a soft delete): it stays stored for audit and is gone for every client. A pending
    /// order is canceled in the same change and its stock given back; a paid order must be canceled first.
    pub async fn delete_order(
        &self,
        caller: &Caller,
        id: OrderId,
        check: VersionCheck,
    ) -> Result<(), AppError> {
        // The stock of a pending order is given back by the outbox worker: the release is written with the
        // delete (see `RecordedChange`).
        self.change_order(caller, Action::Delete, id, &check, |order, now| {
            Ok(order.delete(now)?)
        })
        .await
        .map(drop)
    }

    /// Read, check that the caller may do `action` to the order, apply a domain change, compare-and-swap on the
    /// version. A lost race is retried from a fresh read, never overwritten; a caller's `If-Match` is checked
    /// against each fresh read.
    pub(crate) async fn change_order(
        &self,
        caller: &Caller,
        action: Action,
        id: OrderId,
        check: &VersionCheck,
        apply: impl Fn(&mut Order, DateTime<Utc>) -> Result<(), AppError>,
    ) -> Result<Order, AppError> {
        for _ in 0..self.settings.max_write_attempts {
            let mut order = self.find_for(caller, action, id).await?;
            let expected = order.version();
            check.ensure(expected)?;
            let before = order.clone();
            apply(&mut order, self.ports.clock.now())?;
            if order == before {
                // A change that changes nothing (a repeated PUT) writes nothing and tells of nothing.
                return Ok(order);
            }
            let change = self.record(Some(&before), &order, caller, None)?;
            match self.ports.orders.update(&order, expected, &change).await {
                Ok(()) => return Ok(order),
                Err(RepositoryError::VersionConflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict)
    }

    /// The event and effects of a change, as the domain decides them, with who asked and why; without the
    /// publication when publication is off.
    pub(crate) fn record(
        &self,
        before: Option<&Order>,
        after: &Order,
        caller: &Caller,
        idempotency_key: Option<&str>,
    ) -> Result<RecordedChange, AppError> {
        let context = EventContext {
            actor: caller.principal.as_ref().map(Actor::of),
            request_id: caller.request_id.clone(),
            idempotency_key: idempotency_key.map(str::to_owned),
        };
        let change = RecordedChange::of(before, after, context)
            .ok_or_else(|| AppError::Unexpected("a change to an order that is no event".into()))?;
        Ok(match self.ports.publisher {
            Some(_) => change,
            None => change.without_publication(),
        })
    }
}

#[cfg(test)]
#[path = "write_order_tests.rs"]
mod tests;
