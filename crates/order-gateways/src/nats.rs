//! Publication of order events to NATS JetStream: the stream (created if missing) takes subjects
//! `<prefix>.>`; an event goes to `<prefix>.<type without "order.">` with its id as `Nats-Msg-Id`, so the
//! stream's duplicate window drops a re-publication; `publish` returns only after the server's ack.

use std::time::Duration;

use async_nats::jetstream::{self, context::Publish, stream};
use async_trait::async_trait;
use order_domain::ports::{EventPublisher, GatewayError};
use order_domain::{Datum, OrderEvent};
use serde_json::{json, Map, Value};
use tokio::sync::OnceCell;

/// Where and how events are published.
#[derive(Debug, Clone)]
pub struct NatsSettings {
    /// `nats://host:port`.
    pub url: String,
    /// The JetStream stream, `ORDERS` by default.
    pub stream: String,
    /// The first token of every subject, `orders` by default.
    pub subject_prefix: String,
    /// How long a publication waits for the server's ack.
    pub ack_timeout: Duration,
}

impl NatsSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            stream: "ORDERS".to_owned(),
            subject_prefix: "orders".to_owned(),
            ack_timeout: Duration::from_secs(5),
        }
    }
}

const SERVICE: &str = "nats";

/// Publishes to JetStream. The connection is made in the background and remade whenever it is lost, so a
/// NATS that is down at start-up or later only makes publications fail (and be retried) until it is back.
pub struct NatsPublisher {
    jetstream: jetstream::Context,
    settings: NatsSettings,
    stream: OnceCell<()>,
}

impl NatsPublisher {
    pub async fn connect(settings: NatsSettings) -> Result<Self, GatewayError> {
        let client = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connection_timeout(settings.ack_timeout)
            .connect(settings.url.as_str())
            .await
            .map_err(|error| unavailable(Box::new(error)))?;
        let mut jetstream = jetstream::new(client);
        jetstream.set_timeout(settings.ack_timeout);
        Ok(Self {
            jetstream,
            settings,
            stream: OnceCell::new(),
        })
    }

    /// The subject an event goes to.
    pub fn subject(&self, event: &OrderEvent) -> String {
        format!(
            "{}.{}",
            self.settings.subject_prefix,
            event.event_type.short_name()
        )
    }

    /// Creates the stream unless it exists; once per process, after the first success.
    async fn ensure_stream(&self) -> Result<(), GatewayError> {
        self.stream
            .get_or_try_init(|| async {
                let config = stream::Config {
                    name: self.settings.stream.clone(),
                    subjects: vec![format!("{}.>", self.settings.subject_prefix)],
                    ..Default::default()
                };
                self.jetstream
                    .get_or_create_stream(config)
                    .await
                    .map(drop)
                    .map_err(|error| unavailable(Box::new(error)))
            })
            .await
            .map(|_| ())
    }
}

fn unavailable(source: order_domain::ports::BoxError) -> GatewayError {
    GatewayError::Unavailable {
        service: SERVICE,
        retry_after: None,
        source: Some(source),
    }
}

#[async_trait]
impl EventPublisher for NatsPublisher {
    async fn publish(&self, event: &OrderEvent) -> Result<(), GatewayError> {
        self.ensure_stream().await?;
        let body =
            serde_json::to_vec(&event_json(event)).map_err(|error| GatewayError::Unexpected {
                service: SERVICE,
                detail: error.to_string(),
            })?;
        let message = Publish::build()
            .payload(body.into())
            .message_id(event.id.to_string());
        let ack = self
            .jetstream
            .send_publish(self.subject(event), message)
            .await
            .map_err(|error| unavailable(Box::new(error)))?;
        ack.await.map_err(|error| unavailable(Box::new(error)))?;
        Ok(())
    }
}

/// The event as downstream services read it: the same fields as an item of `GET /orders/{id}/events`.
pub fn event_json(event: &OrderEvent) -> Value {
    let context = &event.context;
    json!({
        "eventId": event.id.to_string(),
        "orderId": event.order_id.to_string(),
        "type": event.event_type.name(),
        "orderVersion": event.order_version.get(),
        "occurredAt": event.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        "actor": context.actor.as_ref().map(|a| json!({"subject": a.subject, "role": a.role})),
        "requestId": context.request_id,
        "idempotencyKey": context.idempotency_key,
        "data": datum_json(&event.data),
    })
}

fn datum_json(datum: &Datum) -> Value {
    match datum {
        Datum::Null => Value::Null,
        Datum::Integer(n) => Value::from(*n),
        Datum::Text(text) => Value::String(text.clone()),
        Datum::List(items) => Value::Array(items.iter().map(datum_json).collect()),
        Datum::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| (name.clone(), datum_json(value)))
                .collect::<Map<_, _>>(),
        ),
    }
}
