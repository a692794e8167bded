//! The REST adapter (actix-web): routes under `/` and `/v1`, JSON DTOs that parse into domain types at the
//! edge, entity tags from order versions, and RFC 9457 problem responses for every error.
//! Exports `configure` (the routes and their extractor settings), `problem_responses` (the middleware that
//! turns the framework's own plain errors into problems) and `rate_limit` (budgets per client, in process or
//! shared in Redis, and the `RateLimiting` middleware).

mod caller;
mod cursor;
mod dto;
mod error;
mod etag;
mod handlers;
mod json_body;
mod problem;
pub mod rate_limit;
mod routes;

pub use problem::problem_responses;
pub use routes::{configure, MAX_BODY_BYTES};

#[cfg(test)]
mod tests;
