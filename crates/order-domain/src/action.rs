use std::fmt;

use crate::OrderStatus;

/// The business events that change an order. Which of them an order allows follows from its status alone,
/// and from nothing else: clients read the list (`allowedActions`) instead of hard-coding the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderAction {
    Pay,
    SetShippingAddress,
    RecordTracking,
    Deliver,
    Cancel,
    /// Archiving (a soft delete): a pending order is canceled in the same change; a paid order that has not
    /// ended must be canceled first (which voids or refunds), and a shipped one can only be delivered.
    Delete,
    /// Replacing the caller's metadata: bookkeeping, allowed whatever the status while the order is live.
    UpdateMetadata,
    /// Shipping some or all of the quantities not yet shipped, in one new shipment; the quantities decide
    /// the status it leaves the order in (`OrderStatus::after_shipment`).
    Ship,
    /// Correcting the tracking of one shipment.
    CorrectShipmentTracking,
    /// Recording that one shipment arrived; the order is delivered when every shipment of a shipped order is.
    DeliverShipment,
    /// Asking for shipped goods back: possible once something has shipped. Returns move no status.
    RequestReturn,
    /// Receiving or rejecting a requested return.
    SettleReturn,
}

/// Where a client asks for an action: each action is served at exactly one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Payment,
    Shipping,
    Tracking,
    Status,
    Metadata,
    Delete,
    Shipments,
    ShipmentTracking,
    ShipmentStatus,
    Returns,
    ReturnStatus,
}

impl Endpoint {
    /// The method and path template, as clients are told.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Payment => "PUT /orders/{id}/payment",
            Endpoint::Shipping => "PUT /orders/{id}/shipping",
            Endpoint::Tracking => "PUT /orders/{id}/shipment/tracking",
            Endpoint::Status => "PUT /orders/{id}/status",
            Endpoint::Metadata => "PUT /orders/{id}/metadata",
            Endpoint::Delete => "DELETE /orders/{id}",
            Endpoint::Shipments => "POST /orders/{id}/shipments",
            Endpoint::ShipmentTracking => "PUT /orders/{id}/shipments/{shipmentId}/tracking",
            Endpoint::ShipmentStatus => "PUT /orders/{id}/shipments/{shipmentId}/status",
            Endpoint::Returns => "POST /orders/{id}/returns",
            Endpoint::ReturnStatus => "PUT /orders/{id}/returns/{returnId}/status",
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OrderAction {
    pub const ALL: [OrderAction; 12] = [
        OrderAction::Pay,
        OrderAction::SetShippingAddress,
        OrderAction::RecordTracking,
        OrderAction::Deliver,
        OrderAction::Cancel,
        OrderAction::Delete,
        OrderAction::UpdateMetadata,
        OrderAction::Ship,
        OrderAction::CorrectShipmentTracking,
        OrderAction::DeliverShipment,
        OrderAction::RequestReturn,
        OrderAction::SettleReturn,
    ];

    /// The endpoint that performs this action.
    pub fn endpoint(self) -> Endpoint {
        match self {
            OrderAction::Pay => Endpoint::Payment,
            OrderAction::SetShippingAddress => Endpoint::Shipping,
            OrderAction::RecordTracking => Endpoint::Tracking,
            OrderAction::Deliver | OrderAction::Cancel => Endpoint::Status,
            OrderAction::Delete => Endpoint::Delete,
            OrderAction::UpdateMetadata => Endpoint::Metadata,
            OrderAction::Ship => Endpoint::Shipments,
            OrderAction::CorrectShipmentTracking => Endpoint::ShipmentTracking,
            OrderAction::DeliverShipment => Endpoint::ShipmentStatus,
            OrderAction::RequestReturn => Endpoint::Returns,
            OrderAction::SettleReturn => Endpoint::ReturnStatus,
        }
    }

    /// How a client brings an order into `status`, in words: the action and its endpoint.
    pub fn how_to_reach(status: OrderStatus) -> String {
        match OrderAction::reaching(status) {
            Some(action) if action.endpoint() == Endpoint::Status => {
                format!("through {}", Endpoint::Status)
            }
            Some(action) => format!("by {}: {}", action.describe(), action.endpoint()),
            None => "when it is created".to_owned(),
        }
    }

    /// The action as a verb phrase about an order.
    fn describe(self) -> &'static str {
        match self {
            OrderAction::Pay => "paying it",
            OrderAction::SetShippingAddress => "setting its shipping address",
            OrderAction::RecordTracking => "recording its tracking",
            OrderAction::Deliver => "delivering it",
            OrderAction::Cancel => "canceling it",
            OrderAction::Delete => "deleting it",
            OrderAction::UpdateMetadata => "replacing its metadata",
            OrderAction::Ship => "shipping some of it",
            OrderAction::CorrectShipmentTracking => "correcting a shipment's tracking",
            OrderAction::DeliverShipment => "delivering a shipment",
            OrderAction::RequestReturn => "asking for goods back",
            OrderAction::SettleReturn => "receiving or rejecting a return",
        }
    }

    /// Whether this action may happen to an order in `status`.
    pub fn is_allowed_in(self, status: OrderStatus) -> bool {
        match self.target(status) {
            Some(next) => status.can_become(next),
            None => match self {
                // Tracking may be corrected once shipped; the address may change until the order ships.
                OrderAction::RecordTracking => status == OrderStatus::Shipped,
                OrderAction::SetShippingAddress => {
                    matches!(status, OrderStatus::Pending | OrderStatus::Processing)
                }
                OrderAction::Delete => status.is_final(),
                OrderAction::UpdateMetadata => true,
                // A shipment is possible while the order can still become shipped.
                OrderAction::Ship => status.can_become(OrderStatus::Shipped),
                // Shipments on their way may be corrected and delivered.
                OrderAction::CorrectShipmentTracking | OrderAction::DeliverShipment => {
                    status.has_shipments() && !status.is_final()
                }
                // Goods that left may come back, also after delivery.
                OrderAction::RequestReturn | OrderAction::SettleReturn => status.has_shipments(),
                _ => false,
            },
        }
    }

    /// The status this action moves an order in `from` to, if it moves it at all.
    pub fn target(self, from: OrderStatus) -> Option<OrderStatus> {
        match self {
            OrderAction::Pay => Some(OrderStatus::Processing),
            OrderAction::RecordTracking => {
                (from != OrderStatus::Shipped).then_some(OrderStatus::Shipped)
            }
            OrderAction::Deliver => Some(OrderStatus::Delivered),
            OrderAction::Cancel => Some(OrderStatus::Canceled),
            OrderAction::Delete => (from == OrderStatus::Pending).then_some(OrderStatus::Canceled),
            // The quantities decide where a shipment or a shipment's delivery leaves the order (see `Order`).
            OrderAction::SetShippingAddress
            | OrderAction::UpdateMetadata
            | OrderAction::Ship
            | OrderAction::CorrectShipmentTracking
            | OrderAction::DeliverShipment
            | OrderAction::RequestReturn
            | OrderAction::SettleReturn => None,
        }
    }

    /// The action that brings an order into `status`; `None` for `pending`, where orders only start.
    pub fn reaching(status: OrderStatus) -> Option<OrderAction> {
        match status {
            OrderStatus::Pending => None,
            OrderStatus::Processing => Some(OrderAction::Pay),
            OrderStatus::PartiallyShipped => Some(OrderAction::Ship),
            OrderStatus::Shipped => Some(OrderAction::RecordTracking),
            OrderStatus::Delivered => Some(OrderAction::Deliver),
            OrderStatus::Canceled => Some(OrderAction::Cancel),
        }
    }

    pub fn allowed_in(status: OrderStatus) -> impl Iterator<Item = OrderAction> {
        OrderAction::ALL
            .into_iter()
            .filter(move |action| action.is_allowed_in(status))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrderAction::Pay => "pay",
            OrderAction::SetShippingAddress => "setShippingAddress",
            OrderAction::RecordTracking => "recordTracking",
            OrderAction::Deliver => "deliver",
            OrderAction::Cancel => "cancel",
            OrderAction::Delete => "delete",
            OrderAction::UpdateMetadata => "updateMetadata",
            OrderAction::Ship => "ship",
            OrderAction::CorrectShipmentTracking => "correctShipmentTracking",
            OrderAction::DeliverShipment => "deliverShipment",
            OrderAction::RequestReturn => "requestReturn",
            OrderAction::SettleReturn => "settleReturn",
        }
    }
}

impl fmt::Display for OrderAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderAction::{self, *};
    use crate::OrderStatus::{self, *};

    #[test]
    fn each_status_allows_exactly_these_actions() {
        let expected: [(OrderStatus, &[OrderAction]); 6] = [
            (
                Pending,
                &[Pay, SetShippingAddress, Cancel, Delete, UpdateMetadata],
            ),
            (
                Processing,
                &[
                    SetShippingAddress,
                    RecordTracking,
                    Cancel,
                    UpdateMetadata,
                    Ship,
                ],
            ),
            (
                PartiallyShipped,
                &[
                    RecordTracking,
                    UpdateMetadata,
                    Ship,
                    CorrectShipmentTracking,
                    DeliverShipment,
                    RequestReturn,
                    SettleReturn,
                ],
            ),
            (
                Shipped,
                &[
                    RecordTracking,
                    Deliver,
                    UpdateMetadata,
                    CorrectShipmentTracking,
                    DeliverShipment,
                    RequestReturn,
                    SettleReturn,
                ],
            ),
            (
                Delivered,
                &[Delete, UpdateMetadata, RequestReturn, SettleReturn],
            ),
            (Canceled, &[Delete, UpdateMetadata]),
        ];
        for (status, actions) in expected {
            let allowed: Vec<_> = OrderAction::allowed_in(status).collect();
            assert_eq!(allowed, actions, "{status}");
        }
    }

    #[test]
    fn every_status_change_an_action_makes_is_in_the_transition_table() {
        for status in OrderStatus::ALL {
            for action in OrderAction::allowed_in(status) {
                if let Some(next) = action.target(status) {
                    assert!(status.can_become(next), "{action} in {status}");
                }
            }
        }
    }

    #[test]
    fn each_action_is_served_at_one_endpoint() {
        use super::Endpoint;
        let endpoints: Vec<_> = OrderAction::ALL
            .into_iter()
            .map(OrderAction::endpoint)
            .collect();
        assert_eq!(
            endpoints,
            vec![
                Endpoint::Payment,
                Endpoint::Shipping,
                Endpoint::Tracking,
                Endpoint::Status,
                Endpoint::Status,
                Endpoint::Delete,
                Endpoint::Metadata,
                Endpoint::Shipments,
                Endpoint::ShipmentTracking,
                Endpoint::ShipmentStatus,
                Endpoint::Returns,
                Endpoint::ReturnStatus,
            ]
        );
    }

    #[test]
    fn the_way_to_a_status_names_its_endpoint() {
        assert_eq!(OrderAction::how_to_reach(Pending), "when it is created");
        assert_eq!(
            OrderAction::how_to_reach(Processing),
            "by paying it: PUT /orders/{id}/payment"
        );
        assert_eq!(
            OrderAction::how_to_reach(Shipped),
            "by recording its tracking: PUT /orders/{id}/shipment/tracking"
        );
        assert_eq!(
            OrderAction::how_to_reach(PartiallyShipped),
            "by shipping some of it: POST /orders/{id}/shipments"
        );
        assert_eq!(
            OrderAction::how_to_reach(Canceled),
            "through PUT /orders/{id}/status"
        );
    }

    #[test]
    fn a_partially_shipped_order_can_neither_be_canceled_nor_deleted() {
        assert!(!Cancel.is_allowed_in(PartiallyShipped));
        assert!(!Delete.is_allowed_in(PartiallyShipped));
        assert!(!Deliver.is_allowed_in(PartiallyShipped));
    }

    #[test]
    fn only_an_order_with_shipped_goods_takes_returns_and_they_move_no_status() {
        for status in OrderStatus::ALL {
            for action in [RequestReturn, SettleReturn] {
                assert_eq!(
                    action.is_allowed_in(status),
                    matches!(status, PartiallyShipped | Shipped | Delivered),
                    "{action} in {status}"
                );
                assert_eq!(action.target(status), None, "{action} in {status}");
            }
        }
    }

    #[test]
    fn metadata_changes_in_every_status_and_moves_none() {
        for status in OrderStatus::ALL {
            assert!(UpdateMetadata.is_allowed_in(status), "{status}");
            assert_eq!(UpdateMetadata.target(status), None, "{status}");
        }
    }

    #[test]
    fn the_action_reaching_a_status_does_lead_there_from_some_status() {
        assert_eq!(OrderAction::reaching(Pending), None);
        for status in [Processing, PartiallyShipped, Shipped, Delivered, Canceled] {
            let action = OrderAction::reaching(status).unwrap_or(SetShippingAddress);
            // An action whose target the quantities decide leads anywhere the table allows.
            let leads_there = OrderStatus::ALL.into_iter().any(|from| {
                action.is_allowed_in(from)
                    && match action.target(from) {
                        Some(target) => target == status,
                        None => from.can_become(status),
                    }
            });
            assert!(leads_there, "{action} should lead to {status}");
        }
    }
}
