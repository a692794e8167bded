use order_domain::{Notification, NotificationKind, Order};

use crate::OrderService;

impl OrderService {
    /// Tells the customer what happened. Best effort: the change is already stored and stands whether or not
    /// the message goes out, so a failure is logged and not returned.
    pub(crate) async fn notify(&self, order: &Order, kind: NotificationKind) {
        let notification = Notification {
            order_id: order.id(),
            kind,
            customer_id: order.customer_id().clone(),
        };
        if let Err(error) = self.ports.notifier.notify(notification).await {
            tracing::warn!(order = %order.id(), %kind, error = %error, "could not send a notification");
        }
    }
}
