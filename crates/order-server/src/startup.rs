use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::web::Data;
use actix_web::{App, HttpServer};
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

use crate::gateways::Gateways;
use crate::metrics_endpoint::{self, Scrape};
use crate::workers::Workers;
use crate::{telemetry, Config};

/// A running service: bound to its port, database open and migrated, background workers started.
pub struct Application {
    address: SocketAddr,
    metrics_address: Option<SocketAddr>,
    server: Server,
    metrics_server: Option<Server>,
    workers: Workers,
    storage: DieselStorage,
    rate_limiter: Arc<dyn RateLimiter>,
}

/// The storage options the configuration asks for.
pub fn storage_options(config: &Config) -> StorageOptions {
    StorageOptions {
        pool_size: config.database_pool_size,
        read_concurrency: config.database_read_concurrency,
        acquire_timeout: config.database_acquire_timeout,
        statement_timeout: config.database_statement_timeout,
        sqlite_mmap_size: config.sqlite_mmap_mb * 1024 * 1024,
        sqlite_cache_kib: config.sqlite_cache_kib,
        order_cache_bytes: order_cache_half(config),
        outbox_connections: config.outbox_concurrency,
        ..StorageOptions::new(config.database.clone())
    }
}

/// Half of `ORDER_CACHE_MB`, in bytes: the decoded orders get one half, their JSON the other.
fn order_cache_half(config: &Config) -> u64 {
    config.order_cache_mb * (1 << 20) / 2
}

/// Opens (creating if needed) and migrates the database. Blocking work, kept off the executor.
pub async fn open_storage(config: &Config) -> anyhow::Result<DieselStorage> {
    let options = storage_options(config);
    tokio::task::spawn_blocking(move || DieselStorage::open(&options))
        .await
        .context("the database opener panicked")?
        .context("cannot open the database")
}

impl Application {
    /// Opens and migrates the database, wires the adapters and binds the listener (port 0 picks a free one).
    /// It does not listen for signals: `main` stops it through `server_handle` on SIGTERM/SIGINT.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        // First, so that what the adapters record while they are built (the breakers' gauges) is kept.
        let metrics = telemetry::metrics();
        let storage = open_storage(config).await?;
        let gateways = Gateways::wire(config)?;
        let publisher = publisher(config).await?;
        let orders = Arc::new(storage.clone());
        let service = OrderService::new(
            Ports {
                orders: orders.clone(),
                history: orders.clone(),
                attempts: orders.clone(),
                outbox: orders,
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
                payment_attempt_grace: config.payment_attempt_grace,
                retry: RetryPolicy {
                    cap: config.outbox_retry_max,
                    ..Settings::default().retry
                },
                event_retention: TimeDelta::days(config.event_retention_days),
                outbox_lease: config.outbox_lease,
                outbox_concurrency: config.outbox_concurrency as usize,
                ..Settings::default()
            },
        );
        let authentication = config.auth.authentication();
        if !authentication.requires_token() {
            tracing::warn!(
                address = %config.listen_addr,
                "authentication is off: every caller may read and change every order"
            );
        }
        let rate_limiter = rate_limiter(config, authentication.requires_token())?;
        let scrape = Scrape {
            handle: metrics,
            storage: storage.clone(),
            rate_limiter: rate_limiter.clone(),
        };
        let readiness = Readiness::new(READINESS_PROBE_EVERY * 2 + config.database_acquire_timeout);
        let mut workers = Workers::default();
        start_workers(&mut workers, &service, &scrape, &readiness, config);

        let grace = config.shutdown_grace.as_secs();
        let (metrics_server, metrics_address) = match config.metrics_listen_addr {
            None => (None, None),
            Some(address) => {
                let listener = bind(address)?;
                let address = listener.local_addr().context("no local address")?;
                let scrape = scrape.clone();
                let server = HttpServer::new(move || {
                    App::new()
                        .wrap(order_http::problem_responses())
                        .configure(metrics_endpoint::configure(scrape.clone()))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(grace)
                .listen(listener)
                .context("cannot serve metrics on the listener")?
                .run();
                (Some(server), Some(address))
            }
        };
        let on_main = metrics_address.is_none();

        let listener = bind(config.listen_addr)?;
        let address = listener.local_addr().context("no local address")?;
        let rate_limiting = RateLimiting::new(rate_limiter.clone())
            .trust_forwarded_for(config.rate_limit_trust_forwarded_for);
        let body_timeout = config.client_body_timeout;
        let rendered = order_http::RenderedOrders::new(order_cache_half(config));
        let app = move || {
            let app = App::new()
                .wrap(from_fn(move |request, next| {
                    order_http::cut_stalled_body(body_timeout, request, next)
                }))
                .wrap(order_http::problem_responses())
                .wrap(from_fn(order_http::observe))
                .app_data(Data::new(readiness.clone()));
            let app = match on_main {
                true => app.configure(metrics_endpoint::configure(scrape.clone())),
                false => app,
            };
            app.configure(order_http::configure(
                service.clone(),
                authentication.clone(),
                rate_limiting.clone(),
                rendered.clone(),
            ))
        };
        let limits = ServerLimits {
            max_connections: config.max_connections,
            head_timeout: HEAD_TIMEOUT,
            shutdown_grace: config.shutdown_grace,
        };
        let server =
            order_http::serve(listener, app, limits).context("cannot serve on the listener")?;
        Ok(Self {
            address,
            metrics_address,
            server,
            metrics_server,
            workers,
            storage,
            rate_limiter,
        })
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Where it serves (the real port when 0 was asked for).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Where `/metrics` is served when `METRICS_LISTEN_ADDR` gives it a listener of its own.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_address
    }

    /// Where the budgets are counted; `failed_open()` says how many requests Redis outages let through.
    pub fn rate_limiter(&self) -> Arc<dyn RateLimiter> {
        self.rate_limiter.clone()
    }

    /// Stops the service gracefully: `handle.stop(true)`, as on SIGTERM.
    pub fn server_handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped; then, in order: the in-flight requests finish (within `SHUTDOWN_GRACE_SECS`),
    /// the background workers finish their batch, the metrics listener closes, and the store is closed (the
    /// SQLite writer commits what it holds, the pool's connections close).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics_server.map(|server| {
            let handle = server.handle();
            (handle, tokio::spawn(server))
        });
        let served = self.server.await;
        tracing::info!("stopped accepting requests; in-flight requests finished");
        self.workers.stop().await;
        if let Some((handle, server)) = metrics {
            handle.stop(true).await;
            let _ = server.await;
        }
        drop(self.storage);
        tracing::info!("stopped");
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

fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address).with_context(|| format!("cannot listen on {address}"))
}

/// How long a request head may take to arrive (actix's default).
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the database is probed for `/health/ready`.
const READINESS_PROBE_EVERY: Duration = Duration::from_secs(1);

fn start_workers(
    workers: &mut Workers,
    service: &OrderService,
    scrape: &Scrape,
    readiness: &Readiness,
    config: &Config,
) {
    // Probes the database (a write) every second and keeps the outcome for `/health/ready`, which answers from
    // it at once. A probe is held to the same bound as a request: not ready when a request would get `503`.
    let probe = service.clone();
    let (readiness, bound) = (readiness.clone(), config.database_acquire_timeout);
    workers.every(READINESS_PROBE_EVERY, move || {
        let (service, readiness) = (probe.clone(), readiness.clone());
        async move {
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
    let purge = service.clone();
    workers.every(config.idempotency_purge_interval, move || {
        let service = purge.clone();
        async move {
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
    });
    // The outbox: every tick, runs what is due until nothing is, then waits for the next.
    let outbox = service.clone();
    workers.every(config.outbox_poll, move || {
        let service = outbox.clone();
        async move {
            if let Err(error) = service.run_effects_until_none_due().await {
                tracing::warn!(error = ?error, "the outbox worker could not claim effects");
            }
            // The payment attempts no order took: whatever they obtained is voided.
            loop {
                match service.settle_due_attempts().await {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(error = ?error, "the worker could not claim payment attempts");
                        break;
                    }
                }
            }
        }
    });
    // Finishes what crashes and unreachable services left half-done (see `OrderService::sweep`).
    let sweep = service.clone();
    workers.every(config.sweep_interval, move || {
        let service = sweep.clone();
        async move {
            match service.sweep().await {
                Ok(report) if report == Default::default() => {}
                Ok(report) => tracing::info!(?report, "swept"),
                Err(error) => tracing::warn!(error = ?error, "the sweep failed"),
            }
        }
    });
    // Keeps the histograms' memory bounded between scrapes.
    let handle = scrape.handle.clone();
    workers.every(Duration::from_secs(5), move || {
        let handle = handle.clone();
        async move { handle.run_upkeep() }
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
