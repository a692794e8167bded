//! The REST adapter (actix-web): routes under `/` and `/v1`, JSON DTOs that parse into domain types at the
//! edge, entity tags from order versions, and RFC 9457 problem responses for every error.
//! Exports `configure` (the routes, `/openapi.json` and the docs at `/docs/`, the order routes behind bearer-token authentication as `Authentication` says and the rate
//! limits, and their extractor settings), `auth` (the token verifier), `problem_responses` (the middleware that
//! turns the framework's own plain errors into problems), `observe` (request ids, the request's span and log
//! line, the request metrics), with `RequestId` for the layers that read the id from the request, `rate_limit`
//! (budgets per client, in process or shared in Redis, and the `RateLimiting` middleware), `cut_stalled_body`
//! (the deadline on a request body) and `serve` (the server, whose connections answer even the HTTP/1
//! dispatcher's own errors as problems).

pub mod auth;
mod body_timeout;
mod business;
mod caller;
mod cursor;
mod dto;
mod error;
mod etag;
mod h1_problems;
mod handlers;
mod json_body;
mod observe;
mod openapi;
mod problem;
pub mod rate_limit;
mod request_id;
mod routes;
mod server;

pub use auth::Authentication;
pub use body_timeout::cut_stalled_body;
pub use business::ORDER_COUNTERS;
pub use dto::RenderedOrders;
pub use observe::{observe, REQUESTS_TOTAL, REQUEST_DURATION, UNMATCHED_ROUTE};
pub use problem::problem_responses;
pub use request_id::{RequestId, REQUEST_ID_HEADER};
pub use routes::{configure, MAX_BODY_BYTES};
pub use server::{serve, ServerLimits};

#[cfg(test)]
mod tests;
