use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};
use anyhow::Context;
use order_app::{OrderService, Ports, Settings};
use order_gateways::SystemClock;
use order_storage::{DieselStorage, StorageOptions};

use crate::gateways::Gateways;
use crate::Config;

/// A running service: bound to its port, database open and migrated.
pub struct Application {
    port: u16,
    server: Server,
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
        let server = HttpServer::new(move || {
            App::new()
                .wrap(order_http::problem_responses())
                .configure(order_http::configure(
                    service.clone(),
                    authentication.clone(),
                ))
        })
        .listen(listener)
        .context("cannot serve on the listener")?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The outside services the use cases call: over HTTP where a URL is configured, the stand-ins otherwise.
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
