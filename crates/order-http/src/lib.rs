//! The REST adapter (actix-web): routes under `/` and `/v1`, JSON DTOs that parse into domain types at the
//! edge, entity tags from order versions, and RFC 9457 problem responses for every error.
//! Exports `configure` (the routes and their extractor settings), `problem_responses` (the middleware that
//! turns the framework's own plain errors into problems), `observe` (request ids, the request's span and
//! log line, the request metrics), with `RequestId` for the layers that read the id from the request, and
//! `rate_limit` (budgets per client, in process or shared in Redis, and the `RateLimiting` middleware).

mod business;
mod caller;
mod cursor;
mod dto;
mod error;
mod etag;
mod handlers;
mod json_body;
mod observe;
mod problem;
pub mod rate_limit;
mod request_id;
mod routes;

pub use business::ORDER_COUNTERS;
pub use observe::{observe, REQUESTS_TOTAL, REQUEST_DURATION, UNMATCHED_ROUTE};
pub use problem::problem_responses;
pub use request_id::{RequestId, REQUEST_ID_HEADER};
pub use routes::{configure, MAX_BODY_BYTES};

#[cfg(test)]
mod tests;
