use order_domain::{Order, OrderFilter, OrderId, PageRequest};

use crate::{AppError, Caller, OrderService};

/// One page of a list, newest first; `next` is where the following page starts, if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPage {
    pub orders: Vec<Order>,
    pub next: Option<OrderId>,
}

impl OrderService {
    pub async fn get_order(&self, caller: &Caller, id: OrderId) -> Result<Order, AppError> {
        let _ = caller;
        self.find_live(id).await
    }

    /// The live order, as the service itself reads it (no access rule applies).
    pub(crate) async fn find_live(&self, id: OrderId) -> Result<Order, AppError> {
        self.ports.orders.find(id).await?.ok_or(AppError::NotFound)
    }

    pub async fn list_orders(
        &self,
        caller: &Caller,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<OrderPage, AppError> {
        let _ = caller;
        let mut orders = self.ports.orders.list(filter, page).await?;
        let limit = page.limit.get();
        let next = if orders.len() > limit {
            orders.truncate(limit);
            orders.last().map(Order::id)
        } else {
            None
        };
        Ok(OrderPage { orders, next })
    }
}

#[cfg(test)]
#[path = "read_orders_tests.rs"]
mod tests;
