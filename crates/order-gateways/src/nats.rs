//! Publication of order events to NATS JetStream: the stream (created if missing) takes subjects
//! `<prefix>.>`; an event goes to `<prefix>.<type without "order.">` with its id as `Nats-Msg-Id`, so the
//! stream's duplicate window drops a re-publication; `publish` returns only after the server's ack.

use std::time::Duration;

use async_nats::jetstream::{self, context::Publish, stream};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use order_domain::ports::{EventPublisher, GatewayError};
use order_domain::{rfc3339_micros, Actor, EventData, OrderEvent, RFC3339_MICROS};
use serde::{Serialize, Serializer};
use serde_json::Value;
use tokio::sync::OnceCell;
use uuid::Uuid;

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
        // Pushed, not `format!`ed: the pattern's interpretation was a twentieth of a publication.
        let (prefix, name) = (&self.settings.subject_prefix, event.event_type.short_name());
        let mut subject = String::with_capacity(prefix.len() + 1 + name.len());
        subject.push_str(prefix);
        subject.push('.');
        subject.push_str(name);
        subject
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
        let body = event_bytes(event).map_err(|error| GatewayError::Unexpected {
            service: SERVICE,
            detail: error.to_string(),
        })?;
        let mut id = [0; 36];
        let message = Publish::build()
            .payload(body.into())
            .message_id(event.id.as_uuid().as_hyphenated().encode_lower(&mut id));
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
    serde_json::to_value(EventBody::of(event)).unwrap_or(Value::Null)
}

/// The published body: `event_json`'s bytes, written into one buffer sized for them (growing it twice was a
/// twentieth of a publication).
fn event_bytes(event: &OrderEvent) -> serde_json::Result<Vec<u8>> {
    // The fields around the data take some 300 bytes with a long request id and idempotency key.
    let data = match &event.data {
        EventData::Stored(raw) => raw.get().len(),
        EventData::Built(_) => 512,
    };
    let mut body = Vec::with_capacity(data + 512);
    serde_json::to_writer(&mut body, &EventBody::of(event))?;
    Ok(body)
}

/// The published body, written straight from the event (no `Value` tree in between: building and dropping
/// one was most of a publication's cost). Fields and object keys in sorted order, as a `serde_json::Map`
/// (a B-tree) writes them, so the bytes are those of `event_json`.
#[derive(Serialize)]
struct EventBody<'a> {
    actor: Option<ActorBody<'a>>,
    /// Keys sorted: `Datum`'s one JSON form; an event read back from the history is written as it was stored.
    data: &'a EventData,
    /// Ids as their `Display` text (hyphenated, lower case), which uuid's `Serialize` writes from the stack.
    #[serde(rename = "eventId")]
    event_id: Uuid,
    #[serde(rename = "idempotencyKey")]
    idempotency_key: &'a Option<String>,
    #[serde(rename = "occurredAt")]
    occurred_at: Instant<'a>,
    #[serde(rename = "orderId")]
    order_id: Uuid,
    #[serde(rename = "orderVersion")]
    order_version: u64,
    #[serde(rename = "requestId")]
    request_id: &'a Option<String>,
    #[serde(rename = "type")]
    event_type: &'a str,
}

#[derive(Serialize)]
struct ActorBody<'a> {
    role: &'a str,
    subject: &'a str,
}

impl<'a> EventBody<'a> {
    fn of(event: &'a OrderEvent) -> Self {
        let context = &event.context;
        Self {
            actor: context.actor.as_ref().map(|actor: &'a Actor| ActorBody {
                role: &actor.role,
                subject: &actor.subject,
            }),
            data: &event.data,
            event_id: event.id.as_uuid(),
            idempotency_key: &context.idempotency_key,
            occurred_at: Instant(&event.occurred_at),
            order_id: event.order_id.as_uuid(),
            order_version: event.order_version.get(),
            request_id: &context.request_id,
            event_type: event.event_type.name(),
        }
    }
}

/// An instant in its one text form (`rfc3339_micros`), written from the stack.
struct Instant<'a>(&'a DateTime<Utc>);

impl Serialize for Instant<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = [0; 27];
        match rfc3339_micros(self.0, &mut text) {
            Some(text) => serializer.serialize_str(text),
            // Years past 9999 or before 0, and leap seconds: chrono's own rendering.
            None => serializer.collect_str(&self.0.format(RFC3339_MICROS)),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use order_domain::{
        Actor, Datum, EventContext, EventData, EventId, EventType, OrderEvent, OrderId, Version,
    };
    use serde_json::{json, Map, Value};

    use super::{event_bytes, event_json, EventBody};

    /// The body as it was built before: a `Value` tree (keys sorted by its B-tree map).
    fn as_value_tree(event: &OrderEvent) -> Value {
        fn datum(value: &Datum) -> Value {
            match value {
                Datum::Null => Value::Null,
                Datum::Integer(n) => Value::from(*n),
                Datum::Text(text) => Value::String(text.clone()),
                Datum::List(items) => Value::Array(items.iter().map(datum).collect()),
                Datum::Object(fields) => Value::Object(
                    fields
                        .iter()
                        .map(|(name, value)| (name.clone(), datum(value)))
                        .collect::<Map<_, _>>(),
                ),
            }
        }
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
            "data": datum(&event.data.to_datum().unwrap_or(Datum::Null)),
        })
    }

    fn event(actor: Option<Actor>, data: Datum) -> OrderEvent {
        OrderEvent {
            id: EventId::generate(),
            order_id: OrderId::generate(),
            event_type: EventType::Created,
            order_version: Version::FIRST,
            occurred_at: Utc
                .timestamp_opt(1_764_000_000, 123_456_000)
                .single()
                .unwrap_or_default(),
            context: EventContext {
                actor,
                request_id: Some("req-\"1\"".to_owned()),
                idempotency_key: None,
            },
            data: data.into(),
        }
    }

    #[test]
    fn the_published_bytes_are_those_of_the_event_json() {
        let text = |s: &str| Datum::Text(s.to_owned());
        let data = Datum::Object(vec![
            ("total".to_owned(), text("12.50")),
            (
                "items".to_owned(),
                Datum::List(vec![
                    Datum::Object(vec![
                        ("sku".to_owned(), text("a\u{e9}\n")),
                        ("quantity".to_owned(), Datum::Integer(-3)),
                        ("note".to_owned(), Datum::Null),
                    ]),
                    Datum::List(vec![]),
                ]),
            ),
            ("currency".to_owned(), text("EUR")),
            ("currency".to_owned(), text("USD")),
            ("empty".to_owned(), Datum::Object(vec![])),
        ]);
        let actor = Actor {
            subject: "alice".to_owned(),
            role: "store".to_owned(),
        };
        // Past year 9999 the instant is chrono's own text.
        let far = OrderEvent {
            occurred_at: NaiveDate::from_ymd_opt(12345, 6, 7)
                .and_then(|day| day.and_hms_micro_opt(1, 2, 3, 4))
                .expect("an instant")
                .and_utc(),
            ..event(None, Datum::Object(vec![]))
        };
        for event in [
            event(Some(actor), data.clone()),
            event(None, Datum::Object(vec![])),
            far,
        ] {
            let published = event_bytes(&event).expect("an event is written");
            let before = serde_json::to_vec(&as_value_tree(&event)).unwrap_or_default();
            assert_eq!(
                String::from_utf8_lossy(&published),
                String::from_utf8_lossy(&before)
            );
            assert_eq!(event_json(&event), as_value_tree(&event));
            // Read back from the history, it is published byte for byte as it was built.
            let stored = OrderEvent {
                data: EventData::stored(event.data.to_json()).unwrap_or_else(|e| panic!("{e}")),
                ..event.clone()
            };
            assert!(matches!(stored.data, EventData::Stored(_)));
            let republished = event_bytes(&stored).expect("an event is written");
            assert_eq!(
                String::from_utf8_lossy(&republished),
                String::from_utf8_lossy(&published)
            );
            assert_eq!(event_json(&stored), event_json(&event));
        }
        let published: Value =
            serde_json::to_value(EventBody::of(&event(None, data))).unwrap_or_default();
        assert_eq!(
            published["data"]["currency"], "USD",
            "the last of equal keys"
        );
        assert_eq!(published["data"]["items"][0]["quantity"], -3);
    }
}
