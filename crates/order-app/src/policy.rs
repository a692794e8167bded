//! Who may do what: the one authorization table. Every use case asks `decide` before it reads or changes an
//! order for a caller; no adapter checks roles itself.

use std::fmt;

use order_domain::{CustomerId, NewOrder, Order, OrderFilter, OrderId, Principal, Role, StoreId};

use crate::{AppError, Caller, OrderService};

/// Everything a caller can ask of the service, one per use case (and those later routes will add).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Create,
    Read,
    List,
    Pay,
    SetShippingAddress,
    RecordTracking,
    Deliver,
    Cancel,
    Delete,
    ReadHistory,
    ReadShipments,
    RecordShipment,
    ReadRefunds,
    Refund,
    ReadReturns,
    RequestReturn,
    ReceiveReturn,
    ReadMetadata,
    WriteMetadata,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::Create,
        Action::Read,
        Action::List,
        Action::Pay,
        Action::SetShippingAddress,
        Action::RecordTracking,
        Action::Deliver,
        Action::Cancel,
        Action::Delete,
        Action::ReadHistory,
        Action::ReadShipments,
        Action::RecordShipment,
        Action::ReadRefunds,
        Action::Refund,
        Action::ReadReturns,
        Action::RequestReturn,
        Action::ReceiveReturn,
        Action::ReadMetadata,
        Action::WriteMetadata,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Read => "read",
            Action::List => "list",
            Action::Pay => "pay",
            Action::SetShippingAddress => "setShippingAddress",
            Action::RecordTracking => "recordTracking",
            Action::Deliver => "deliver",
            Action::Cancel => "cancel",
            Action::Delete => "delete",
            Action::ReadHistory => "readHistory",
            Action::ReadShipments => "readShipments",
            Action::RecordShipment => "recordShipment",
            Action::ReadRefunds => "readRefunds",
            Action::Refund => "refund",
            Action::ReadReturns => "readReturns",
            Action::RequestReturn => "requestReturn",
            Action::ReceiveReturn => "receiveReturn",
            Action::ReadMetadata => "readMetadata",
            Action::WriteMetadata => "writeMetadata",
        }
    }

    /// Reads change nothing; every other action is a change.
    pub fn is_read(self) -> bool {
        matches!(
            self,
            Action::Read
                | Action::List
                | Action::ReadHistory
                | Action::ReadShipments
                | Action::ReadRefunds
                | Action::ReadReturns
                | Action::ReadMetadata
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer: go ahead; refuse openly (`403`); or act as if the order did not exist (`404`), so that a
/// principal learns nothing about orders outside its reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Forbid,
    Hide,
}

/// Whose an order is: the store that sells it and the customer who buys it.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub store: &'a StoreId,
    pub customer: &'a CustomerId,
}

impl<'a> From<&'a Order> for Owner<'a> {
    fn from(order: &'a Order) -> Self {
        Self {
            store: order.store_id(),
            customer: order.customer_id(),
        }
    }
}

impl<'a> From<&'a NewOrder> for Owner<'a> {
    fn from(order: &'a NewOrder) -> Self {
        Self {
            store: order.store_id(),
            customer: order.customer_id(),
        }
    }
}

/// The table. `owner` is the order acted on (for `Create`, the order asked for; for `List`, none).
/// Without a principal (authentication off, or the service's own work) everything is allowed.
pub fn decide(principal: Option<&Principal>, action: Action, owner: Option<Owner<'_>>) -> Decision {
    use Action::*;
    let Some(principal) = principal else {
        return Decision::Allow;
    };
    let allow_if = |allowed: bool| {
        if allowed {
            Decision::Allow
        } else {
            Decision::Forbid
        }
    };
    match principal.role() {
        Role::Admin => Decision::Allow,
        Role::Operator => allow_if(!matches!(
            action,
            Create | Pay | Delete | RequestReturn | WriteMetadata
        )),
        Role::Store(store) => {
            // A store's own orders only; a create names its store, so a wrong one is refused, not hidden.
            let own = owner.map(|owner| owner.store == store);
            match (action, own) {
                (List, _) => Decision::Allow,
                (Create, Some(true)) => Decision::Allow,
                (Create, _) => Decision::Forbid,
                (_, Some(true)) => allow_if(action != Delete),
                _ => Decision::Hide,
            }
        }
        Role::Customer(customer) => {
            let own = owner.map(|owner| owner.customer == customer);
            match (action, own) {
                (List, _) => Decision::Allow,
                (Create, Some(true)) => Decision::Allow,
                (Create, _) => Decision::Forbid,
                (_, Some(true)) => allow_if(
                    action.is_read()
                        || matches!(action, Pay | SetShippingAddress | Cancel | RequestReturn),
                ),
                _ => Decision::Hide,
            }
        }
    }
}

/// The list a principal may see for `filter`: a store's and a customer's lists are narrowed to their own
/// orders; a filter naming another store or customer is refused (`Forbid`), never answered with their orders.
pub fn confine(
    principal: Option<&Principal>,
    filter: &OrderFilter,
) -> Result<OrderFilter, Decision> {
    let mut confined = filter.clone();
    match principal.map(Principal::role) {
        None | Some(Role::Admin) | Some(Role::Operator) => {}
        Some(Role::Store(store)) => {
            if filter.store_id.as_ref().is_some_and(|asked| asked != store) {
                return Err(Decision::Forbid);
            }
            confined.store_id = Some(store.clone());
        }
        Some(Role::Customer(customer)) => {
            if filter
                .customer_id
                .as_ref()
                .is_some_and(|asked| asked != customer)
            {
                return Err(Decision::Forbid);
            }
            confined.customer_id = Some(customer.clone());
        }
    }
    Ok(confined)
}

/// The table's answer as a use case acts on it: `Hide` is the same `NotFound` a missing order gets.
pub(crate) fn authorize(
    caller: &Caller,
    action: Action,
    owner: Option<Owner<'_>>,
) -> Result<(), AppError> {
    match decide(caller.principal.as_ref(), action, owner) {
        Decision::Allow => Ok(()),
        Decision::Forbid => Err(AppError::Forbidden { action }),
        Decision::Hide => Err(AppError::NotFound),
    }
}

impl OrderService {
    /// The live order, if `caller` may do `action` to it.
    pub(crate) async fn find_for(
        &self,
        caller: &Caller,
        action: Action,
        id: OrderId,
    ) -> Result<Order, AppError> {
        let order = self.find_live(id).await?;
        authorize(caller, action, Some((&order).into()))?;
        Ok(order)
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
