//! The problem types the service answers with, each as a schema (the `Problem` members plus its own), and
//! the error responses built from them. Each problem type is described once, here; `error.rs` is where they
//! are produced, and the schemathesis run in `.ci/run` checks that what it produces conforms.

use serde_json::{json, Value};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{
    AllOfBuilder, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::ToResponse;

use super::schemas::{self, reference};
use crate::problem::PROBLEM_JSON;

/// A problem type of this service: its URI, status and the members it adds to `Problem`.
pub(crate) struct ProblemType {
    /// The schema's name in `components/schemas`.
    pub schema: &'static str,
    pub uri: &'static str,
    pub status: u16,
    description: &'static str,
    members: fn(ObjectBuilder) -> ObjectBuilder,
    example: fn() -> Value,
}

fn no_members(object: ObjectBuilder) -> ObjectBuilder {
    object
}

fn with_errors(object: ObjectBuilder) -> ObjectBuilder {
    object
        .property(
            "errors",
            ArrayBuilder::new()
                .items(reference("FieldProblem"))
                .min_items(Some(1)),
        )
        .required("errors")
}

fn transition_members(object: ObjectBuilder) -> ObjectBuilder {
    let transition = ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .description(Some(
            "The status change the request attempted; `null` for an action that changes no status.",
        ))
        .property("from", schemas::status())
        .property("to", schemas::status())
        .required("from")
        .required("to");
    object
        .property("currentStatus", schemas::status())
        .property("attemptedAction", schemas::action())
        .property("attemptedTransition", transition)
        .property("allowedTransitions", schemas::statuses())
        .property("allowedActions", schemas::actions())
        .required("currentStatus")
        .required("attemptedAction")
        .required("attemptedTransition")
        .required("allowedTransitions")
        .required("allowedActions")
}

fn status_not_settable_members(object: ObjectBuilder) -> ObjectBuilder {
    object
        .property("requestedStatus", schemas::status())
        .required("requestedStatus")
}

fn return_not_requested_members(object: ObjectBuilder) -> ObjectBuilder {
    object
        .property(
            "returnStatus",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["received", "rejected"]))
                .description(Some("Where the return is already.")),
        )
        .required("returnStatus")
}

fn out_of_stock_members(object: ObjectBuilder) -> ObjectBuilder {
    object
        .property(
            "unavailableProducts",
            ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::String))
                .min_items(Some(1))
                .description(Some(
                    "The products the inventory service could not reserve.",
                )),
        )
        .required("unavailableProducts")
}

fn precondition_members(object: ObjectBuilder) -> ObjectBuilder {
    object
        .property(
            "currentVersion",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .description(Some(
                    "The order's version now; its `ETag` is `\"<currentVersion>\"`.",
                )),
        )
        .required("currentVersion")
}

/// Every problem type with a URI of its own. Statuses whose problem says no more than the status
/// (`about:blank`: 401, 403, 404 for an unknown route, 405, 413, 415, 500) use the plain `Problem` schema.
pub(crate) const PROBLEM_TYPES: &[ProblemType] = &[
    ProblemType {
        schema: "MalformedRequestProblem",
        uri: "/problems/malformed-request",
        status: 400,
        description: "The request cannot be read: malformed JSON, a JSON value of the wrong type, a bad query \
                      parameter or header. `errors` names each bad input (`pointer`, `parameter` or `header`).",
        members: no_members,
        example: || {
            json!({"type": "/problems/malformed-request", "title": "The request cannot be read", "status": 400,
                   "detail": "the body does not have the expected shape: invalid type: string \"two\", expected a number",
                   "errors": [{"pointer": "/items/0/quantity", "detail": "invalid type: string \"two\", expected a number"}]})
        },
    },
    ProblemType {
        schema: "ValidationProblem",
        uri: "/problems/validation-error",
        status: 422,
        description: "The request is well-formed but breaks the order rules; `errors` names every bad field by \
                      JSON pointer into the body, not only the first.",
        members: with_errors,
        example: || {
            json!({"type": "/problems/validation-error", "title": "The request breaks the order rules", "status": 422,
                   "detail": "the request breaks 2 rule(s)",
                   "errors": [{"pointer": "/items/1/quantity", "detail": "must be a whole number"},
                              {"pointer": "/itemsTotal", "detail": "must equal the sum of quantity × price over the items (150.00)"}]})
        },
    },
    ProblemType {
        schema: "PaymentNotCapturedProblem",
        uri: "/problems/payment-not-captured",
        status: 409,
        description: "A refund of an order whose payment is not captured (authorized only, or not paid): \
                      there is no money to give back; canceling the order voids the authorization.",
        members: no_members,
        example: || {
            json!({"type": "/problems/payment-not-captured", "title": "Payment not captured", "status": 409,
                   "detail": "the order's payment is not captured: nothing can be refunded (cancel the order to void it)"})
        },
    },
    ProblemType {
        schema: "UnknownCustomerProblem",
        uri: "/problems/unknown-customer",
        status: 422,
        description: "The customer service does not know the `customerId`.",
        members: with_errors,
        example: || {
            json!({"type": "/problems/unknown-customer", "title": "Unknown customer", "status": 422,
                   "detail": "customer `no-such-customer-1` does not exist",
                   "errors": [{"pointer": "/customerId", "detail": "customer `no-such-customer-1` does not exist"}]})
        },
    },
    ProblemType {
        schema: "IdempotencyKeyReusedProblem",
        uri: "/problems/idempotency-key-reused",
        status: 422,
        description: "The idempotency key was already used for a request with a different payload.",
        members: no_members,
        example: || {
            json!({"type": "/problems/idempotency-key-reused", "title": "Idempotency key reused", "status": 422,
                   "detail": "this idempotency key was already used for a request with a different payload"})
        },
    },
    ProblemType {
        schema: "PaymentDeclinedProblem",
        uri: "/problems/payment-declined",
        status: 402,
        description: "The payment service declined the payment; `detail` gives its reason.",
        members: no_members,
        example: || {
            json!({"type": "/problems/payment-declined", "title": "Payment declined", "status": 402,
                   "detail": "insufficient funds"})
        },
    },
    ProblemType {
        schema: "OrderNotFoundProblem",
        uri: "/problems/order-not-found",
        status: 404,
        description: "No order has this id (a path id that is not a UUID names no order), or it was deleted.",
        members: no_members,
        example: || {
            json!({"type": "/problems/order-not-found", "title": "No such order", "status": 404,
                   "detail": "no order has this id, or it was deleted"})
        },
    },
    ProblemType {
        schema: "ShipmentNotFoundProblem",
        uri: "/problems/shipment-not-found",
        status: 404,
        description: "The order has no shipment with this id.",
        members: no_members,
        example: || {
            json!({"type": "/problems/shipment-not-found", "title": "No such shipment", "status": 404,
                   "detail": "the order has no shipment with this id"})
        },
    },
    ProblemType {
        schema: "ReturnNotFoundProblem",
        uri: "/problems/return-not-found",
        status: 404,
        description: "The order has no return with this id.",
        members: no_members,
        example: || {
            json!({"type": "/problems/return-not-found", "title": "No such return", "status": 404,
                   "detail": "the order has no return with this id"})
        },
    },
    ProblemType {
        schema: "ReturnNotRequestedProblem",
        uri: "/problems/return-not-requested",
        status: 409,
        description: "Only a requested return is received or rejected; this one was settled already.",
        members: return_not_requested_members,
        example: || {
            json!({"type": "/problems/return-not-requested", "title": "Return settled already", "status": 409,
                   "detail": "the return is received already: only a requested return is received or rejected",
                   "returnStatus": "received"})
        },
    },
    ProblemType {
        schema: "TransitionNotAllowedProblem",
        uri: "/problems/transition-not-allowed",
        status: 409,
        description: "The order's status does not allow the change. The extension members say where the order \
                      is and what it allows.",
        members: transition_members,
        example: || {
            json!({"type": "/problems/transition-not-allowed", "title": "Not allowed in the order's status",
                   "status": 409, "detail": "cannot pay an order that is shipped",
                   "currentStatus": "shipped", "attemptedAction": "pay",
                   "attemptedTransition": {"from": "shipped", "to": "processing"},
                   "allowedTransitions": ["delivered"], "allowedActions": ["recordTracking", "deliver"]})
        },
    },
    ProblemType {
        schema: "StatusNotSettableProblem",
        uri: "/problems/status-not-settable",
        status: 409,
        description: "`PUT /orders/{id}/status` asked for a status that only a business event brings; `detail` \
                      names the endpoint that does.",
        members: status_not_settable_members,
        example: || {
            json!({"type": "/problems/status-not-settable", "title": "Status set by a business event",
                   "status": 409, "detail": "an order becomes processing only by paying it: PUT /orders/{id}/payment",
                   "requestedStatus": "processing"})
        },
    },
    ProblemType {
        schema: "ConcurrentChangeProblem",
        uri: "/problems/concurrent-change",
        status: 409,
        description: "Other changes kept winning the race for the order; retry.",
        members: no_members,
        example: || {
            json!({"type": "/problems/concurrent-change", "title": "Concurrent change", "status": 409,
                   "detail": "the order kept changing under this request; retry"})
        },
    },
    ProblemType {
        schema: "OutOfStockProblem",
        uri: "/problems/out-of-stock",
        status: 409,
        description: "The inventory service could not reserve every item.",
        members: out_of_stock_members,
        example: || {
            json!({"type": "/problems/out-of-stock", "title": "Not enough stock", "status": 409,
                   "detail": "not enough stock for: p-out-of-stock-1",
                   "unavailableProducts": ["p-out-of-stock-1"]})
        },
    },
    ProblemType {
        schema: "IdempotencyKeyInFlightProblem",
        uri: "/problems/idempotency-key-in-flight",
        status: 409,
        description: "A request with this idempotency key is still being processed; retry shortly.",
        members: no_members,
        example: || {
            json!({"type": "/problems/idempotency-key-in-flight", "title": "Request in progress", "status": 409,
                   "detail": "a request with this idempotency key is still being processed; retry shortly"})
        },
    },
    ProblemType {
        schema: "PreconditionFailedProblem",
        uri: "/problems/precondition-failed",
        status: 412,
        description: "`If-Match` names none of the order's current version; nothing was written.",
        members: precondition_members,
        example: || {
            json!({"type": "/problems/precondition-failed", "title": "The order has changed", "status": 412,
                   "detail": "the order is at version 3", "currentVersion": 3})
        },
    },
    ProblemType {
        schema: "RequestTimeoutProblem",
        uri: "/problems/request-timeout",
        status: 408,
        description: "The request head or body did not arrive in time; the connection is closed.",
        members: no_members,
        example: || {
            json!({"type": "/problems/request-timeout", "title": "Request body too slow", "status": 408,
                   "detail": "the request body did not arrive within 10 s"})
        },
    },
    ProblemType {
        schema: "RequestHeadTooLargeProblem",
        uri: "/problems/request-head-too-large",
        status: 431,
        description: "The request line and headers together are larger than the server reads.",
        members: no_members,
        example: || {
            json!({"type": "/problems/request-head-too-large", "title": "Request head too large",
                   "status": 431,
                   "detail": "the request line and headers together are larger than this server reads"})
        },
    },
    ProblemType {
        schema: "RateLimitedProblem",
        uri: "/problems/rate-limited",
        status: 429,
        description: "The client's budget of reads or writes on the order routes is spent; retry after \
                      `Retry-After` seconds. `RateLimit` and `RateLimit-Policy` say which budget.",
        members: no_members,
        example: || {
            json!({"type": "/problems/rate-limited", "title": "Too many requests", "status": 429,
                   "detail": "the writes budget of 100/s is spent; retry in 1 s"})
        },
    },
    ProblemType {
        schema: "NotReadyProblem",
        uri: "/problems/not-ready",
        status: 503,
        description: "The readiness probe: the last background check did not find the database taking \
                      writes.",
        members: no_members,
        example: || {
            json!({"type": "/problems/not-ready", "title": "Not ready", "status": 503,
                   "detail": "the database is unavailable"})
        },
    },
    ProblemType {
        schema: "ServiceUnavailableProblem",
        uri: "/problems/service-unavailable",
        status: 503,
        description: "The database or an outside service is unavailable; retry after `Retry-After` seconds.",
        members: no_members,
        example: || {
            json!({"type": "/problems/service-unavailable", "title": "Temporarily unavailable", "status": 503,
                   "detail": "the inventory service is unavailable; retry later"})
        },
    },
];

impl ProblemType {
    fn named(schema: &str) -> &'static ProblemType {
        PROBLEM_TYPES
            .iter()
            .find(|problem| problem.schema == schema)
            .unwrap_or(&PROBLEM_TYPES[0])
    }

    /// `Problem`, with this type's URI and status fixed and its own members added.
    pub fn to_schema(&self) -> Schema {
        let own = ObjectBuilder::new()
            .property(
                "type",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([self.uri])),
            )
            .property(
                "status",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .enum_values(Some([self.status])),
            );
        AllOfBuilder::new()
            .item(reference("Problem"))
            .item((self.members)(own))
            .description(Some(self.description))
            .examples([(self.example)()])
            .build()
            .into()
    }
}

/// The problem types a response may carry, as a schema: one type, or one of several.
fn problem_schema(schemas: &[&str]) -> RefOr<Schema> {
    match schemas {
        [one] => reference(one),
        several => RefOr::T(Schema::OneOf(
            several
                .iter()
                .fold(OneOfBuilder::new(), |one_of, name| {
                    one_of.item(reference(name))
                })
                .build(),
        )),
    }
}

/// An error response: `application/problem+json` with the given problem types (`Problem` when empty), an
/// example per type, and the named headers (resolved against `components/headers` afterwards).
fn problem_response(description: &str, types: &[&str], headers: &[&str]) -> Response {
    let mut content = ContentBuilder::new();
    if types.is_empty() {
        content = content.schema(Some(reference("Problem")));
    } else {
        content = content
            .schema(Some(problem_schema(types)))
            .examples_from_iter(types.iter().map(|name| {
                let example = (ProblemType::named(name).example)();
                (
                    name.trim_end_matches("Problem").to_owned(),
                    utoipa::openapi::example::ExampleBuilder::new()
                        .value(Some(example))
                        .build(),
                )
            }));
    }
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, content.build())
        .build();
    for name in headers {
        response.headers.insert(
            (*name).to_owned(),
            RefOr::Ref(Ref::new(format!("#/components/headers/{name}"))),
        );
    }
    response
}

/// Declares a reusable error response: a marker type whose `ToResponse` gives the response.
macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident => ($description:expr, [$($type:expr),*], [$($header:expr),*]);)*) => {
        $(
            $(#[$doc])*
            pub(crate) struct $name;

            impl<'s> ToResponse<'s> for $name {
                fn response() -> (&'s str, RefOr<Response>) {
                    (
                        stringify!($name),
                        problem_response($description, &[$($type),*], &[$($header),*]).into(),
                    )
                }
            }
        )*
    };
}

problem_responses! {
    MalformedRequest => ("The request cannot be read (malformed JSON, a wrong JSON type, a bad query \
        parameter or header); `errors` names each bad input.", ["MalformedRequestProblem"], []);
    Unauthorized => ("No valid bearer token (when authentication is on).", [], ["WWW-Authenticate"]);
    Forbidden => ("The token's principal may not do this.", [], []);
    OrderNotFound => ("No order has this id, or it was deleted.", ["OrderNotFoundProblem"], []);
    ShipmentNotFound => ("No order has this id, or it has no shipment with this id.",
        ["OrderNotFoundProblem", "ShipmentNotFoundProblem"], []);
    RequestTimeout => ("The request head or body did not arrive in time.", ["RequestTimeoutProblem"], []);
    PayloadTooLarge => ("The body is larger than 256 KiB.", [], []);
    UnsupportedMediaType => ("The body is not JSON (`application/json` or `+json`).", [], []);
    TooManyRequests => ("The client's rate limit is used up; retry after `Retry-After` seconds.",
        ["RateLimitedProblem"], ["Retry-After", "RateLimit", "RateLimit-Policy"]);
    HeadersTooLarge => ("The request line and headers are too large.", ["RequestHeadTooLargeProblem"], []);
    NotReady => ("Not ready: the database is not taking writes.", ["NotReadyProblem"], ["Retry-After"]);
    InternalError => ("An unexpected failure; it has been logged.", [], []);
    ServiceUnavailable => ("The database or an outside service is unavailable.",
        ["ServiceUnavailableProblem"], ["Retry-After"]);
    PaymentDeclined => ("The payment service declined the payment.", ["PaymentDeclinedProblem"], []);
    PreconditionFailed => ("`If-Match` names none of the order's current version; nothing was written.",
        ["PreconditionFailedProblem"], []);
    CreateRejected => ("The order breaks the rules (every bad field named), its customer is unknown, or its \
        idempotency key was used for a different request.",
        ["ValidationProblem", "UnknownCustomerProblem", "IdempotencyKeyReusedProblem"], []);
    CreateConflict => ("Not enough stock, or a request with the same idempotency key is still in progress \
        (then `Retry-After` says when to retry).",
        ["OutOfStockProblem", "IdempotencyKeyInFlightProblem"], ["Retry-After"]);
    ValidationFailed => ("The body breaks the rules; every bad field is named.", ["ValidationProblem"], []);
    PaymentRejected => ("The body breaks the rules (every bad field named), or its idempotency key was used \
        for a different request.", ["ValidationProblem", "IdempotencyKeyReusedProblem"], []);
    PaymentConflict => ("The order's status does not allow paying, other changes kept winning the race, or \
        a request with the same idempotency key is still in progress (then `Retry-After` says when to retry).",
        ["TransitionNotAllowedProblem", "ConcurrentChangeProblem", "IdempotencyKeyInFlightProblem"],
        ["Retry-After"]);
    ChangeConflict => ("The order's status does not allow this change, or other changes kept winning the \
        race.", ["TransitionNotAllowedProblem", "ConcurrentChangeProblem"], []);
    StatusConflict => ("The order's status does not allow this change, the status is one only a business \
        event brings, or other changes kept winning the race.",
        ["TransitionNotAllowedProblem", "StatusNotSettableProblem", "ConcurrentChangeProblem"], []);
    RefundRejected => ("The refund breaks the rules (every bad field named: `/amount` above the \
        `refundableAmount`, `/reason`, `/items/<n>/...`), or its idempotency key was used for a different \
        request.", ["ValidationProblem", "IdempotencyKeyReusedProblem"], []);
    RefundConflict => ("The order's payment is not captured, a request with the same idempotency key is \
        still in progress, or other changes kept winning the race.",
        ["PaymentNotCapturedProblem", "IdempotencyKeyInFlightProblem", "ConcurrentChangeProblem"], []);
    ReturnNotFound => ("No order has this id, or it has no return with this id.",
        ["OrderNotFoundProblem", "ReturnNotFoundProblem"], []);
    ReturnRejected => ("The return breaks the rules (every bad field named: `/reason`, `/items` empty, \
        `/items/<n>/productId` not a product of the order or named twice, `/items/<n>/quantity` above the units \
        shipped and not returned or asked back), or its idempotency key was used for a different request.",
        ["ValidationProblem", "IdempotencyKeyReusedProblem"], []);
    ReturnConflict => ("Nothing of the order has shipped, a request with the same idempotency key is still \
        in progress, or other changes kept winning the race.",
        ["TransitionNotAllowedProblem", "IdempotencyKeyInFlightProblem", "ConcurrentChangeProblem"], []);
    ReturnStatusConflict => ("The return was received or rejected already, or other changes kept winning \
        the race.", ["ReturnNotRequestedProblem", "ConcurrentChangeProblem"], []);
    DeleteConflict => ("The order's money or goods are still moving (`processing`: cancel it first; \
        `shipped`: deliver it first), or other changes kept winning the race.",
        ["TransitionNotAllowedProblem", "ConcurrentChangeProblem"], []);
}

/// Every problem type's schema, for `components/schemas`.
pub(crate) fn problem_type_schemas() -> impl Iterator<Item = (&'static str, Schema)> {
    PROBLEM_TYPES
        .iter()
        .map(|problem| (problem.schema, problem.to_schema()))
}

/// The problem types as a Markdown table, for the document's description.
pub(crate) fn catalogue() -> String {
    let mut table = String::from(
        "## Problem types\n\nEvery error is an RFC 9457 problem (`application/problem+json`). Besides the \
         types below, statuses that need no more words (401, 403, 404 for an unknown route, 405 with `Allow`, \
         413, 415, 500) answer with `type: about:blank`.\n\n\
         | type | status | schema | meaning |\n|---|---|---|---|\n",
    );
    for problem in PROBLEM_TYPES {
        table.push_str(&format!(
            "| `{}` | {} | `{}` | {} |\n",
            problem.uri, problem.status, problem.schema, problem.description
        ));
    }
    table
}
