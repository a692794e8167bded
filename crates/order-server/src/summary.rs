//! The start-up summary: a few lines that say what this process is and what it talks to.

use order_storage::{Database, SqliteLocation};

use crate::settings::mask_url_password;
use crate::{Application, Config};

/// Logs the version, the listen addresses, the database, each outside service, the auth mode, and NATS and
/// Redis when configured. Passwords are masked.
pub fn log_startup_summary(config: &Config, application: &Application) {
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        "order-server {} starting",
        env!("CARGO_PKG_VERSION")
    );
    let address = application.address();
    tracing::info!(%address, "listening on http://{address}");
    match application.metrics_address() {
        Some(metrics) => tracing::info!(address = %metrics, "metrics on http://{metrics}/metrics"),
        None => tracing::info!(address = %address, "metrics on http://{address}/metrics"),
    }
    let backend = config.database.backend();
    let location = database_location(&config.database);
    tracing::info!(backend, %location, "database: {backend} at {location}");
    let services = &config.services;
    for (service, settings) in [
        ("customer", &services.customer),
        ("inventory", &services.inventory),
        ("payment", &services.payment),
        ("shipping", &services.shipping),
        ("notification", &services.notification),
    ] {
        let url = settings
            .as_ref()
            .map_or_else(|| "stand-in".to_owned(), |s| s.base_url.to_string());
        tracing::info!(service, %url, "{service} service: {url}");
    }
    let auth = &config.auth;
    let mode = match (&auth.secret, &auth.jwks_file) {
        (Some(_), _) => "bearer JWT, HS256 (AUTH_JWT_SECRET)".to_owned(),
        (None, Some(file)) => format!("bearer JWT, keys from {}", file.display()),
        (None, None) if auth.disabled => "open (AUTH_DISABLED=true)".to_owned(),
        (None, None) => "open (no auth configured; loopback only)".to_owned(),
    };
    tracing::info!(auth = %mode, "auth: {mode}");
    for (name, variable) in [("NATS", "NATS_URL"), ("Redis", "REDIS_URL")] {
        if let Some(url) = std::env::var(variable).ok().filter(|v| !v.is_empty()) {
            let url = mask_url_password(&url);
            tracing::info!(%url, "{name}: {url}");
        }
    }
}

fn database_location(database: &Database) -> String {
    match database {
        Database::Sqlite(SqliteLocation::File(path)) => path.display().to_string(),
        Database::Sqlite(SqliteLocation::Memory) => "memory".to_owned(),
        Database::Postgres(url) => mask_url_password(url),
    }
}
