use order_domain::ports::Notifier;
use order_domain::{CustomerId, Notification, NotificationKind, OrderId};
use order_gateways::HttpNotifier;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::settings;

#[tokio::test]
async fn a_notification_is_posted_with_a_key_naming_its_kind_and_order() {
    let server = MockServer::start().await;
    let order = OrderId::generate();
    Mock::given(method("POST"))
        .and(path("/notifications"))
        .and(header(
            "Idempotency-Key",
            format!("notify:OrderPaid:{order}").as_str(),
        ))
        .and(body_json(json!({
            "orderId": order.to_string(), "kind": "OrderPaid", "customerId": "c-1"
        })))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let notifier = HttpNotifier::new(settings(&server)).unwrap_or_else(|e| panic!("{e}"));
    let result = notifier
        .notify(Notification {
            order_id: order,
            kind: NotificationKind::OrderPaid,
            customer_id: CustomerId::parse("c-1").unwrap_or_else(|e| panic!("{e}")),
        })
        .await;
    assert!(result.is_ok(), "{result:?}");
}
