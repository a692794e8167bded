use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::order::{OrderLine, Totals};
use crate::Quantity;
use crate::{
    AmountError, Currency, CustomerId, Field, Fingerprint, ItemField, Metadata, Money, Note,
    ProductId, StoreId, Violation,
};

/// A create-order request as it arrived: anything may be missing or wrong. Numbers are their exact text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderDraft {
    pub store_id: Option<String>,
    pub customer_id: Option<String>,
    pub currency: Option<String>,
    pub items: Option<Vec<ItemDraft>>,
    pub items_total: Option<String>,
    pub shipping_cost: Option<String>,
    pub tax_amount: Option<String>,
    pub total_amount: Option<String>,
    pub note: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemDraft {
    pub product_id: Option<String>,
    pub quantity: Option<String>,
    pub price: Option<String>,
}

/// A create-order request that keeps every rule: valid ids, 1..=100 lines, exact amounts that add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    store_id: StoreId,
    customer_id: CustomerId,
    lines: Vec<OrderLine>,
    totals: Totals,
    note: Option<Note>,
    metadata: Metadata,
}

const REQUIRED: &str = "is required";

impl NewOrder {
    pub const MAX_ITEMS: usize = 100;

    /// Checks every field and names every one that is wrong, not just the first.
    pub fn parse(draft: OrderDraft) -> Result<NewOrder, Vec<Violation>> {
        let mut violations = Violations::default();

        let store_id = violations.check(
            Field::StoreId,
            required(draft.store_id).and_then(|s| StoreId::parse(s).map_err(|e| e.to_string())),
        );
        let customer_id = violations.check(
            Field::CustomerId,
            required(draft.customer_id)
                .and_then(|s| CustomerId::parse(s).map_err(|e| e.to_string())),
        );
        let currency = match draft.currency {
            None => Some(Currency::USD),
            Some(code) => violations.check(
                Field::Currency,
                Currency::parse(&code).ok_or_else(|| {
                    format!("`{code}` is not an ISO 4217 currency code with minor units")
                }),
            ),
        };
        // Without a currency no amount can be judged; the currency's own violation says why.
        let amount = |text: Option<String>| -> Option<Result<Money, String>> {
            let currency = currency?;
            Some(required(text).and_then(|t| Money::parse(&t, currency).map_err(describe)))
        };
        let items_total =
            amount(draft.items_total).and_then(|r| violations.check(Field::ItemsTotal, r));
        let shipping_cost =
            amount(draft.shipping_cost).and_then(|r| violations.check(Field::ShippingCost, r));
        let tax_amount =
            amount(draft.tax_amount).and_then(|r| violations.check(Field::TaxAmount, r));
        let total_amount =
            amount(draft.total_amount).and_then(|r| violations.check(Field::TotalAmount, r));

        let items = violations.check(
            Field::Items,
            required(draft.items).and_then(|items| match items.len() {
                0 => Err("must have at least one item".to_owned()),
                n if n > Self::MAX_ITEMS => {
                    Err(format!("must have at most {} items", Self::MAX_ITEMS))
                }
                _ => Ok(items),
            }),
        );
        let mut lines = items.as_ref().map(|items| Vec::with_capacity(items.len()));
        for (index, item) in items.into_iter().flatten().enumerate() {
            let field = |f| Field::Item(index, f);
            let product_id = violations.check(
                field(ItemField::ProductId),
                required(item.product_id)
                    .and_then(|s| ProductId::parse(s).map_err(|e| e.to_string())),
            );
            let quantity = violations.check(
                field(ItemField::Quantity),
                required(item.quantity)
                    .and_then(|t| Quantity::parse(&t).map_err(|e| e.to_string())),
            );
            let unit_price =
                amount(item.price).and_then(|r| violations.check(field(ItemField::Price), r));
            lines = match (lines, product_id, quantity, unit_price) {
                (Some(mut lines), Some(product_id), Some(quantity), Some(unit_price)) => {
                    lines.push(OrderLine {
                        product_id,
                        quantity,
                        unit_price,
                    });
                    Some(lines)
                }
                _ => None,
            };
        }

        // The sums are only judged when every part of them is readable.
        if let (Some(lines), Some(items_total)) = (&lines, items_total) {
            match sum_of_lines(lines, items_total.currency()) {
                Some(expected) if expected == items_total => {}
                Some(expected) => violations.add(
                    Field::ItemsTotal,
                    format!(
                        "must equal the sum of quantity × price over the items ({})",
                        expected.to_decimal()
                    ),
                ),
                None => violations.add(Field::ItemsTotal, AmountError::TooLarge),
            }
        }
        if let (Some(items_total), Some(shipping), Some(tax), Some(total)) =
            (items_total, shipping_cost, tax_amount, total_amount)
        {
            match items_total
                .checked_add(shipping)
                .and_then(|sum| sum.checked_add(tax))
            {
                Some(expected) if expected == total => {}
                Some(expected) => violations.add(
                    Field::TotalAmount,
                    format!(
                        "must equal itemsTotal + shippingCost + taxAmount ({})",
                        expected.to_decimal()
                    ),
                ),
                None => violations.add(Field::TotalAmount, AmountError::TooLarge),
            }
        }

        let note = draft
            .note
            .and_then(|raw| Note::parse(raw).map_err(|v| violations.0.push(v)).ok());
        let metadata = Metadata::parse(draft.metadata.unwrap_or_default())
            .map_err(|v| violations.0.extend(v))
            .ok();

        match (
            store_id,
            customer_id,
            lines,
            items_total,
            shipping_cost,
            tax_amount,
            total_amount,
        ) {
            (
                Some(store_id),
                Some(customer_id),
                Some(lines),
                Some(items_total),
                Some(shipping_cost),
                Some(tax_amount),
                Some(total_amount),
            ) if violations.0.is_empty() => Ok(NewOrder {
                store_id,
                customer_id,
                note,
                metadata: metadata.unwrap_or_default(),
                lines,
                totals: Totals {
                    items_total,
                    shipping_cost,
                    tax_amount,
                    total_amount,
                },
            }),
            _ => Err(violations.0),
        }
    }

    pub fn store_id(&self) -> &StoreId {
        &self.store_id
    }

    pub fn customer_id(&self) -> &CustomerId {
        &self.customer_id
    }

    pub fn lines(&self) -> &[OrderLine] {
        &self.lines
    }

    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// What identifies "the same request" for idempotent retries: the parsed content, so `25.5` and `25.50`
    /// or a different field order are the same request.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut hash = Sha256::new();
        let mut text = |s: &str| {
            hash.update((s.len() as u64).to_le_bytes());
            hash.update(s.as_bytes());
        };
        text(self.store_id.as_str());
        text(self.customer_id.as_str());
        text(self.totals.total_amount.currency().code());
        for line in &self.lines {
            text(line.product_id.as_str());
        }
        for line in &self.lines {
            hash.update(line.quantity.get().to_le_bytes());
            hash.update(line.unit_price.minor_units().to_le_bytes());
        }
        let t = &self.totals;
        for amount in [t.items_total, t.shipping_cost, t.tax_amount, t.total_amount] {
            hash.update(amount.minor_units().to_le_bytes());
        }
        // Present or not, then the text: no note and an empty note differ.
        match &self.note {
            None => hash.update([0]),
            Some(note) => {
                hash.update([1]);
                text_hash(&mut hash, note.as_str());
            }
        }
        hash.update((self.metadata.entries().len() as u64).to_le_bytes());
        for (key, value) in self.metadata.entries() {
            text_hash(&mut hash, key);
            text_hash(&mut hash, value);
        }
        Fingerprint::from_bytes(hash.finalize().into())
    }

    pub fn note(&self) -> Option<&Note> {
        self.note.as_ref()
    }

    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    pub(crate) fn into_parts(self) -> NewOrderParts {
        NewOrderParts {
            store_id: self.store_id,
            customer_id: self.customer_id,
            lines: self.lines,
            totals: self.totals,
            note: self.note,
            metadata: self.metadata,
        }
    }
}

pub(crate) struct NewOrderParts {
    pub store_id: StoreId,
    pub customer_id: CustomerId,
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    pub note: Option<Note>,
    pub metadata: Metadata,
}

fn text_hash(hash: &mut Sha256, s: &str) {
    hash.update((s.len() as u64).to_le_bytes());
    hash.update(s.as_bytes());
}

#[derive(Default)]
struct Violations(Vec<Violation>);

impl Violations {
    fn check<T>(&mut self, field: Field, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.add(field, message)).ok()
    }

    fn add(&mut self, field: Field, message: impl std::fmt::Display) {
        self.0.push(Violation::new(field, message));
    }
}

fn required<T>(value: Option<T>) -> Result<T, String> {
    value.ok_or_else(|| REQUIRED.to_owned())
}

fn describe(error: AmountError) -> String {
    error.to_string()
}

fn sum_of_lines(lines: &[OrderLine], currency: Currency) -> Option<Money> {
    lines.iter().try_fold(Money::zero(currency), |sum, line| {
        sum.checked_add(line.unit_price.checked_mul(line.quantity.get())?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(product: &str, quantity: &str, price: &str) -> ItemDraft {
        ItemDraft {
            product_id: Some(product.into()),
            quantity: Some(quantity.into()),
            price: Some(price.into()),
        }
    }

    fn draft() -> OrderDraft {
        OrderDraft {
            store_id: Some("store-1".into()),
            customer_id: Some("customer-1".into()),
            currency: None,
            items: Some(vec![item("p-1", "2", "25.00"), item("p-2", "2", "50")]),
            items_total: Some("150".into()),
            shipping_cost: Some("10.00".into()),
            tax_amount: Some("5".into()),
            total_amount: Some("165.00".into()),
            note: None,
            metadata: None,
        }
    }

    fn fields(result: Result<NewOrder, Vec<Violation>>) -> Vec<Field> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect()
    }

    #[test]
    fn a_consistent_draft_becomes_a_new_order_in_usd() {
        let order = NewOrder::parse(draft()).expect("valid");
        assert_eq!(order.store_id().as_str(), "store-1");
        assert_eq!(order.lines().len(), 2);
        assert_eq!(order.lines()[1].unit_price.minor_units(), 5000);
        assert_eq!(order.totals().total_amount.minor_units(), 16500);
        assert_eq!(order.totals().total_amount.currency(), Currency::USD);
    }

    #[test]
    fn the_seed_readme_example_is_rejected_naming_items_total() {
        // 2 × 25 + 2 × 50 is 150, but the seed's example claimed 100.
        let mut seed = draft();
        seed.items_total = Some("100".into());
        seed.total_amount = Some("115".into());
        let violations = NewOrder::parse(seed).expect_err("inconsistent");
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].field, Field::ItemsTotal);
        assert!(
            violations[0].message.contains("150.00"),
            "{}",
            violations[0].message
        );
    }

    #[test]
    fn total_amount_must_be_the_sum_of_its_parts() {
        let mut wrong = draft();
        wrong.total_amount = Some("160".into());
        assert_eq!(fields(NewOrder::parse(wrong)), vec![Field::TotalAmount]);
    }

    #[test]
    fn every_bad_field_is_named_not_just_the_first() {
        let bad = OrderDraft {
            store_id: Some("".into()),
            customer_id: None,
            currency: None,
            items: Some(vec![
                item("p-1", "1", "1.00"),
                ItemDraft {
                    product_id: None,
                    quantity: Some("1.5".into()),
                    price: Some("25.005".into()),
                },
            ]),
            items_total: Some("-1".into()),
            shipping_cost: None,
            tax_amount: Some("0".into()),
            total_amount: Some("1".into()),
            note: Some("n".repeat(1001)),
            metadata: None,
        };
        assert_eq!(
            fields(NewOrder::parse(bad)),
            vec![
                Field::StoreId,
                Field::CustomerId,
                Field::ItemsTotal,
                Field::ShippingCost,
                Field::Item(1, ItemField::ProductId),
                Field::Item(1, ItemField::Quantity),
                Field::Item(1, ItemField::Price),
                Field::Note,
            ]
        );
    }

    #[test]
    fn items_must_number_one_to_a_hundred() {
        let mut none = draft();
        none.items = Some(vec![]);
        assert!(fields(NewOrder::parse(none)).contains(&Field::Items));
        let mut missing = draft();
        missing.items = None;
        assert!(fields(NewOrder::parse(missing)).contains(&Field::Items));

        let mut many = draft();
        many.items = Some(vec![item("p", "1", "1"); 101]);
        many.items_total = Some("101".into());
        many.total_amount = Some("116".into());
        assert_eq!(fields(NewOrder::parse(many)), vec![Field::Items]);

        let mut hundred = draft();
        hundred.items = Some(vec![item("p", "1", "1"); 100]);
        hundred.items_total = Some("100".into());
        hundred.total_amount = Some("115".into());
        assert!(NewOrder::parse(hundred).is_ok());
    }

    #[test]
    fn the_currency_decides_the_allowed_decimals() {
        let mut yen = draft();
        yen.currency = Some("JPY".into());
        assert!(
            NewOrder::parse(yen.clone()).is_ok(),
            "25.00 is 25 yen: only non-zero decimals count"
        );
        yen.shipping_cost = Some("10.50".into());
        assert_eq!(fields(NewOrder::parse(yen)), vec![Field::ShippingCost]);
    }

    #[test]
    fn an_unknown_currency_is_named_and_amounts_are_not_judged_without_one() {
        let mut unknown = draft();
        unknown.currency = Some("usd".into());
        assert_eq!(fields(NewOrder::parse(unknown)), vec![Field::Currency]);
    }

    #[test]
    fn the_fingerprint_follows_meaning_not_spelling() {
        let a = NewOrder::parse(draft()).expect("valid");
        let mut respelled = draft();
        respelled.items_total = Some("150.00".into());
        respelled.tax_amount = Some("5.0".into());
        let b = NewOrder::parse(respelled).expect("valid");
        assert_eq!(a.fingerprint(), b.fingerprint());

        let mut other = draft();
        other.customer_id = Some("customer-2".into());
        let c = NewOrder::parse(other).expect("valid");
        assert_ne!(a.fingerprint(), c.fingerprint());

        let mut other_quantity = draft();
        other_quantity.items = Some(vec![item("p-1", "4", "25.00"), item("p-2", "1", "50")]);
        let d = NewOrder::parse(other_quantity).expect("valid");
        assert_ne!(a.fingerprint(), d.fingerprint());

        let mut noted = draft();
        noted.note = Some(String::new());
        let e = NewOrder::parse(noted).expect("valid");
        assert_ne!(a.fingerprint(), e.fingerprint(), "an empty note is a note");

        let mut tagged = draft();
        tagged.metadata = Some([("k".to_owned(), "v".to_owned())].into());
        let f = NewOrder::parse(tagged.clone()).expect("valid");
        assert_ne!(a.fingerprint(), f.fingerprint());
        tagged.metadata = Some([("k".to_owned(), "w".to_owned())].into());
        let g = NewOrder::parse(tagged).expect("valid");
        assert_ne!(f.fingerprint(), g.fingerprint());
    }
}
