//! Schemas the derives cannot see: JSON numbers read from their exact text, caller-chosen text, and the
//! enumerations whose members live in the domain (so the document lists exactly what the code accepts).

use order_domain::{
    IdempotencyKey, OrderAction, OrderStatus, PaymentRequest, Quantity, ShippingAddress, StoreId,
    Tracking,
};
use serde_json::json;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;

/// Text the domain's one identifier rule accepts (`check_identifier`): no control characters (Unicode `Cc`),
/// and at least one character that is not white space.
pub(crate) const IDENTIFIER_PATTERN: &str = concat!(
    r"^[^\u0000-\u001F\u007F-\u009F]*",
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]",
    r"[^\u0000-\u001F\u007F-\u009F]*$"
);

/// The same rule for a header value, which HTTP keeps to visible ASCII and spaces.
pub(crate) const HEADER_TOKEN_PATTERN: &str = r"^[ -~]*[!-~][ -~]*$";

fn text(max: usize, nullable: bool, description: &str, example: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(if nullable {
            SchemaType::from_iter([Type::String, Type::Null])
        } else {
            SchemaType::new(Type::String)
        })
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(IDENTIFIER_PATTERN))
        .description(Some(description))
        .examples([json!(example)])
        .build()
        .into()
}

macro_rules! text_schema {
    ($(#[$doc:meta])* $name:ident, $max:expr, $nullable:expr, $description:expr, $example:expr) => {
        $(#[$doc])*
        pub(crate) fn $name() -> Schema {
            text($max, $nullable, $description, $example)
        }
    };
}

text_schema!(
    store_id,
    StoreId::MAX_LEN,
    false,
    "The store that sells the order (its id in the marketplace).",
    "store-1"
);
text_schema!(
    customer_id,
    StoreId::MAX_LEN,
    false,
    "The buyer, as the customer service knows them. One starting with `no-such-customer` is unknown to the \
     stand-in customer service.",
    "customer-1"
);
text_schema!(
    product_id,
    StoreId::MAX_LEN,
    false,
    "The product, as the inventory service knows it. One starting with `p-out-of-stock` is out of stock at \
     the stand-in inventory service.",
    "p-1"
);
text_schema!(
    idempotency_key,
    IdempotencyKey::MAX_LEN,
    true,
    "The idempotency key, when the `Idempotency-Key` header is not sent (the header wins; one key space).",
    "5d1c7a4e"
);
text_schema!(
    payment_method,
    PaymentRequest::MAX_METHOD_LEN,
    false,
    "How the order is paid. `declined` is declined by the stand-in payment service.",
    "visa"
);
text_schema!(
    payment_reference,
    PaymentRequest::MAX_REFERENCE_LEN,
    true,
    "The payer's own reference for the payment.",
    "inv-2024-0042"
);
text_schema!(
    address_name,
    ShippingAddress::MAX_LINE_LEN,
    true,
    "Who receives the parcel.",
    "Ada Lovelace"
);
text_schema!(
    address_line1,
    ShippingAddress::MAX_LINE_LEN,
    false,
    "Street and number.",
    "1 Main St"
);
text_schema!(
    address_line2,
    ShippingAddress::MAX_LINE_LEN,
    true,
    "Apartment, suite, floor.",
    "Apt 4"
);
text_schema!(
    address_city,
    ShippingAddress::MAX_PLACE_LEN,
    false,
    "City or town.",
    "Springfield"
);
text_schema!(
    address_state,
    ShippingAddress::MAX_PLACE_LEN,
    true,
    "State, province or region.",
    "IL"
);
text_schema!(
    address_postal_code,
    ShippingAddress::MAX_POSTAL_CODE_LEN,
    false,
    "Postal code. One starting with `00000` is undeliverable for the stand-in shipping service.",
    "62701"
);
text_schema!(
    carrier,
    Tracking::MAX_LEN,
    false,
    "The carrier that has the parcel.",
    "FedEx"
);
text_schema!(
    tracking_number,
    Tracking::MAX_LEN,
    false,
    "The carrier's tracking number.",
    "123456789"
);

/// A country as ISO 3166-1 alpha-2 (`US`; `us` is read as `US`). Codes ISO does not assign are refused (422).
pub(crate) fn country() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z]{2}$"))
        .description(Some(
            "ISO 3166-1 alpha-2 country code, either case (`us` is stored as `US`); an unassigned code is 422.",
        ))
        .examples([json!("US")])
        .build()
        .into()
}

/// An ISO 4217 currency code with minor units.
pub(crate) fn currency() -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .pattern(Some("^[A-Z]{3}$"))
        .default(Some(json!("USD")))
        .description(Some(
            "ISO 4217 code of a currency with minor units, upper case; `USD` when absent. Every amount of the \
             order is in it, with at most its number of decimals (2 for USD, 0 for JPY, 3 for KWD).",
        ))
        .examples([json!("USD")])
        .build()
        .into()
}

/// An amount of money, written as a JSON number and read from its exact text (never through a float).
pub(crate) fn amount() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Number)
        .minimum(Some(0))
        .description(Some(
            "An amount in the order's currency: a JSON number, read from its exact text (never through a \
             float), non-negative, with no more decimals than the currency has (`25.005` USD is 422). \
             Answers write it with exactly the currency's decimals (`115.00`, `700` for JPY).",
        ))
        .examples([json!(115.00)])
        .build()
        .into()
}

/// A quantity: whole (`2` and `2.0`; `1.5` is refused, never truncated) and positive.
pub(crate) fn quantity() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1))
        .maximum(Some(Quantity::MAX))
        .description(Some(
            "How many units: a whole number (`2.0` is 2; `1.5` is 422, never truncated).",
        ))
        .examples([json!(2)])
        .build()
        .into()
}

/// An order status, from the domain's own list.
pub(crate) fn status() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(OrderStatus::ALL.iter().map(|s| s.as_str())))
        .description(Some(
            "`pending → processing` (paid) `→ partially_shipped` (some quantities shipped) `→ shipped` \
             (everything shipped) `→ delivered` (every shipment delivered); a shipment of everything goes \
             from `processing` to `shipped`; `pending | processing → canceled`; `delivered` and `canceled` \
             are final.",
        ))
        .build()
        .into()
}

/// Where a shipment is.
pub(crate) fn shipment_status() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["shipped", "delivered"]))
        .description(Some("`shipped` until it arrives, then `delivered`."))
        .build()
        .into()
}

/// A business event that may change an order, from the domain's own list.
pub(crate) fn action() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(OrderAction::ALL.iter().map(|a| a.as_str())))
        .build()
        .into()
}

pub(crate) fn actions() -> Schema {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(RefOr::T(action()))
        .description(Some(
            "What may happen to the order now, so that clients need not hard-code the status rules.",
        ))
        .examples([json!(["pay", "setShippingAddress", "cancel"])])
        .build()
        .into()
}

pub(crate) fn statuses() -> Schema {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(RefOr::T(status()))
        .build()
        .into()
}

/// A reference to a named component schema.
pub(crate) fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(utoipa::openapi::Ref::from_schema_name(name))
}
