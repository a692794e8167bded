//! The HTTP headers of the API: the response headers as `components/headers`, and the request headers and
//! path parameters as `IntoParams` types the operations list.

use order_domain::IdempotencyKey;
use serde_json::json;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::Required;
use utoipa::IntoParams;

use super::schemas::HEADER_TOKEN_PATTERN;

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn header(schema: ObjectBuilder, description: &str) -> Header {
    HeaderBuilder::new()
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

/// Every response header the API sends, by name.
pub(crate) fn response_headers() -> Vec<(&'static str, Header)> {
    vec![
        (
            "X-Request-Id",
            header(
                string().examples([json!("01JDQ8V7M2K4Z3X5C6B7N8M9P0")]),
                "The request's id, on every answer (problems included): the caller's own `X-Request-Id` \
                 when it is a sane token, one made by the service otherwise. Logs carry it.",
            ),
        ),
        (
            "ETag",
            header(
                string()
                    .pattern(Some(r#"^"[1-9][0-9]*"$"#))
                    .examples([json!("\"1\"")]),
                "The order's version as a strong entity tag, `\"<version>\"`; send it back in `If-Match` \
                 (writes) or `If-None-Match` (reads).",
            ),
        ),
        (
            "Location",
            header(
                string()
                    .format(Some(SchemaFormat::Custom("uri-reference".into())))
                    .examples([json!("/orders/019a6e1c-3f43-7a4e-9d2b-6c1f0e8a5b21")]),
                "Where the new order is, under the prefix the request used (`/orders/{id}` or \
                 `/v1/orders/{id}`).",
            ),
        ),
        (
            "Link",
            header(
                string().examples([json!(
                    "</orders?limit=20&cursor=AZpuHD9Deky9K2wfDopbIQ>; rel=\"next\""
                )]),
                "RFC 8288 link to the next page (`rel=\"next\"`), with the same filters; absent on the last \
                 page.",
            ),
        ),
        (
            "Idempotent-Replayed",
            header(
                string().enum_values(Some(["true"])),
                "`true` when this answer is the stored answer of an earlier request with the same \
                 idempotency key; nothing was created this time.",
            ),
        ),
        (
            "Retry-After",
            header(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .examples([json!(1)]),
                "Seconds to wait before retrying.",
            ),
        ),
        (
            "RateLimit",
            header(
                string().examples([json!("\"default\";r=42;t=17")]),
                "The caller's remaining quota in the current window (IETF RateLimit header fields), when \
                 rate limiting is on.",
            ),
        ),
        (
            "RateLimit-Policy",
            header(
                string().examples([json!("\"default\";q=100;w=60")]),
                "The quota policy that applies to the caller (IETF RateLimit header fields), when rate \
                 limiting is on.",
            ),
        ),
        (
            "WWW-Authenticate",
            header(
                string().examples([json!("Bearer error=\"invalid_token\"")]),
                "The authentication scheme to use (RFC 6750).",
            ),
        ),
    ]
}

/// Headers every answer of the API may carry.
pub(crate) const ON_EVERY_RESPONSE: &[&str] = &["X-Request-Id"];

/// Headers every answer of a rate-limited operation may carry.
pub(crate) const ON_RATE_LIMITED: &[&str] = &["RateLimit", "RateLimit-Policy"];

fn parameter(
    name: &str,
    place: ParameterIn,
    required: bool,
    schema: ObjectBuilder,
    description: &str,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

/// Declares a set of parameters an operation can list in `params(...)`.
macro_rules! parameters {
    ($($(#[$doc:meta])* $name:ident => $build:expr;)*) => {
        $(
            $(#[$doc])*
            pub(crate) struct $name;

            impl IntoParams for $name {
                fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
                    $build
                }
            }
        )*
    };
}

parameters! {
    /// `{id}` in an order's path.
    OrderIdPath => vec![parameter(
        "id",
        ParameterIn::Path,
        true,
        string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        "The order's id (a UUID; any other text names no order: 404).",
    )];
    /// `{shipmentId}` in a shipment's path.
    ShipmentIdPath => vec![parameter(
        "shipmentId",
        ParameterIn::Path,
        true,
        string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        "The shipment's id, from the order's `shipments` or the `Location` of its creation.",
    )];
    /// `{returnId}` in a return's path.
    ReturnIdPath => vec![parameter(
        "returnId",
        ParameterIn::Path,
        true,
        string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        "The return's id, from the order's `returns` or the `Location` of its request.",
    )];
    /// `X-Request-Id`, which any request may carry.
    RequestIdHeader => vec![parameter(
        "X-Request-Id",
        ParameterIn::Header,
        false,
        string(),
        "The caller's id for this request, echoed back and logged when it is a sane token (otherwise the \
         service makes one).",
    )];
    /// `Idempotency-Key` on a create.
    IdempotencyKeyHeader => vec![parameter(
        "Idempotency-Key",
        ParameterIn::Header,
        false,
        string()
            .min_length(Some(1))
            .max_length(Some(IdempotencyKey::MAX_LEN))
            .pattern(Some(HEADER_TOKEN_PATTERN))
            .examples([json!("5d1c7a4e")]),
        "Makes the create safe to retry: the first completed create with a key stores its answer, and a retry \
         with the same key and the same request gets the same status and body with `Idempotent-Replayed: true` \
         and creates nothing. The same key with a different request is 422. Wins over the body's \
         `idempotencyKey` (one key space). A bad key is 400 naming the header.",
    )];
    /// `Idempotency-Key` on a payment.
    PaymentIdempotencyKeyHeader => vec![parameter(
        "Idempotency-Key",
        ParameterIn::Header,
        false,
        string()
            .min_length(Some(1))
            .max_length(Some(IdempotencyKey::MAX_LEN))
            .pattern(Some(HEADER_TOKEN_PATTERN))
            .examples([json!("b4f0e2c1")]),
        "Makes the payment safe to retry: the first successful payment with a key stores its answer, and a \
         retry with the same key and the same request gets the same status and body with \
         `Idempotent-Replayed: true` (even once the order has moved on) and authorizes nothing again. The \
         same key with a different request is 422; while the first is in progress, 409 with `Retry-After`. \
         A refused or declined payment stores nothing, so its key stays usable (with the same declined \
         request the payment service repeats its decline; with another method it is a new attempt). Keys \
         are the caller's, per order: they never meet create keys or another order's. A bad key is 400 \
         naming the header.",
    )];
    /// `If-Match` on a change.
    IfMatchHeader => vec![parameter(
        "If-Match",
        ParameterIn::Header,
        false,
        string().examples([json!("\"3\"")]),
        "Apply the change only if the order is still at one of these versions (strong entity tags such as \
         `\"3\"`, or `*`): otherwise 412 with `currentVersion`, and nothing is written. A value that is not \
         `*` or a list of entity tags is 400.",
    )];
    /// `If-None-Match` on a read.
    IfNoneMatchHeader => vec![parameter(
        "If-None-Match",
        ParameterIn::Header,
        false,
        string().examples([json!("\"3\"")]),
        "Answer 304 with no body when the order is still at one of these versions (weak comparison; `*` \
         matches any). A value that cannot be read is ignored.",
    )];
}
