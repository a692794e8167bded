//! The JSON shapes of the API (camelCase), and where each domain field sits in them.

mod events;
mod number;
mod rendered;
mod request;
mod response;
mod returns;

use order_domain::{AddressField, Field, ItemField};

pub(crate) use events::EventListBody;
pub use rendered::RenderedOrders;
pub(crate) use request::{
    CreateOrderRequest, ListParams, MetadataBody, PaymentBody, RefundBody, ShipmentBody,
    ShipmentStatusBody, ShippingBody, StatusBody, TrackingBody,
};
pub(crate) use response::{
    render_order, render_page, render_shipment, OrderBody, OrderListBody,
    ShipmentBody as ShipmentOutBody,
};
pub(crate) use returns::{render_return, ReturnBody, ReturnOut, ReturnStatusBody};

/// The JSON pointer of a domain field in a create-order body.
pub(crate) fn pointer(field: Field) -> String {
    let name = match field {
        Field::StoreId => "/storeId",
        Field::CustomerId => "/customerId",
        Field::Currency => "/currency",
        Field::Items => "/items",
        Field::ItemsTotal => "/itemsTotal",
        Field::ShippingCost => "/shippingCost",
        Field::TaxAmount => "/taxAmount",
        Field::TotalAmount => "/totalAmount",
        Field::IdempotencyKey => "/idempotencyKey",
        Field::PaymentMethod => "/method",
        Field::PaymentAmount => "/amount",
        Field::PaymentReference => "/reference",
        Field::ShippingAddress => "/address",
        Field::Carrier => "/carrier",
        Field::TrackingNumber => "/trackingNumber",
        Field::Status => "/status",
        Field::Note => "/note",
        Field::Metadata => "/metadata",
        Field::RefundAmount => "/amount",
        Field::Reason => "/reason",
        Field::Address(field) => match field {
            AddressField::Name => "/address/name",
            AddressField::Line1 => "/address/line1",
            AddressField::Line2 => "/address/line2",
            AddressField::City => "/address/city",
            AddressField::State => "/address/state",
            AddressField::PostalCode => "/address/postalCode",
            AddressField::Country => "/address/country",
        },
        Field::Item(index, item) => {
            let item = match item {
                ItemField::ProductId => "productId",
                ItemField::Quantity => "quantity",
                ItemField::Price => "price",
            };
            return format!("/items/{index}/{item}");
        }
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_point_into_the_request_body() {
        assert_eq!(pointer(Field::ItemsTotal), "/itemsTotal");
        assert_eq!(
            pointer(Field::Item(1, ItemField::Quantity)),
            "/items/1/quantity"
        );
    }
}
