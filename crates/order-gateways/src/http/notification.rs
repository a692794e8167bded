use async_trait::async_trait;
use order_domain::ports::{GatewayError, Notifier};
use order_domain::Notification;
use serde::Serialize;

use crate::resilience::{Call, ClientBuildError, HttpService, HttpSettings};

/// The notification service: `POST {base}/notifications` `{"orderId", "kind", "customerId"}` answers 202.
#[derive(Debug)]
pub struct HttpNotifier {
    http: HttpService,
}

impl HttpNotifier {
    pub const SERVICE: &'static str = "notification";

    pub fn new(settings: HttpSettings) -> Result<Self, ClientBuildError> {
        Ok(Self {
            http: HttpService::new(Self::SERVICE, settings)?,
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationBody<'a> {
    order_id: String,
    kind: &'static str,
    customer_id: &'a str,
}

#[async_trait]
impl Notifier for HttpNotifier {
    async fn notify(&self, notification: Notification) -> Result<(), GatewayError> {
        let body = NotificationBody {
            order_id: notification.order_id.to_string(),
            kind: notification.kind.name(),
            customer_id: notification.customer_id.as_str(),
        };
        let key = format!("notify:{}:{}", notification.kind, notification.order_id);
        let url = self.http.url(&["notifications"]);
        let answer = self
            .http
            .send(Call::IdempotentWrite(key), |client| {
                client.post(url.clone()).json(&body)
            })
            .await?;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(answer.unexpected())
        }
    }
}
