use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::web::Data;
use actix_web::App;
use anyhow::Context;
use order_app::{OrderService, Ports, Readiness, Settings};
use order_gateways::SystemClock;
use order_http::rate_limit::{
    effective_limits, InMemoryLimiter, RateLimiter, RateLimiting, RedisLimiter,
};
use order_http::ServerLimits;
use order_storage::{DieselStorage, StorageOptions};

use crate::gateways::Gateways;
use crate::Config;

/// A running service: bound to its port, database open and migrated.
pub struct Application {
    port: u16,
    server: Server,
    rate_limiter: Arc<dyn RateLimiter>,
}

impl Application {
    /// Opens and migrates the database, wires the adapters and binds the listener (port 0 picks a free one).
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let options = StorageOptions {
            pool_size: config.database_pool_size,
            acquire_timeout: config.database_acquire_timeout,
            statement_timeout: config.database_statement_timeout,
            ..StorageOptions::new(config.database.clone())
        };
        let storage = tokio::task::spawn_blocking(move || DieselStorage::open(&options))
            .await
            .context("the database opener panicked")?
            .context("cannot open the database")?;
        let gateways = Gateways::wire(config)?;
        let service = OrderService::new(
            Ports {
                orders: Arc::new(storage),
                customers: gateways.customers,
                inventory: gateways.inventory,
                payments: gateways.payments,
                shipping: gateways.shipping,
                notifier: gateways.notifier,
                clock: Arc::new(SystemClock),
            },
            Settings {
                idempotency_ttl: config.idempotency_ttl,
                reservation_grace: config.reservation_grace,
                ..Settings::default()
            },
        );
        spawn_idempotency_purge(service.clone(), config.idempotency_purge_interval);
        spawn_sweeper(service.clone(), config.sweep_interval);

        let readiness = Readiness::new(READINESS_PROBE_EVERY * 2 + config.database_acquire_timeout);
        spawn_readiness_probe(
            service.clone(),
            readiness.clone(),
            config.database_acquire_timeout,
        );

        let listener = TcpListener::bind(config.listen_addr)
            .with_context(|| format!("cannot listen on {}", config.listen_addr))?;
        let port = listener.local_addr().context("no local address")?.port();
        let authentication = config.auth.authentication();
        if !authentication.requires_token() {
            tracing::warn!(
                address = %config.listen_addr,
                "authentication is off: every caller may read and change every order"
            );
        }
        let rate_limiter = rate_limiter(config, authentication.requires_token())?;
        let rate_limiting = RateLimiting::new(rate_limiter.clone())
            .trust_forwarded_for(config.rate_limit_trust_forwarded_for);
        let body_timeout = config.client_body_timeout;
        let app = move || {
            App::new()
                .wrap(from_fn(move |request, next| {
                    order_http::cut_stalled_body(body_timeout, request, next)
                }))
                .wrap(order_http::problem_responses())
                .app_data(Data::new(readiness.clone()))
                .configure(order_http::configure(
                    service.clone(),
                    authentication.clone(),
                    rate_limiting.clone(),
                ))
        };
        let limits = ServerLimits {
            max_connections: config.max_connections,
            head_timeout: HEAD_TIMEOUT,
        };
        let server =
            order_http::serve(listener, app, limits).context("cannot serve on the listener")?;
        Ok(Self {
            port,
            server,
            rate_limiter,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where the budgets are counted; `failed_open()` says how many requests Redis outages let through.
    pub fn rate_limiter(&self) -> Arc<dyn RateLimiter> {
        self.rate_limiter.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The budgets in force, counted in Redis when `REDIS_URL` is set (shared by every replica), in process otherwise.
fn rate_limiter(config: &Config, auth_enabled: bool) -> anyhow::Result<Arc<dyn RateLimiter>> {
    // With authentication the default budgets apply; in the open mode only configured ones.
    let limits = effective_limits(auth_enabled, config.rate_limits);
    match &config.redis {
        Some(redis) if !limits.is_unlimited() => Ok(Arc::new(
            RedisLimiter::new(limits, redis.clone()).context("cannot set up the Redis client")?,
        )),
        _ => Ok(Arc::new(InMemoryLimiter::new(limits))),
    }
}

/// Deletes expired idempotency keys, every `every`.
fn spawn_idempotency_purge(service: OrderService, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            match service.purge_expired_idempotency_keys().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged expired idempotency keys"),
                Err(error) => {
                    tracing::warn!(error = ?error, "could not purge expired idempotency keys")
                }
            }
        }
    });
}

/// How long a request head may take to arrive (actix's default).
const HEAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How often the database is probed for `/health/ready`.
const READINESS_PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Probes the database (a write) every second and keeps the outcome for `/health/ready`, which answers from it
/// at once. A probe is held to the same bound as a request: not ready when a request would get `503`.
fn spawn_readiness_probe(service: OrderService, readiness: Readiness, bound: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(READINESS_PROBE_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let outcome = match tokio::time::timeout(bound, service.check_ready()).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(error_chain(&error)),
                Err(_) => Err(format!(
                    "the database took longer than {} ms to take a probe",
                    bound.as_millis()
                )),
            };
            if let Err(reason) = &outcome {
                tracing::warn!(%reason, "not ready");
            }
            readiness.record(outcome);
        }
    });
}

/// An error and its causes on one line: `the database is unavailable: ...: connection refused`.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

/// Finishes, every `every`, what crashes and unreachable services left half-done (see `OrderService::sweep`).
fn spawn_sweeper(service: OrderService, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            match service.sweep().await {
                Ok(report) if report == Default::default() => {}
                Ok(report) => tracing::info!(?report, "swept"),
                Err(error) => tracing::warn!(error = ?error, "the sweep failed"),
            }
        }
    });
}
