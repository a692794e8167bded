//! Returns of shipped goods: asking for one (under the order's compare-and-swap, idempotent per key),
//! reading one, receiving or rejecting it, and, after commit, the outbox worker's restock of the goods.

use order_domain::{
    IdempotencyKey, Order, OrderId, OrderRefundId, ReturnDraft, ReturnId, ReturnRequest,
    ReturnStatus, VersionCheck,
};

use crate::effects::Failure;
use crate::keyed_change::{keyed_scope, KeyedAnswer, KeyedRequest};
use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

/// The answer to a return request: the body the client gets, the same bytes on every replay.
pub type RequestedReturn = KeyedAnswer;

impl OrderService {
    /// Asks for shipped goods back. The return is part of the order, written under its compare-and-swap:
    /// parallel requests are judged one after the other against the units still returnable, so together
    /// they never return more than was shipped. Keyed like a refund (see `keyed_change`).
    pub async fn request_return(
        &self,
        caller: &Caller,
        id: OrderId,
        draft: ReturnDraft,
        key: Option<IdempotencyKey>,
        render: impl Fn(&Order) -> Vec<u8>,
    ) -> Result<RequestedReturn, AppError> {
        let order = self.find_for(caller, Action::RequestReturn, id).await?;
        let request = ReturnRequest::parse(draft).map_err(AppError::Invalid)?;
        let keyed = KeyedRequest {
            caller,
            action: Action::RequestReturn,
            id,
            scope: keyed_scope(caller, "returns", id),
            key,
            fingerprint: request.fingerprint(id),
        };
        self.keyed_change(
            keyed,
            order,
            |order, now| Ok(order.request_return(request.clone(), ReturnId::generate(), now)?),
            render,
        )
        .await
    }

    /// One return of an order the caller may read. The order's answer (gone, hidden) comes first; `None`
    /// is an id that names no return at all.
    pub async fn get_return(
        &self,
        caller: &Caller,
        id: OrderId,
        returned: Option<ReturnId>,
    ) -> Result<(Order, ReturnId), AppError> {
        let order = self.find_for(caller, Action::ReadReturns, id).await?;
        match returned {
            Some(returned) if order.find_return(returned).is_some() => Ok((order, returned)),
            _ => Err(AppError::ReturnNotFound),
        }
    }

    /// Receives (the goods back, restocked and refunded after commit) or rejects a requested return.
    pub async fn settle_return(
        &self,
        caller: &Caller,
        id: OrderId,
        returned: ReturnId,
        outcome: ReturnStatus,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        self.change_order(caller, Action::ReceiveReturn, id, &check, |order, now| {
            match outcome {
                ReturnStatus::Received => order
                    .receive_return(returned, OrderRefundId::generate(), now)
                    .map(drop)?,
                ReturnStatus::Rejected => order.reject_return(returned, now)?,
                ReturnStatus::Requested => {
                    return Err(AppError::Unexpected(
                        "a return is settled as received or rejected".into(),
                    ))
                }
            }
            Ok(())
        })
        .await
    }

    /// The outbox worker's restock of a received return's goods, under the return's own key: a retry is
    /// restocked once.
    pub(crate) async fn run_restock(&self, id: OrderId, returned: ReturnId) -> Result<(), Failure> {
        let order = self
            .ports
            .orders
            .find_including_deleted(id)
            .await?
            .ok_or_else(|| Failure::Refused(format!("order {id} is not stored")))?;
        let found = order
            .find_return(returned)
            .filter(|r| r.status == ReturnStatus::Received)
            .ok_or_else(|| {
                Failure::Refused(format!("order {id} has no received return {returned}"))
            })?;
        Ok(self
            .ports
            .inventory
            .restock(id, returned, &found.items, &returned.restock_key())
            .await?)
    }
}
