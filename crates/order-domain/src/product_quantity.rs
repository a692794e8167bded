//! So many units of one product: an item of a shipment, a refund or a return, and how one is read from a
//! request. Each of those requests keeps its own rules on its list of items (how many, each product once).

use crate::{Field, ItemField, ProductId, Quantity, Violation};

/// So many units of one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductQuantity {
    pub product_id: ProductId,
    pub quantity: Quantity,
}

/// One requested item as it arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductQuantityDraft {
    pub product_id: Option<String>,
    /// A JSON number's text.
    pub quantity: Option<String>,
}

const REQUIRED: &str = "is required";

impl ProductQuantity {
    /// The item at `index` of a request's items, each bad field named (`Field::Item(index, ..)`).
    pub fn parse_at(index: usize, draft: ProductQuantityDraft) -> Result<Self, Vec<Violation>> {
        let product_id = match draft.product_id.map(ProductId::parse) {
            None => Err(REQUIRED.to_owned()),
            Some(parsed) => parsed.map_err(|e| e.to_string()),
        }
        .map_err(|e| Violation::new(Field::Item(index, ItemField::ProductId), e));
        let quantity = match draft.quantity.as_deref().map(Quantity::parse) {
            None => Err(REQUIRED.to_owned()),
            Some(parsed) => parsed.map_err(|e| e.to_string()),
        }
        .map_err(|e| Violation::new(Field::Item(index, ItemField::Quantity), e));
        match (product_id, quantity) {
            (Ok(product_id), Ok(quantity)) => Ok(Self {
                product_id,
                quantity,
            }),
            (product_id, quantity) => {
                Err(product_id.err().into_iter().chain(quantity.err()).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(product: Option<&str>, quantity: Option<&str>) -> ProductQuantityDraft {
        ProductQuantityDraft {
            product_id: product.map(str::to_owned),
            quantity: quantity.map(str::to_owned),
        }
    }

    fn fields(violations: Vec<Violation>) -> Vec<Field> {
        violations.into_iter().map(|v| v.field).collect()
    }

    #[test]
    fn an_item_is_a_product_id_and_a_positive_quantity() {
        let item = ProductQuantity::parse_at(0, draft(Some("p-1"), Some("2")));
        assert_eq!(
            item.ok()
                .map(|i| (i.product_id.to_string(), i.quantity.get())),
            Some(("p-1".to_owned(), 2))
        );
    }

    #[test]
    fn every_bad_field_of_an_item_is_named_at_its_position() {
        let both = ProductQuantity::parse_at(3, draft(None, Some("0")));
        assert_eq!(
            both.err().map(fields),
            Some(vec![
                Field::Item(3, ItemField::ProductId),
                Field::Item(3, ItemField::Quantity)
            ])
        );
        let quantity = ProductQuantity::parse_at(1, draft(Some("p-1"), None));
        assert_eq!(
            quantity.err().map(fields),
            Some(vec![Field::Item(1, ItemField::Quantity)])
        );
    }
}
