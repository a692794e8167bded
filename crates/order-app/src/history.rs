use order_domain::{OrderEvent, OrderId, PageLimit};

use crate::{AppError, Caller, OrderService};

/// One page of an order's history, oldest first; `next` is the version the following page starts after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<OrderEvent>,
    pub next: Option<u64>,
}

impl OrderService {
    /// The order's events after version `after`. A deleted order keeps its history.
    pub async fn order_history(
        &self,
        caller: &Caller,
        id: OrderId,
        after: u64,
        limit: PageLimit,
    ) -> Result<EventPage, AppError> {
        let _ = caller;
        if self
            .ports
            .orders
            .find_including_deleted(id)
            .await?
            .is_none()
        {
            return Err(AppError::NotFound);
        }
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
