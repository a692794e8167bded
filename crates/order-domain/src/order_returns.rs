//! The order's returns: how many shipped units of a product may still come back, asking for a return,
//! receiving it (the goods back, and an automatic refund of their price) and rejecting it. Part of the
//! aggregate, so every return is written under the order's compare-and-swap: parallel requests can never
//! return more than was shipped.

use chrono::{DateTime, Utc};

use super::{Order, OrderError};
use crate::{
    Field, ItemField, Money, OrderAction, OrderRefundId, ProductId, Quantity, Refund, RefundItem,
    RefundReason, RefundStatus, Return, ReturnId, ReturnItem, ReturnRequest, ReturnStatus,
    Violation,
};

impl Order {
    pub fn returns(&self) -> &[Return] {
        &self.0.returns
    }

    /// Whether a return was asked for and is neither received nor rejected yet.
    pub(crate) fn awaits_a_return(&self) -> bool {
        self.returns()
            .iter()
            .any(|found| found.status == ReturnStatus::Requested)
    }

    pub fn find_return(&self, id: ReturnId) -> Option<&Return> {
        self.0.returns.iter().find(|r| r.id == id)
    }

    /// Units of `product` shipped and neither received back nor held by an open (requested) return.
    pub fn returnable(&self, product: &ProductId) -> u32 {
        let shipped: u32 = self
            .0
            .shipments
            .iter()
            .map(|s| s.quantity_of(product))
            .sum();
        let held: u32 = self
            .0
            .returns
            .iter()
            .filter(|r| r.status != ReturnStatus::Rejected)
            .map(|r| r.quantity_of(product))
            .sum();
        shipped.saturating_sub(held)
    }

    /// Units of `product` received back, over every received return.
    pub(crate) fn returned(&self, product: &ProductId) -> u32 {
        self.0
            .returns
            .iter()
            .filter(|r| r.status == ReturnStatus::Received)
            .map(|r| r.quantity_of(product))
            .sum()
    }

    /// Asks for a return of shipped goods. An order with nothing shipped refuses (`NotAllowed`); each item
    /// names a product of the order and at most its units shipped and not returned or requested already.
    pub fn request_return(
        &mut self,
        request: ReturnRequest,
        id: ReturnId,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        self.ensure_allowed(OrderAction::RequestReturn)?;
        let mut violations = Vec::new();
        for (index, item) in request.items.iter().enumerate() {
            if !self.0.lines.iter().any(|l| l.product_id == item.product_id) {
                violations.push(Violation::new(
                    Field::Item(index, ItemField::ProductId),
                    format!("`{}` is not a product of this order", item.product_id),
                ));
                continue;
            }
            let left = self.returnable(&item.product_id);
            if item.quantity.get() > left {
                violations.push(Violation::new(
                    Field::Item(index, ItemField::Quantity),
                    format!(
                        "must be at most the {left} unit(s) of this product shipped and not returned \
                         or asked back already"
                    ),
                ));
            }
        }
        if !violations.is_empty() {
            return Err(OrderError::Invalid(violations));
        }
        self.0.returns.push(Return {
            id,
            items: request.items,
            reason: request.reason,
            status: ReturnStatus::Requested,
            requested_at: at,
            received_at: None,
            rejected_at: None,
            refund: None,
        });
        self.touch(at);
        Ok(())
    }

    /// The goods of a requested return are back: the lines' returned quantities grow, and in the same change
    /// a refund (`refund`, pending) of their price is asked for, with the reason `return <id>`. The refund
    /// covers each unit not refunded already (a line's units are refunded once, whatever the reason), and
    /// at most what is refundable; there is none when that comes to nothing. Returns the refund's id if any.
    pub fn receive_return(
        &mut self,
        id: ReturnId,
        refund: OrderRefundId,
        at: DateTime<Utc>,
    ) -> Result<Option<OrderRefundId>, OrderError> {
        // An unknown return is unknown whatever the order's status.
        let items = self.requested_return(id)?.items.clone();
        self.ensure_allowed(OrderAction::SettleReturn)?;
        let (amount, refund_items) = self.price_of_return(&items);
        let amount = self.capped_at_refundable(amount);
        let reason = RefundReason::parse(format!("return {id}"))
            .map_err(|e| OrderError::Invalid(vec![Violation::new(Field::Reason, e)]))?;
        let refund = (!amount.is_zero() && !refund_items.is_empty()).then_some(Refund {
            id: refund,
            amount,
            reason,
            items: refund_items,
            status: RefundStatus::Pending,
            created_at: at,
            settled_at: None,
        });
        let refund_id = refund.as_ref().map(|r| r.id);
        let found = self.return_mut(id)?;
        found.status = ReturnStatus::Received;
        found.received_at = Some(at);
        found.refund = refund_id;
        self.0.refunds.extend(refund);
        self.touch(at);
        Ok(refund_id)
    }

    /// Closes a requested return without the goods: no refund, and its units may be asked back again.
    pub fn reject_return(&mut self, id: ReturnId, at: DateTime<Utc>) -> Result<(), OrderError> {
        self.requested_return(id)?;
        self.ensure_allowed(OrderAction::SettleReturn)?;
        let found = self.return_mut(id)?;
        found.status = ReturnStatus::Rejected;
        found.rejected_at = Some(at);
        self.touch(at);
        Ok(())
    }

    fn requested_return(&self, id: ReturnId) -> Result<&Return, OrderError> {
        let found = self.find_return(id).ok_or(OrderError::UnknownReturn)?;
        match found.status {
            ReturnStatus::Requested => Ok(found),
            status => Err(OrderError::ReturnNotRequested(status)),
        }
    }

    fn return_mut(&mut self, id: ReturnId) -> Result<&mut Return, OrderError> {
        self.0
            .returns
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or(OrderError::UnknownReturn)
    }

    /// The price of returned items, counting only units not refunded yet; and those units as refund items.
    fn price_of_return(&self, items: &[ReturnItem]) -> (Money, Vec<RefundItem>) {
        let mut amount = Money::zero(self.currency());
        let mut refunded = Vec::new();
        for item in items {
            let unrefunded = self.unrefunded_units(&item.product_id);
            let units = item.quantity.get().min(unrefunded);
            let Ok(quantity) = Quantity::try_from(i128::from(units)) else {
                continue;
            };
            let price = self.price_of_units(&item.product_id, unrefunded, units);
            if let Some(sum) = amount.checked_add(price) {
                amount = sum;
            }
            refunded.push(RefundItem {
                product_id: item.product_id.clone(),
                quantity,
            });
        }
        (amount, refunded)
    }

    /// The price of the next `units` of `product` to be refunded, of which `unrefunded` are left. As its shipped
    /// and returned units do (`line_progress`), a product's refunded units fill its lines in order, each unit
    /// at its own line's unit price: when a product is on lines at different prices, every unit of it refunded
    /// in the end gives back what its line cost.
    fn price_of_units(&self, product: &ProductId, unrefunded: u32, units: u32) -> Money {
        let lines = self.0.lines.iter().filter(|l| &l.product_id == product);
        let ordered: u32 = lines.clone().map(|l| l.quantity.get()).sum();
        let (mut skip, mut left) = (ordered.saturating_sub(unrefunded), units);
        let mut price = Money::zero(self.currency());
        for line in lines {
            let here = line.quantity.get().saturating_sub(skip).min(left);
            skip = skip.saturating_sub(line.quantity.get());
            left -= here;
            // Lines' prices times their units fit in an i64 (the order's items total does).
            if let Some(sum) = line
                .unit_price
                .checked_mul(here)
                .and_then(|cost| price.checked_add(cost))
            {
                price = sum;
            }
        }
        price
    }

    fn capped_at_refundable(&self, amount: Money) -> Money {
        let refundable = self.refundable_amount();
        if amount.minor_units() > refundable.minor_units() {
            refundable
        } else {
            amount
        }
    }
}
