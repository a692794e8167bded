use std::sync::Arc;

use order_domain::{Order, OrderFilter, OrderId, PageRequest};

use crate::policy::{authorize, confine, Action};
use crate::{AppError, Caller, OrderService};

/// One page of a list, newest first; `next` is where the following page starts, if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPage {
    pub orders: Vec<Arc<Order>>,
    pub next: Option<OrderId>,
}

impl OrderService {
    pub async fn get_order(&self, caller: &Caller, id: OrderId) -> Result<Order, AppError> {
        self.find_for(caller, Action::Read, id).await
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
        authorize(caller, Action::List, None)?;
        let filter =
            confine(caller.principal.as_ref(), filter).map_err(|_| AppError::Forbidden {
                action: Action::List,
            })?;
        let listed = self.ports.orders.list(&filter, page).await?;
        let next = match listed.more {
            true => listed.orders.last().map(|order| order.id()),
            false => None,
        };
        Ok(OrderPage {
            orders: listed.orders,
            next,
        })
    }
}

#[cfg(test)]
#[path = "read_orders_tests.rs"]
mod tests;
