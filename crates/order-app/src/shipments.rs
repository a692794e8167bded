//! Shipments by line: shipping quantities in a new shipment, correcting one shipment's tracking, delivering
//! one shipment. Each is one compare-and-swap change of the order, so parallel shipments never ship more than
//! was ordered: the loser re-reads the order and is judged against what is left.

use order_domain::{Order, OrderId, ShipmentId, ShipmentRequest, Tracking, VersionCheck};

use crate::policy::Action;
use crate::{AppError, Caller, OrderService};

impl OrderService {
    /// One shipment of an order the caller may read, with the order it belongs to. The order's answer (gone,
    /// hidden) comes first; `None` is an id that names no shipment at all.
    pub async fn get_shipment(
        &self,
        caller: &Caller,
        id: OrderId,
        shipment: Option<ShipmentId>,
    ) -> Result<(Order, ShipmentId), AppError> {
        let order = self.find_for(caller, Action::ReadShipments, id).await?;
        match shipment {
            Some(shipment) if order.shipments().iter().any(|s| s.id == shipment) => {
                Ok((order, shipment))
            }
            _ => Err(AppError::ShipmentNotFound),
        }
    }

    /// Ships the requested quantities (or everything not shipped yet) in one new shipment; returns the order
    /// and the new shipment's id.
    pub async fn create_shipment(
        &self,
        caller: &Caller,
        id: OrderId,
        request: ShipmentRequest,
        check: VersionCheck,
    ) -> Result<(Order, ShipmentId), AppError> {
        let order = self
            .change_order(caller, Action::RecordShipment, id, &check, |order, now| {
                order.ship(request.clone(), now)?;
                Ok(())
            })
            .await?;
        // The change that won is the one that added the latest shipment.
        let shipment = order
            .shipment()
            .map(|s| s.id)
            .ok_or_else(|| AppError::Unexpected("a shipped order without a shipment".into()))?;
        Ok((order, shipment))
    }

    /// Corrects one shipment's tracking.
    pub async fn correct_shipment_tracking(
        &self,
        caller: &Caller,
        id: OrderId,
        shipment: ShipmentId,
        tracking: Tracking,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        self.change_order(caller, Action::RecordShipment, id, &check, |order, now| {
            Ok(order.correct_tracking(shipment, tracking.clone(), now)?)
        })
        .await
    }

    /// Records that one shipment arrived; the order is delivered with the last one.
    pub async fn deliver_shipment(
        &self,
        caller: &Caller,
        id: OrderId,
        shipment: ShipmentId,
        check: VersionCheck,
    ) -> Result<Order, AppError> {
        self.change_order(caller, Action::RecordShipment, id, &check, |order, now| {
            Ok(order.deliver_shipment(shipment, now)?)
        })
        .await
    }
}
