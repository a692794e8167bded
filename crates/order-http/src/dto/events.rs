//! An order's history as JSON: the same fields as the body of the events published to NATS.

use chrono::{DateTime, Utc};
use order_app::EventPage;
use order_domain::{EventData, OrderEvent};
use serde::Serialize;
use utoipa::ToSchema;

/// One page of an order's history, oldest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = EventList)]
pub(crate) struct EventListBody {
    items: Vec<EventBody>,
    /// The `after` of the next page.
    next_cursor: Option<String>,
}

impl EventListBody {
    pub(crate) fn of(page: &EventPage) -> Self {
        Self {
            items: page.events.iter().map(EventBody::of).collect(),
            next_cursor: page.next.map(|version| version.to_string()),
        }
    }
}

/// One change to an order, as it is kept and published to NATS.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderEvent)]
struct EventBody {
    /// UUIDv7.
    event_id: String,
    order_id: String,
    /// `order.created`, `order.paid`, ...
    #[serde(rename = "type")]
    event_type: &'static str,
    order_version: u64,
    #[serde(serialize_with = "super::response::rfc3339")]
    occurred_at: DateTime<Utc>,
    actor: Option<ActorBody>,
    request_id: Option<String>,
    idempotency_key: Option<String>,
    /// What changed; for corrections, the values before and after.
    #[schema(value_type = Object)]
    data: EventData,
}

/// Who made the change: the token's subject and role; `null` without authentication.
#[derive(Serialize, ToSchema)]
#[schema(as = EventActor)]
struct ActorBody {
    subject: String,
    role: String,
}

impl EventBody {
    fn of(event: &OrderEvent) -> Self {
        let context = &event.context;
        Self {
            event_id: event.id.to_string(),
            order_id: event.order_id.to_string(),
            event_type: event.event_type.name(),
            order_version: event.order_version.get(),
            occurred_at: event.occurred_at,
            actor: context.actor.as_ref().map(|actor| ActorBody {
                subject: actor.subject.clone(),
                role: actor.role.clone(),
            }),
            request_id: context.request_id.clone(),
            idempotency_key: context.idempotency_key.clone(),
            data: event.data.clone(),
        }
    }
}
