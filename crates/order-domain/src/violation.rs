use std::fmt;

/// A field of a request to the domain, named so an adapter can point at it in its own wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    StoreId,
    CustomerId,
    Currency,
    Items,
    Item(usize, ItemField),
    ItemsTotal,
    ShippingCost,
    TaxAmount,
    TotalAmount,
    IdempotencyKey,
    PaymentMethod,
    PaymentAmount,
    PaymentReference,
    /// The shipping address as a whole (missing).
    ShippingAddress,
    Address(AddressField),
    Carrier,
    TrackingNumber,
    Status,
    Note,
    /// The metadata; a bad entry's message names its key.
    Metadata,
    /// A refund's amount.
    RefundAmount,
    /// Why a refund (or a return) is asked for.
    Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressField {
    Name,
    Line1,
    Line2,
    City,
    State,
    PostalCode,
    Country,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemField {
    ProductId,
    Quantity,
    Price,
}

/// One broken rule on one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: Field,
    pub message: String,
}

impl Violation {
    pub fn new(field: Field, message: impl fmt::Display) -> Self {
        Self {
            field,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.field, self.message)
    }
}
