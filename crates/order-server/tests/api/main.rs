//! The API, driven over HTTP against the real application on a fresh SQLite database per test.

mod auth;
mod concurrency;
mod create;
mod database;
mod delete;
mod errors;
mod hardening;
mod health;
mod helpers;
mod idempotency;
mod lifecycle;
mod numbers;
mod operations;
mod outage;
mod outside_services;
mod payment;
mod process;
mod rate_limits;
mod read;
mod replicas;
mod request_ids;
mod shutdown;
mod startup;
mod throwaway_postgres;
