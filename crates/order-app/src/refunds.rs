//! Partial refunds: asking for one (under the order's compare-and-swap, idempotent per key) and, after
//! commit, the outbox worker's call to the payment provider and its settling on the order.

use order_domain::ports::{PaymentError, RepositoryError};
use order_domain::{
    IdempotencyKey, Order, OrderId, OrderRefundId, ProviderKey, RefundDraft, RefundRequest,
    RefundStatus,
};

use crate::keyed_change::{keyed_scope, KeyedAnswer, KeyedRequest};
use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

/// The answer to a refund request: the body the client gets, the same bytes on every replay.
pub type RequestedRefund = KeyedAnswer;

/// What the outbox worker does about one partial refund's provider call.
pub(crate) enum RefundCall {
    /// Already settled (a retry after the bookkeeping): nothing to do.
    Settled,
    /// Ask the provider, then settle.
    Due {
        key: ProviderKey,
        authorization: order_domain::AuthorizationId,
        amount: order_domain::Money,
        reason: String,
    },
}

impl OrderService {
    /// Asks for a refund of captured money. The refund is part of the order, written under its
    /// compare-and-swap: parallel refunds are judged one after the other, against what is still refundable,
    /// so together they never give back more than was captured. With an idempotency key the answer is kept
    /// with the change, in the same transaction, and a retry gets it again (another body: `IdempotencyKeyReused`).
    pub async fn request_refund(
        &self,
        caller: &Caller,
        id: OrderId,
        draft: RefundDraft,
        key: Option<IdempotencyKey>,
        render: impl Fn(&Order) -> Vec<u8>,
    ) -> Result<RequestedRefund, AppError> {
        let order = self.find_for(caller, Action::Refund, id).await?;
        let request = RefundRequest::parse(draft, order.currency()).map_err(AppError::Invalid)?;
        let keyed = KeyedRequest {
            caller,
            action: Action::Refund,
            id,
            scope: keyed_scope(caller, "refunds", id),
            key,
            fingerprint: request.fingerprint(id),
        };
        self.keyed_change(
            keyed,
            order,
            |order, now| {
                Ok(order.request_refund(request.clone(), OrderRefundId::generate(), now)?)
            },
            render,
        )
        .await
    }

    /// The provider call a partial refund still needs, read from the order (deleted or not).
    pub(crate) async fn refund_call(
        &self,
        id: OrderId,
        refund: OrderRefundId,
    ) -> Result<RefundCall, AppError> {
        let order = self
            .ports
            .orders
            .find_including_deleted(id)
            .await?
            .ok_or(AppError::NotFound)?;
        let Some(found) = order.refund(refund) else {
            return Err(AppError::Unexpected(
                format!("refund {refund} is not on order {id}").into(),
            ));
        };
        if found.status != RefundStatus::Pending {
            return Ok(RefundCall::Settled);
        }
        let authorization = order
            .payment()
            .and_then(|payment| payment.authorization_id.clone())
            .ok_or_else(|| {
                AppError::Unexpected(format!("order {id} has no authorization to refund").into())
            })?;
        Ok(RefundCall::Due {
            key: ProviderKey::partial_refund(id, refund),
            authorization,
            amount: found.amount,
            reason: found.reason.as_str().to_owned(),
        })
    }

    /// Records the provider's answer on the refund: `Succeeded`, or `Failed` when it refused for good
    /// (its amount is refundable again). A refund settled already is left alone.
    pub(crate) async fn settle_refund(
        &self,
        id: OrderId,
        refund: OrderRefundId,
        outcome: RefundStatus,
    ) -> Result<(), AppError> {
        for _ in 0..self.settings.max_write_attempts {
            let Some(mut order) = self.ports.orders.find_including_deleted(id).await? else {
                return Err(AppError::NotFound);
            };
            if order
                .refund(refund)
                .is_some_and(|r| r.status != RefundStatus::Pending)
            {
                return Ok(());
            }
            let before = order.clone();
            order.settle_refund(refund, outcome, self.ports.clock.now())?;
            let change = self.record(Some(&before), &order, &Caller::anonymous(), None)?;
            match self
                .ports
                .orders
                .update(&order, before.version(), &change)
                .await
            {
                Ok(()) => return Ok(()),
                Err(RepositoryError::VersionConflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict)
    }
}

/// What the worker makes of the provider's refusal: a decline or a conflict is final, anything else is the
/// provider being unreachable or confused, and worth a retry.
pub(crate) fn is_final_refusal(error: &PaymentError) -> bool {
    matches!(error, PaymentError::Declined(_) | PaymentError::Conflict(_))
}
