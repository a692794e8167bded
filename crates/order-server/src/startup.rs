use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::web::Data;
use actix_web::App;
use anyhow::Context;
use chrono::TimeDelta;

use order_app::{OrderService, Ports, Readiness, Settings};
use order_domain::ports::EventPublisher;
use order_domain::RetryPolicy;
use order_gateways::{NatsPublisher, NatsSettings, SystemClock};

use order_http::rate_limit::{
    effective_limits, InMemoryLimiter, RateLimiter, RateLimiting, RedisLimiter,
};
use order_http::ServerLimits;
use order_storage::{DieselStorage, StorageOptions};
use tokio::task::JoinHandle;

use crate::gateways::Gateways;
use crate::Config;

/// A running service: bound to its port, database open and migrated.
pub struct Application {
    port: u16,
    server: Server,
    /// The background work (outbox worker, purges, sweeper); stopped with the application.
    background: Background,
    rate_limiter: Arc<dyn RateLimiter>,
}

/// Tasks that live as long as the application: aborted when it is dropped or stopped.
struct Background(Vec<JoinHandle<()>>);

impl Drop for Background {
    fn drop(&mut self) {
        self.0.iter().for_each(JoinHandle::abort);
    }
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
        let publisher = publisher(config).await?;
        let storage = Arc::new(storage);
        let service = OrderService::new(
            Ports {
                orders: storage.clone(),
                history: storage.clone(),
                outbox: storage,
                publisher,
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
                retry: RetryPolicy {
                    cap: config.outbox_retry_max,
                    ..Settings::default().retry
                },
                event_retention: TimeDelta::days(config.event_retention_days),
                ..Settings::default()
            },
        );
        let background = Background(vec![
            spawn_outbox_worker(service.clone(), config.outbox_poll),
            spawn_purges(service.clone(), config.idempotency_purge_interval),
            spawn_sweeper(service.clone(), config.sweep_interval),
        ]);

        let readiness = Readiness::new(READINESS_PROBE_EVERY * 2 + config.database_acquire_timeout);
        spawn_readiness_probe(
            service.clone(),
            readiness.clone(),
            config.database_acquire_timeout,
        );

        let listener = TcpListener::bind(config.listen_addr)
            .with_context(|| format!("cannot listen on {}", config.listen_addr))?;
        let port = listener.local_addr().context("no local address")?.port();
        let rate_limiter = rate_limiter(config)?;
        let rate_limiting = RateLimiting::new(rate_limiter.clone())
            .trust_forwarded_for(config.rate_limit_trust_forwarded_for);
        let body_timeout = config.client_body_timeout;
        let app = move || {
            App::new()
                .wrap(from_fn(move |request, next| {
                    order_http::cut_stalled_body(body_timeout, request, next)
                }))
                .wrap(rate_limiting.clone())
                .wrap(order_http::problem_responses())
                .app_data(Data::new(readiness.clone()))
                .configure(order_http::configure(service.clone()))
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
            background,
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

    /// Serves until the server stops; the background work stops with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self {
            server, background, ..
        } = self;
        let served = server.await;
        drop(background);
        served
    }
}

/// The NATS publisher when `NATS_URL` is set; otherwise publication is off, which is said once here.
async fn publisher(config: &Config) -> anyhow::Result<Option<Arc<dyn EventPublisher>>> {
    let Some(url) = &config.nats_url else {
        tracing::info!("NATS_URL is not set: events are recorded (GET /orders/{{id}}/events) but not published");
        return Ok(None);
    };
    let settings = NatsSettings {
        stream: config.nats_stream.clone(),
        subject_prefix: config.nats_subject_prefix.clone(),
        ..NatsSettings::new(url.clone())
    };
    tracing::info!(%url, stream = %settings.stream, prefix = %settings.subject_prefix, "events are published to NATS JetStream");
    let publisher = NatsPublisher::connect(settings)
        .await
        .context("cannot set up the NATS client")?;
    Ok(Some(Arc::new(publisher)))
}

/// Runs the outbox: due effects as they come, polling every `poll` when there is nothing to do.
fn spawn_outbox_worker(service: OrderService, poll: std::time::Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match service.run_due_effects().await {
                Ok(0) => tokio::time::sleep(poll).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = ?error, "the outbox worker could not claim effects");
                    tokio::time::sleep(poll).await;
                }
            }
        }
    })
}

/// The budgets in force, counted in Redis when `REDIS_URL` is set (shared by every replica), in process otherwise.
fn rate_limiter(config: &Config) -> anyhow::Result<Arc<dyn RateLimiter>> {
    // Authentication is not configurable yet: the open mode, where only configured budgets apply.
    let limits = effective_limits(false, config.rate_limits);
    match &config.redis {
        Some(redis) if !limits.is_unlimited() => Ok(Arc::new(
            RedisLimiter::new(limits, redis.clone()).context("cannot set up the Redis client")?,
        )),
        _ => Ok(Arc::new(InMemoryLimiter::new(limits))),
    }
}

/// Forgets, every `every`, expired idempotency keys and the outbox's done effects past their retention.
fn spawn_purges(service: OrderService, every: std::time::Duration) -> JoinHandle<()> {
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
            match service.prune_outbox().await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "pruned done effects from the outbox"),
                Err(error) => tracing::warn!(error = ?error, "could not prune the outbox"),
            }
        }
    })
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
fn spawn_sweeper(service: OrderService, every: std::time::Duration) -> JoinHandle<()> {
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
    })
}
