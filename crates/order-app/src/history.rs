use order_domain::{OrderEvent, OrderId, PageLimit, Role};

use crate::policy::{authorize, Action};
use crate::{AppError, Caller, OrderService};

/// One page of an order's history, oldest first; `next` is the version the following page starts after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<OrderEvent>,
    pub next: Option<u64>,
}

impl OrderService {
    /// The order's events after version `after`, for whoever may read its history. A deleted order keeps its
    /// history, which only admins (and the open mode) may still read.
    pub async fn order_history(
        &self,
        caller: &Caller,
        id: OrderId,
        after: u64,
        limit: PageLimit,
    ) -> Result<EventPage, AppError> {
        let order = self
            .ports
            .orders
            .find_including_deleted(id)
            .await?
            .ok_or(AppError::NotFound)?;
        let admin = caller
            .principal
            .as_ref()
            .is_none_or(|principal| *principal.role() == Role::Admin);
        if order.is_deleted() && !admin {
            return Err(AppError::NotFound);
        }
        authorize(caller, Action::ReadHistory, Some((&order).into()))?;
        let limit = limit.get();
        let mut events = self
            .ports
            .history
            .events_after(id, after, limit + 1)
            .await?;
        let next = if events.len() > limit {
            events.truncate(limit);
            events.last().map(|event| event.order_version.get())
        } else {
            None
        };
        Ok(EventPage { events, next })
    }
}
