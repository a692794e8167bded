use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};
use anyhow::Context;
use order_app::{OrderService, Ports, Settings};
use order_gateways::{StandInCustomers, StandInInventory, StandInPayments, SystemClock};
use order_storage::{DieselStorage, StorageOptions};

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
        let service = OrderService::new(
            Ports {
                orders: Arc::new(storage),
                customers: Arc::new(StandInCustomers),
                inventory: Arc::new(StandInInventory),
                payments: Arc::new(StandInPayments),
                clock: Arc::new(SystemClock),
            },
            Settings {
                idempotency_ttl: config.idempotency_ttl,
                ..Settings::default()
            },
        );
        spawn_idempotency_purge(service.clone(), config.idempotency_purge_interval);

        let listener = TcpListener::bind(config.listen_addr)
            .with_context(|| format!("cannot listen on {}", config.listen_addr))?;
        let port = listener.local_addr().context("no local address")?.port();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(order_http::problem_responses())
                .configure(order_http::configure(service.clone()))
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
