//! The API, driven over HTTP against the real application on a fresh SQLite database per test.

mod concurrency;
mod crash;
mod create;
mod database;
mod delete;
mod errors;
mod events;
mod hardening;
mod health;
mod helpers;
mod idempotency;
mod lifecycle;
mod nats;
mod numbers;
mod outage;
mod outside_services;
mod payment;
mod rate_limits;
mod read;
mod replicas;
mod startup;
mod throwaway_postgres;
