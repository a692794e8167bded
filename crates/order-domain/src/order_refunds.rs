//! The order's partial refunds: what of its money is captured, refunded and still refundable, and the
//! changes that ask for a refund and settle it. Part of the aggregate, so every refund is written under the
//! order's compare-and-swap: parallel refunds can never give back more than was captured.

use chrono::{DateTime, Utc};

use super::{Order, OrderError};
use crate::{
    Field, ItemField, Money, OrderRefundId, ProductId, Refund, RefundRequest, RefundStatus,
    Violation,
};

impl Order {
    pub fn refunds(&self) -> &[Refund] {
        &self.0.refunds
    }

    pub fn refund(&self, id: OrderRefundId) -> Option<&Refund> {
        self.0.refunds.iter().find(|refund| refund.id == id)
    }

    /// What the provider has given back (succeeded refunds).
    pub fn refunded_amount(&self) -> Money {
        self.sum_of_refunds(|status| status == RefundStatus::Succeeded)
    }

    /// What may still be refunded: captured, less what was refunded or is being refunded (a failed refund
    /// gives its amount back to this).
    pub fn refundable_amount(&self) -> Money {
        let held = self.sum_of_refunds(|status| status != RefundStatus::Failed);
        self.captured_amount()
            .checked_sub(held)
            .unwrap_or_else(|| Money::zero(self.currency()))
    }

    fn sum_of_refunds(&self, counts: impl Fn(RefundStatus) -> bool) -> Money {
        self.0
            .refunds
            .iter()
            .filter(|refund| counts(refund.status))
            .fold(Money::zero(self.currency()), |sum, refund| {
                // Each refund is at most what was captured, which is an i64 of minor units.
                sum.checked_add(refund.amount).unwrap_or(sum)
            })
    }

    /// Units of `product` ordered and not named by a refund that did not fail: what a refund's items may
    /// still name (a line's units are refunded once, whatever the reason).
    pub fn unrefunded_units(&self, product: &ProductId) -> u32 {
        let ordered: u32 = self
            .0
            .lines
            .iter()
            .filter(|line| &line.product_id == product)
            .map(|line| line.quantity.get())
            .sum();
        let refunded: u32 = self
            .0
            .refunds
            .iter()
            .filter(|refund| refund.status != RefundStatus::Failed)
            .flat_map(|refund| &refund.items)
            .filter(|item| &item.product_id == product)
            .map(|item| item.quantity.get())
            .sum();
        ordered.saturating_sub(refunded)
    }

    /// Asks for a refund of captured money, pending until the provider answers. The amount is at most
    /// what is refundable; the items are lines of the order, and a product's items over every refund that did
    /// not fail add up to at most its ordered quantity.
    pub fn request_refund(
        &mut self,
        request: RefundRequest,
        id: OrderRefundId,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        if self.captured_amount().is_zero() {
            return Err(OrderError::NotCaptured);
        }
        let mut violations = Vec::new();
        let refundable = self.refundable_amount();
        if request.amount.minor_units() > refundable.minor_units() {
            violations.push(Violation::new(
                Field::RefundAmount,
                format!(
                    "must be at most the order's refundableAmount ({})",
                    refundable.to_decimal()
                ),
            ));
        }
        let mut asked: Vec<(&ProductId, u32)> = Vec::new();
        for (index, item) in request.items.iter().enumerate() {
            if !self.0.lines.iter().any(|l| l.product_id == item.product_id) {
                violations.push(Violation::new(
                    Field::Item(index, ItemField::ProductId),
                    format!("`{}` is not a product of this order", item.product_id),
                ));
                continue;
            }
            // Items add up: over this request and every refund that did not fail.
            let so_far = match asked.iter_mut().find(|(p, _)| *p == &item.product_id) {
                Some((_, units)) => {
                    let before = *units;
                    *units += item.quantity.get();
                    before
                }
                None => {
                    asked.push((&item.product_id, item.quantity.get()));
                    0
                }
            };
            let left = self
                .unrefunded_units(&item.product_id)
                .saturating_sub(so_far);
            if item.quantity.get() > left {
                violations.push(Violation::new(
                    Field::Item(index, ItemField::Quantity),
                    format!("must be at most the {left} unit(s) of this product not refunded yet"),
                ));
            }
        }
        if !violations.is_empty() {
            return Err(OrderError::Invalid(violations));
        }
        self.0.refunds.push(Refund {
            id,
            amount: request.amount,
            reason: request.reason,
            items: request.items,
            status: RefundStatus::Pending,
            created_at: at,
            settled_at: None,
        });
        self.touch(at);
        Ok(())
    }

    /// The provider's answer to a pending refund: given back (`Succeeded`) or refused for good (`Failed`,
    /// and its amount is refundable again).
    pub fn settle_refund(
        &mut self,
        id: OrderRefundId,
        outcome: RefundStatus,
        at: DateTime<Utc>,
    ) -> Result<(), OrderError> {
        let refund = self
            .0
            .refunds
            .iter_mut()
            .find(|refund| refund.id == id)
            .filter(|refund| refund.status == RefundStatus::Pending)
            .filter(|_| outcome != RefundStatus::Pending)
            .ok_or(OrderError::RefundNotPending)?;
        refund.status = outcome;
        refund.settled_at = Some(at);
        self.touch(at);
        Ok(())
    }
}
