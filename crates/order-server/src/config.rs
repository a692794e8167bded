mod auth;

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use chrono::TimeDelta;
use order_gateways::{BaseUrl, HttpSettings};
use order_http::rate_limit::{Quota, RateLimits, RedisSettings};
use order_storage::Database;

pub use auth::AuthSettings;

/// Everything the service reads from its environment, parsed once at start-up.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_ADDR`, default `127.0.0.1:3000`.
    pub listen_addr: SocketAddr,
    /// `DATABASE_URL`: `sqlite://<path>` (`sqlite:///abs/o.db`, `sqlite://rel/o.db`), `sqlite::memory:` or
    /// `postgres://user@host:port/database`; default `sqlite://data/orders.db`.
    pub database: Database,
    /// `DATABASE_POOL_SIZE`, default 4 on SQLite and 16 on Postgres (`default_pool_size`).
    pub database_pool_size: u32,
    /// `DATABASE_READ_CONCURRENCY`: reads at once, default the pool on SQLite and half of it on Postgres
    /// (`default_read_concurrency`).
    pub database_read_concurrency: u32,
    /// `DATABASE_ACQUIRE_TIMEOUT_MS`: how long a request waits for a connection; default 5000.
    pub database_acquire_timeout: Duration,
    /// `DATABASE_STATEMENT_TIMEOUT_MS`: the longest a Postgres statement may run; default 5000.
    pub database_statement_timeout: Duration,
    /// `SQLITE_MMAP_SIZE_MB`: how much of a SQLite file reads may map; default 0 (off).
    pub sqlite_mmap_mb: u64,
    /// `SQLITE_CACHE_SIZE_KIB`: each SQLite connection's page cache; unset, SQLite's default (2,000 KiB).
    pub sqlite_cache_kib: Option<u32>,
    /// `ORDER_CACHE_MB`: the memory for orders kept as last read (decoded, for list pages) and as last written
    /// (JSON, for lists and gets), half each, each served only at its version; default 2, 0 keeps none.
    pub order_cache_mb: u64,
    /// `IDEMPOTENCY_KEY_TTL_SECS`: how long a keyed write (create, payment, refund, return) is replayed for its key;
    /// default 86400 (24 h).
    pub idempotency_ttl: TimeDelta,
    /// `IDEMPOTENCY_PURGE_INTERVAL_SECS`: how often expired keys are deleted; default 600.
    pub idempotency_purge_interval: Duration,
    /// The outside services: each called over HTTP when its `<NAME>_SERVICE_URL` is set, otherwise answered
    /// by the in-process stand-in (`None`).
    pub services: Services,
    /// `CUSTOMER_CACHE_TTL_SECS`: how long a customer service answer is reused; default 30, 0 turns it off.
    pub customer_cache_ttl: Duration,
    /// `SWEEP_INTERVAL_SECS`: how often stray reservations and owed refunds are settled; default 60.
    pub sweep_interval: Duration,
    /// `RESERVATION_GRACE_SECS`: how old a reservation must be before the sweeper judges it; default 300.
    pub reservation_grace: TimeDelta,
    /// `PAYMENT_ATTEMPT_GRACE_SECS`: how long a payment attempt may take before the worker voids whatever it
    /// obtained, unless its order took it; default 60.
    pub payment_attempt_grace: TimeDelta,
    /// `NATS_URL` (`nats://host:port`): where events are published; unset, publication is off.
    pub nats_url: Option<String>,
    /// `NATS_STREAM`: the JetStream stream, created if missing; default `ORDERS`.
    pub nats_stream: String,
    /// `NATS_SUBJECT_PREFIX`: events go to `<prefix>.<type>`; default `orders`.
    pub nats_subject_prefix: String,
    /// `OUTBOX_RETRY_MAX_SECS`: the longest wait between two attempts of a failing effect; default 10.
    pub outbox_retry_max: Duration,
    /// `OUTBOX_LEASE_SECS`: how long a worker holds the effects it claimed before another may take them;
    /// after a crash, what the dead process held waits this long; default 60.
    pub outbox_lease: Duration,
    /// `OUTBOX_POLL_MS`: how often the idle outbox worker looks for due effects; default 100.
    pub outbox_poll: Duration,
    /// `OUTBOX_CONCURRENCY`: how many batches the outbox worker runs at once while a backlog lasts (and on
    /// Postgres, its connections); default 4.
    pub outbox_concurrency: u32,
    /// `EVENT_RETENTION_DAYS`: how long done effects stay in the outbox (the history is kept); default 30.
    pub event_retention_days: i64,
    /// `CLIENT_BODY_TIMEOUT_SECS`: how long a request's body may take to arrive before the answer is `408`
    /// and the connection is closed; default 10.
    pub client_body_timeout: Duration,
    /// `MAX_CONNECTIONS`: the most client connections served at once (more wait in the listen backlog);
    /// default 512, well under the usual limit of 1024 open files.
    pub max_connections: usize,
    /// `METRICS_LISTEN_ADDR`: where `/metrics` is served on a listener of its own; unset, on the main one.
    pub metrics_listen_addr: Option<SocketAddr>,
    /// `SHUTDOWN_GRACE_SECS`: how long in-flight requests may take to finish on SIGTERM/SIGINT; default 10.
    pub shutdown_grace: Duration,
    /// `LOG_FORMAT`: `text` (default, readable lines) or `json` (one JSON object per line).
    pub log_format: LogFormat,
    /// `AUTH_*`: bearer tokens on the order routes (see `AuthSettings`).
    pub auth: AuthSettings,
    /// `RATE_LIMIT_READS`, `RATE_LIMIT_WRITES`: each client's budget on the order routes, as `<n>/s`, `<n>/min`
    /// or `<n>/h`; unset means the default (none in the open mode; see `effective_limits`).
    pub rate_limits: RateLimits,
    /// `RATE_LIMIT_TRUST_FORWARDED_FOR`: count an unauthenticated client by the last `X-Forwarded-For` address
    /// rather than the connection's peer (only behind a proxy that sets it); default false.
    pub rate_limit_trust_forwarded_for: bool,
    /// `REDIS_URL` (budgets shared by every replica; unset: counted in each process), `REDIS_KEY_PREFIX`
    /// (default `orders:rl:`), `REDIS_TIMEOUT_MS` (default 50).
    pub redis: Option<RedisSettings>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

fn socket_addr(value: &str) -> Result<SocketAddr, String> {
    value
        .trim()
        .parse::<SocketAddr>()
        .map_err(|_| "expected host:port, such as 127.0.0.1:3000".to_owned())
}

/// `<NAME>_SERVICE_URL` (an `http://` base URL), `<NAME>_SERVICE_TIMEOUT_MS` (per attempt, default 2000) and
/// `GATEWAY_MAX_RETRIES` (default 2), for each outside service.
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub customer: Option<HttpSettings>,
    pub inventory: Option<HttpSettings>,
    pub payment: Option<HttpSettings>,
    pub shipping: Option<HttpSettings>,
    pub notification: Option<HttpSettings>,
}

/// A variable that is set but cannot be used; its message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub value: String,
    pub reason: String,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/orders.db";

/// Connections per backend unless `DATABASE_POOL_SIZE` says otherwise. SQLite: readers beside its one writer
/// thread, which commits every waiting write at once, so a few are enough. Postgres: every create and change
/// holds a connection across its round trips and its commit's WAL flush, and concurrent commits share one
/// flush, so 64 requests queueing on 4 connections wait for flushes one small group at a time; 8 to 32
/// connections made 1.5 times the creates of 4 (BENCHMARKS.md, 2026-11-26, fourth session).
pub fn default_pool_size(database: &Database) -> u32 {
    match database {
        Database::Sqlite(_) => 4,
        Database::Postgres(_) => 16,
    }
}

/// Reads at once unless `DATABASE_READ_CONCURRENCY` says otherwise. SQLite: every reader. Postgres: half the
/// pool. A read is CPU work on the server, and reads past its cores wait on each other's locks (Postgres backs
/// off from a contended spinlock for up to a second): on 2 cores, 16 reads at once had a get's p99 at 65-222 ms
/// and its slowest at 0.5-1.9 s, 8 had them at 10-13 ms, at 0.98 of the throughput. Writes keep the whole pool:
/// they mostly wait for their commit's flush (BENCHMARKS.md, tenth session).
pub fn default_read_concurrency(database: &Database, pool_size: u32) -> u32 {
    match database {
        Database::Sqlite(_) => pool_size,
        Database::Postgres(_) => (pool_size / 2).max(1),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(lookup);
        let database = env.read("DATABASE_URL", DEFAULT_DATABASE_URL, Database::from_url)?;
        let pool_size = env.number("DATABASE_POOL_SIZE", default_pool_size(&database), 1..=64)?;
        let reads = default_read_concurrency(&database, pool_size);
        let config = Self {
            listen_addr: env.read("LISTEN_ADDR", "127.0.0.1:3000", socket_addr)?,
            database,
            database_pool_size: pool_size,
            database_read_concurrency: env.number("DATABASE_READ_CONCURRENCY", reads, 1..=64)?,
            database_acquire_timeout: env.millis(
                "DATABASE_ACQUIRE_TIMEOUT_MS",
                5_000,
                1..=600_000,
            )?,
            database_statement_timeout: env.millis(
                "DATABASE_STATEMENT_TIMEOUT_MS",
                5_000,
                1..=600_000,
            )?,
            sqlite_mmap_mb: env.number("SQLITE_MMAP_SIZE_MB", 0, 0..=65_536)?,
            sqlite_cache_kib: env.optional("SQLITE_CACHE_SIZE_KIB", |v| {
                v.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|kib| (64..=1_048_576).contains(kib))
                    .ok_or_else(|| "expected a whole number from 64 to 1048576".to_owned())
            })?,
            order_cache_mb: env.number("ORDER_CACHE_MB", 2, 0..=4_096)?,
            idempotency_ttl: TimeDelta::seconds(env.number(
                "IDEMPOTENCY_KEY_TTL_SECS",
                86_400,
                1..=30 * 86_400,
            )?),
            idempotency_purge_interval: env.seconds(
                "IDEMPOTENCY_PURGE_INTERVAL_SECS",
                600,
                1..=86_400,
            )?,
            services: Services::read(&env)?,
            customer_cache_ttl: env.seconds("CUSTOMER_CACHE_TTL_SECS", 30, 0..=3_600)?,
            sweep_interval: env.seconds("SWEEP_INTERVAL_SECS", 60, 1..=86_400)?,
            reservation_grace: TimeDelta::seconds(env.number(
                "RESERVATION_GRACE_SECS",
                300,
                1..=86_400,
            )?),
            payment_attempt_grace: TimeDelta::seconds(env.number(
                "PAYMENT_ATTEMPT_GRACE_SECS",
                60,
                0..=86_400,
            )?),
            nats_url: env.optional("NATS_URL", |v| {
                let v = v.trim();
                match v.starts_with("nats://") || v.starts_with("tls://") {
                    true => Ok(v.to_owned()),
                    false => Err("expected nats://host:port".to_owned()),
                }
            })?,
            nats_stream: env.read("NATS_STREAM", "ORDERS", |v| nats_token(v, "a stream name"))?,
            nats_subject_prefix: env.read("NATS_SUBJECT_PREFIX", "orders", |v| {
                nats_token(v, "a subject token")
            })?,
            outbox_retry_max: env.seconds("OUTBOX_RETRY_MAX_SECS", 10, 1..=3_600)?,
            outbox_lease: env.seconds("OUTBOX_LEASE_SECS", 60, 1..=3_600)?,
            outbox_poll: env.millis("OUTBOX_POLL_MS", 100, 10..=60_000)?,
            outbox_concurrency: env.number("OUTBOX_CONCURRENCY", 4, 1..=32)?,
            event_retention_days: env.number("EVENT_RETENTION_DAYS", 30, 1..=3_650)?,
            client_body_timeout: env.seconds("CLIENT_BODY_TIMEOUT_SECS", 10, 1..=3_600)?,
            max_connections: env.number("MAX_CONNECTIONS", 512, 1..=65_536)?,
            metrics_listen_addr: env.optional("METRICS_LISTEN_ADDR", socket_addr)?,
            shutdown_grace: env.seconds("SHUTDOWN_GRACE_SECS", 10, 0..=3_600)?,
            log_format: env.read("LOG_FORMAT", "text", |v| match v.trim() {
                "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                _ => Err("expected text or json".to_owned()),
            })?,
            rate_limits: RateLimits {
                reads: env.optional("RATE_LIMIT_READS", Quota::parse)?,
                writes: env.optional("RATE_LIMIT_WRITES", Quota::parse)?,
            },
            rate_limit_trust_forwarded_for: env.flag("RATE_LIMIT_TRUST_FORWARDED_FOR", false)?,
            redis: read_redis(&env)?,
            auth: AuthSettings::read(&env)?,
        };
        config.refuse_accidental_standins(&env)?;
        config.auth.check_listen_addr(config.listen_addr)?;
        Ok(config)
    }

    /// Stand-ins answer for a service without a URL. That is the zero-setup default on a loopback address; on
    /// any other address it is refused (every payment would be "authorized") unless `ALLOW_STANDINS=true`.
    fn refuse_accidental_standins<F: Fn(&str) -> Option<String>>(
        &self,
        env: &Env<F>,
    ) -> Result<(), ConfigError> {
        let allowed = env.flag("ALLOW_STANDINS", false)?;
        let missing = self.services.without_url();
        if allowed || missing.is_empty() || self.listen_addr.ip().is_loopback() {
            return Ok(());
        }
        Err(ConfigError {
            variable: "LISTEN_ADDR",
            value: self.listen_addr.to_string(),
            reason: format!(
                "stand-ins would answer for services without a URL on a non-loopback address; \
                 set {}, or ALLOW_STANDINS=true to run with stand-ins",
                missing.join(", ")
            ),
        })
    }
}

fn read_redis<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
) -> Result<Option<RedisSettings>, ConfigError> {
    let Some(url) = env.optional("REDIS_URL", RedisSettings::parse_url)? else {
        return Ok(None);
    };
    Ok(Some(RedisSettings {
        url,
        key_prefix: env.read("REDIS_KEY_PREFIX", RedisSettings::DEFAULT_KEY_PREFIX, |v| {
            Ok(v.to_owned())
        })?,
        timeout: env.millis(
            "REDIS_TIMEOUT_MS",
            RedisSettings::DEFAULT_TIMEOUT.as_millis() as u64,
            1..=10_000,
        )?,
    }))
}

impl Services {
    fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let retries = env.number(
            "GATEWAY_MAX_RETRIES",
            HttpSettings::DEFAULT_MAX_RETRIES,
            0..=10,
        )?;
        let service = |url: &'static str, timeout: &'static str| -> Result<_, ConfigError> {
            let Some(base) = env.optional(url, BaseUrl::parse)? else {
                return Ok(None);
            };
            let timeout_ms = env.number(timeout, 2000, 1..=60_000)?;
            let mut settings =
                HttpSettings::new(base).with_timeout(Duration::from_millis(timeout_ms));
            settings.max_retries = retries;
            Ok(Some(settings))
        };
        Ok(Self {
            customer: service("CUSTOMER_SERVICE_URL", "CUSTOMER_SERVICE_TIMEOUT_MS")?,
            inventory: service("INVENTORY_SERVICE_URL", "INVENTORY_SERVICE_TIMEOUT_MS")?,
            payment: service("PAYMENT_SERVICE_URL", "PAYMENT_SERVICE_TIMEOUT_MS")?,
            shipping: service("SHIPPING_SERVICE_URL", "SHIPPING_SERVICE_TIMEOUT_MS")?,
            notification: service(
                "NOTIFICATION_SERVICE_URL",
                "NOTIFICATION_SERVICE_TIMEOUT_MS",
            )?,
        })
    }
}

/// Letters, digits, `-` and `_` only: what NATS allows in a stream name and a subject token alike.
fn nats_token(value: &str, what: &str) -> Result<String, String> {
    let valid = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    match valid {
        true => Ok(value.to_owned()),
        false => Err(format!("expected {what}: 1 to 64 letters, digits, - or _")),
    }
}

impl Services {
    /// The `<NAME>_SERVICE_URL` variables that are not set: those services are answered by stand-ins.
    pub fn without_url(&self) -> Vec<&'static str> {
        [
            ("CUSTOMER_SERVICE_URL", &self.customer),
            ("INVENTORY_SERVICE_URL", &self.inventory),
            ("PAYMENT_SERVICE_URL", &self.payment),
            ("SHIPPING_SERVICE_URL", &self.shipping),
            ("NOTIFICATION_SERVICE_URL", &self.notification),
        ]
        .into_iter()
        .filter(|(_, settings)| settings.is_none())
        .map(|(variable, _)| variable)
        .collect()
    }
}

struct Env<F>(F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    fn read<T>(
        &self,
        variable: &'static str,
        default: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        let value = (self.0)(variable).unwrap_or_else(|| default.to_owned());
        parse(&value).map_err(|reason| ConfigError {
            variable,
            value,
            reason,
        })
    }

    /// `None` when the variable is unset or empty.
    fn optional<T>(
        &self,
        variable: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        match (self.0)(variable) {
            Some(value) if !value.trim().is_empty() => {
                parse(&value).map(Some).map_err(|reason| ConfigError {
                    variable,
                    value,
                    reason,
                })
            }
            _ => Ok(None),
        }
    }

    fn number<T>(
        &self,
        variable: &'static str,
        default: T,
        range: RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + std::fmt::Display,
    {
        self.read(variable, &default.to_string(), |v| {
            v.trim()
                .parse::<T>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    format!(
                        "expected a whole number from {} to {}",
                        range.start(),
                        range.end()
                    )
                })
        })
    }

    fn flag(&self, variable: &'static str, default: bool) -> Result<bool, ConfigError> {
        self.read(variable, &default.to_string(), |v| {
            match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err("expected true or false".to_owned()),
            }
        })
    }

    fn millis(
        &self,
        variable: &'static str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Result<Duration, ConfigError> {
        self.number(variable, default, range)
            .map(Duration::from_millis)
    }

    fn seconds(
        &self,
        variable: &'static str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Result<Duration, ConfigError> {
        self.number(variable, default, range)
            .map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use order_storage::SqliteLocation;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_serve_locally_on_a_sqlite_file() {
        let config = config(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.listen_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(
            config.database,
            Database::Sqlite(SqliteLocation::File("data/orders.db".into()))
        );
        assert_eq!(config.idempotency_ttl, TimeDelta::hours(24));
        assert_eq!(config.client_body_timeout, Duration::from_secs(10));
        assert_eq!(config.max_connections, 512);
    }

    #[test]
    fn database_urls_choose_the_backend() {
        let backend = |url: &str| {
            config(&[("DATABASE_URL", url)])
                .map(|c| c.database.backend())
                .ok()
        };
        assert_eq!(backend("sqlite:///tmp/o.db"), Some("sqlite"));
        assert_eq!(backend("sqlite::memory:"), Some("sqlite"));
        assert_eq!(
            backend("postgres://postgres@127.0.0.1/orders"),
            Some("postgres")
        );
        assert_eq!(backend("sqlite://"), None);
        assert_eq!(backend("mysql://localhost/db"), None);
    }

    #[test]
    fn the_pool_size_defaults_per_backend_unless_set() {
        let pool = |vars: &[(&str, &str)]| config(vars).map(|c| c.database_pool_size).ok();
        assert_eq!(pool(&[]), Some(4));
        assert_eq!(pool(&[("DATABASE_URL", "sqlite::memory:")]), Some(4));
        let postgres = ("DATABASE_URL", "postgres://postgres@127.0.0.1/orders");
        assert_eq!(pool(&[postgres]), Some(16));
        assert_eq!(pool(&[postgres, ("DATABASE_POOL_SIZE", "6")]), Some(6));
        assert_eq!(pool(&[("DATABASE_POOL_SIZE", "6")]), Some(6));
    }

    #[test]
    fn reads_at_once_default_to_the_pool_on_sqlite_and_half_of_it_on_postgres() {
        let reads = |vars: &[(&str, &str)]| config(vars).map(|c| c.database_read_concurrency).ok();
        let postgres = ("DATABASE_URL", "postgres://postgres@127.0.0.1/orders");
        assert_eq!(reads(&[]), Some(4));
        assert_eq!(reads(&[("DATABASE_POOL_SIZE", "6")]), Some(6));
        assert_eq!(reads(&[postgres]), Some(8));
        assert_eq!(reads(&[postgres, ("DATABASE_POOL_SIZE", "6")]), Some(3));
        assert_eq!(reads(&[postgres, ("DATABASE_POOL_SIZE", "1")]), Some(1));
        assert_eq!(
            reads(&[postgres, ("DATABASE_READ_CONCURRENCY", "12")]),
            Some(12)
        );
        assert_eq!(reads(&[("DATABASE_READ_CONCURRENCY", "0")]), None);
    }

    #[test]
    fn the_sqlite_cache_is_sqlites_own_unless_set_in_kib() {
        let cache = |vars: &[(&str, &str)]| config(vars).map(|c| c.sqlite_cache_kib);
        assert_eq!(cache(&[]).ok(), Some(None));
        assert_eq!(cache(&[("SQLITE_CACHE_SIZE_KIB", "")]).ok(), Some(None));
        assert_eq!(
            cache(&[("SQLITE_CACHE_SIZE_KIB", "4096")]).ok(),
            Some(Some(4096))
        );
        assert!(cache(&[("SQLITE_CACHE_SIZE_KIB", "0")]).is_err());
        assert!(cache(&[("SQLITE_CACHE_SIZE_KIB", "-2000")]).is_err());
        assert!(cache(&[("SQLITE_CACHE_SIZE_KIB", "2097152")]).is_err());
    }

    #[test]
    fn a_bad_value_is_reported_with_its_variable() {
        let error = config(&[("LISTEN_ADDR", "localhost")])
            .err()
            .map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.starts_with("LISTEN_ADDR=\"localhost\" is invalid")),
            "{error:?}"
        );
        let error = config(&[("DATABASE_POOL_SIZE", "0")])
            .err()
            .map(|e| e.variable);
        assert_eq!(error, Some("DATABASE_POOL_SIZE"));
        let error = config(&[("IDEMPOTENCY_KEY_TTL_SECS", "soon")])
            .err()
            .map(|e| e.variable);
        assert_eq!(error, Some("IDEMPOTENCY_KEY_TTL_SECS"));
    }

    #[test]
    fn outside_services_are_stand_ins_unless_their_url_is_set() {
        let defaults = config(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(defaults.services.customer.is_none());
        assert!(defaults.services.notification.is_none());

        let config = config(&[
            ("CUSTOMER_SERVICE_URL", "http://customers.internal:8080"),
            ("PAYMENT_SERVICE_URL", "http://payments.internal"),
            ("PAYMENT_SERVICE_TIMEOUT_MS", "750"),
            ("GATEWAY_MAX_RETRIES", "4"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let customer = config
            .services
            .customer
            .unwrap_or_else(|| panic!("no customer service"));
        assert_eq!(
            customer.base_url.to_string(),
            "http://customers.internal:8080/"
        );
        assert_eq!(customer.timeout, Duration::from_millis(2000));
        assert_eq!(customer.max_retries, 4);
        let payment = config
            .services
            .payment
            .unwrap_or_else(|| panic!("no payment service"));
        assert_eq!(payment.timeout, Duration::from_millis(750));
        assert!(config.services.inventory.is_none());
        assert!(config.services.shipping.is_none());
    }

    #[test]
    fn publication_is_off_unless_nats_is_configured_and_names_are_checked() {
        let defaults = config(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(defaults.nats_url, None);
        assert_eq!(defaults.nats_stream, "ORDERS");
        assert_eq!(defaults.nats_subject_prefix, "orders");
        assert_eq!(defaults.outbox_retry_max, Duration::from_secs(10));
        assert_eq!(defaults.outbox_lease, Duration::from_secs(60));
        let leased = config(&[("OUTBOX_LEASE_SECS", "2")]).map(|c| c.outbox_lease);
        assert_eq!(leased.ok(), Some(Duration::from_secs(2)));
        assert!(config(&[("OUTBOX_LEASE_SECS", "0")]).is_err());
        assert_eq!(defaults.outbox_concurrency, 4);
        let wide = config(&[("OUTBOX_CONCURRENCY", "8")]).map(|c| c.outbox_concurrency);
        assert_eq!(wide.ok(), Some(8));
        assert!(config(&[("OUTBOX_CONCURRENCY", "0")]).is_err());
        assert!(config(&[("OUTBOX_CONCURRENCY", "33")]).is_err());
        assert_eq!(defaults.event_retention_days, 30);
        let on = config(&[("NATS_URL", "nats://127.0.0.1:4222")]).ok();
        assert_eq!(
            on.and_then(|c| c.nats_url).as_deref(),
            Some("nats://127.0.0.1:4222")
        );
        let variable = |vars: &[(&str, &str)]| config(vars).err().map(|e| e.variable);
        assert_eq!(
            variable(&[("NATS_URL", "localhost:4222")]),
            Some("NATS_URL")
        );
        assert_eq!(
            variable(&[("NATS_SUBJECT_PREFIX", "orders.>")]),
            Some("NATS_SUBJECT_PREFIX")
        );
        assert_eq!(
            variable(&[("OUTBOX_RETRY_MAX_SECS", "0")]),
            Some("OUTBOX_RETRY_MAX_SECS")
        );
    }

    #[test]
    fn stand_ins_are_refused_off_loopback_unless_allowed() {
        let refused = config(&[
            ("LISTEN_ADDR", "0.0.0.0:3000"),
            ("PAYMENT_SERVICE_URL", "http://payments.internal"),
        ])
        .err()
        .map(|e| (e.variable, e.to_string()));
        let (variable, message) = refused.expect("refused off loopback");
        assert_eq!(variable, "LISTEN_ADDR");
        for missing in [
            "CUSTOMER_SERVICE_URL",
            "INVENTORY_SERVICE_URL",
            "SHIPPING_SERVICE_URL",
            "NOTIFICATION_SERVICE_URL",
        ] {
            assert!(message.contains(missing), "{message} names {missing}");
        }
        assert!(!message.contains("PAYMENT_SERVICE_URL"), "{message}");

        assert!(config(&[
            ("LISTEN_ADDR", "0.0.0.0:3000"),
            ("ALLOW_STANDINS", "true"),
            ("AUTH_DISABLED", "true")
        ])
        .is_ok());
        assert!(config(&[("LISTEN_ADDR", "[::1]:3000")]).is_ok());
        assert_eq!(
            config(&[("ALLOW_STANDINS", "maybe")])
                .err()
                .map(|e| e.variable),
            Some("ALLOW_STANDINS")
        );
    }

    #[test]
    fn gateway_retries_default_to_two() {
        let config = config(&[("SHIPPING_SERVICE_URL", "http://shipping.internal")])
            .unwrap_or_else(|e| panic!("{e}"));
        let shipping = config
            .services
            .shipping
            .unwrap_or_else(|| panic!("no shipping service"));
        assert_eq!(shipping.max_retries, 2);
    }

    #[test]
    fn a_bad_service_variable_is_reported_with_its_name() {
        let variable = |vars: &[(&str, &str)]| config(vars).err().map(|e| e.variable);
        assert_eq!(
            variable(&[("INVENTORY_SERVICE_URL", "inventory:8080")]),
            Some("INVENTORY_SERVICE_URL")
        );
        assert_eq!(
            variable(&[("NOTIFICATION_SERVICE_URL", "https://notify.example")]),
            Some("NOTIFICATION_SERVICE_URL")
        );
        assert_eq!(
            variable(&[
                ("PAYMENT_SERVICE_URL", "http://payments.internal"),
                ("PAYMENT_SERVICE_TIMEOUT_MS", "0")
            ]),
            Some("PAYMENT_SERVICE_TIMEOUT_MS")
        );
        assert_eq!(
            variable(&[("GATEWAY_MAX_RETRIES", "-1")]),
            Some("GATEWAY_MAX_RETRIES")
        );
    }

    const SECRET: (&str, &str) = ("AUTH_JWT_SECRET", "0123456789abcdef0123456789abcdef");
    /// Off loopback, stand-ins must be allowed too; these tests are about authentication.
    const STANDINS: (&str, &str) = ("ALLOW_STANDINS", "true");

    #[test]
    fn without_authentication_only_a_loopback_address_is_served() {
        let open = config(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!open.auth.authentication().requires_token());
        assert!(config(&[("LISTEN_ADDR", "[::1]:3000")]).is_ok());

        let refused = config(&[("LISTEN_ADDR", "0.0.0.0:3000"), STANDINS]).err();
        assert_eq!(refused.as_ref().map(|e| e.variable), Some("LISTEN_ADDR"));
        let message = refused.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("AUTH_DISABLED=true"), "{message}");
    }

    #[test]
    fn a_public_address_is_served_with_authentication_or_when_it_is_disabled_explicitly() {
        let with_auth = config(&[("LISTEN_ADDR", "0.0.0.0:3000"), STANDINS, SECRET])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(with_auth.auth.authentication().requires_token());
        let disabled = config(&[
            ("LISTEN_ADDR", "0.0.0.0:3000"),
            STANDINS,
            ("AUTH_DISABLED", "true"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(!disabled.auth.authentication().requires_token());
    }

    #[test]
    fn a_bad_auth_setting_is_reported_with_its_variable() {
        let variable = |vars: &[(&str, &str)]| config(vars).err().map(|e| e.variable);
        assert_eq!(
            variable(&[("AUTH_JWT_SECRET", "short")]),
            Some("AUTH_JWT_SECRET")
        );
        assert_eq!(
            variable(&[("AUTH_JWKS_FILE", "/no/such/jwks.json")]),
            Some("AUTH_JWKS_FILE")
        );
        assert_eq!(
            variable(&[("AUTH_DISABLED", "maybe")]),
            Some("AUTH_DISABLED")
        );
        assert_eq!(
            variable(&[SECRET, ("AUTH_LEEWAY_SECS", "3600")]),
            Some("AUTH_LEEWAY_SECS")
        );
        let jwks = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(jwks.path(), "{\"keys\": []}").unwrap_or_else(|e| panic!("{e}"));
        let path = jwks.path().to_string_lossy().into_owned();
        assert_eq!(
            variable(&[("AUTH_JWKS_FILE", path.as_str())]),
            Some("AUTH_JWKS_FILE")
        );
    }

    #[test]
    fn the_secret_never_appears_in_the_debug_output() {
        let config = config(&[SECRET]).unwrap_or_else(|e| panic!("{e}"));
        let printed = format!("{config:?}");
        assert!(!printed.contains(SECRET.1), "{printed}");
    }

    #[test]
    fn rate_limits_are_unset_by_default_and_read_as_quotas() {
        let defaults = config(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(defaults.rate_limits, RateLimits::default());
        assert!(defaults.redis.is_none());
        assert!(!defaults.rate_limit_trust_forwarded_for);

        let config = config(&[
            ("RATE_LIMIT_READS", "500/s"),
            ("RATE_LIMIT_WRITES", "20/min"),
            ("RATE_LIMIT_TRUST_FORWARDED_FOR", "true"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            config.rate_limits.reads.map(|q| q.to_string()).as_deref(),
            Some("500/s")
        );
        assert_eq!(
            config.rate_limits.writes.map(|q| q.to_string()).as_deref(),
            Some("20/min")
        );
        assert!(config.rate_limit_trust_forwarded_for);
        let redis = config.redis.unwrap_or_else(|| panic!("no Redis settings"));
        assert_eq!(redis.key_prefix, "orders:rl:");
        assert_eq!(redis.timeout, Duration::from_millis(50));
    }

    #[test]
    fn a_bad_rate_limit_setting_is_reported_with_its_name() {
        let variable = |vars: &[(&str, &str)]| config(vars).err().map(|e| e.variable);
        assert_eq!(
            variable(&[("RATE_LIMIT_READS", "100")]),
            Some("RATE_LIMIT_READS")
        );
        assert_eq!(
            variable(&[("RATE_LIMIT_WRITES", "0/s")]),
            Some("RATE_LIMIT_WRITES")
        );
        assert_eq!(
            variable(&[("REDIS_URL", "localhost:6379")]),
            Some("REDIS_URL")
        );
        assert_eq!(
            variable(&[("RATE_LIMIT_TRUST_FORWARDED_FOR", "maybe")]),
            Some("RATE_LIMIT_TRUST_FORWARDED_FOR")
        );
        assert_eq!(
            variable(&[
                ("REDIS_URL", "redis://127.0.0.1"),
                ("REDIS_TIMEOUT_MS", "0")
            ]),
            Some("REDIS_TIMEOUT_MS")
        );
    }
}
