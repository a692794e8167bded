//! The REST adapter (actix-web): routes under `/` and `/v1`, JSON DTOs that parse into domain types at the
//! edge, entity tags from order versions, and RFC 9457 problem responses for every error.
//! Exports `configure` (the routes and their extractor settings), `problem_responses` (the middleware that
//! turns the framework's own plain errors into problems), `rate_limit` (budgets per client, in process or
//! shared in Redis, and the `RateLimiting` middleware), `cut_stalled_body` (the deadline on a request body)
//! and `serve` (the server, whose connections answer even the HTTP/1 dispatcher's own errors as problems).

mod body_timeout;
mod caller;
mod cursor;
mod dto;
mod error;
mod etag;
mod h1_problems;
mod handlers;
mod json_body;
mod problem;
pub mod rate_limit;
mod routes;
mod server;

pub use body_timeout::cut_stalled_body;
pub use problem::problem_responses;
pub use routes::{configure, MAX_BODY_BYTES};
pub use server::{serve, ServerLimits};

#[cfg(test)]
mod tests;
