//! The table of every setting the service reads from its environment: name, default and meaning. `--help`
//! and `order-server config` are generated from it, and tests hold it to what `Config` really reads, so it
//! cannot drift. Secrets are masked generically: a setting marked `secret` is hidden whole, and the password
//! of any `scheme://user:password@host` value is hidden whatever the setting.

use std::fmt::Write;

pub struct Setting {
    pub name: &'static str,
    /// Empty when unset means something (a stand-in, the main listener).
    pub default: &'static str,
    pub meaning: &'static str,
    /// Hidden whole in every output (a signing key, a token).
    pub secret: bool,
}

const fn setting(name: &'static str, default: &'static str, meaning: &'static str) -> Setting {
    Setting {
        name,
        default,
        meaning,
        secret: false,
    }
}

pub const SETTINGS: &[Setting] = &[
    setting("LISTEN_ADDR", "127.0.0.1:3000", "where to serve HTTP"),
    setting(
        "DATABASE_URL",
        crate::config::DEFAULT_DATABASE_URL,
        "sqlite://<path>, sqlite::memory: or postgres://user:password@host:5432/db",
    ),
    setting(
        "DATABASE_POOL_SIZE",
        "",
        "connections (and concurrent database tasks), 1-64; by default 4 on SQLite, 16 on Postgres",
    ),
    setting(
        "DATABASE_READ_CONCURRENCY",
        "",
        "reads at once, 1-64 (at most the pool); by default the pool on SQLite, half of it on Postgres",
    ),
    setting(
        "DATABASE_ACQUIRE_TIMEOUT_MS",
        "5000",
        "how long a request waits for a connection (then 503)",
    ),
    setting(
        "DATABASE_STATEMENT_TIMEOUT_MS",
        "5000",
        "the longest a Postgres statement may run",
    ),
    setting(
        "SQLITE_MMAP_SIZE_MB",
        "0",
        "how much of a SQLite file reads may map (0: off); mapped pages count in RSS",
    ),
    setting(
        "SQLITE_CACHE_SIZE_KIB",
        "",
        "each SQLite connection's page cache (unset: SQLite's 2000); cached pages count in RSS",
    ),
    setting(
        "ORDER_CACHE_MB",
        "2",
        "memory for orders kept as read and as JSON, half each, served only at their version (0: none)",
    ),
    setting(
        "IDEMPOTENCY_KEY_TTL_SECS",
        "86400",
        "how long a keyed write (a create, a payment, a refund, a return) is replayed for its idempotency key",
    ),
    setting(
        "IDEMPOTENCY_PURGE_INTERVAL_SECS",
        "600",
        "how often expired idempotency keys are deleted",
    ),
    setting(
        "CUSTOMER_SERVICE_URL",
        "",
        "the customer service's http:// base URL; unset: in-process stand-in",
    ),
    setting(
        "CUSTOMER_SERVICE_TIMEOUT_MS",
        "2000",
        "one attempt's timeout for the customer service",
    ),
    setting(
        "INVENTORY_SERVICE_URL",
        "",
        "the inventory service's base URL; unset: stand-in",
    ),
    setting(
        "INVENTORY_SERVICE_TIMEOUT_MS",
        "2000",
        "one attempt's timeout for the inventory service",
    ),
    setting(
        "PAYMENT_SERVICE_URL",
        "",
        "the payment service's base URL; unset: stand-in",
    ),
    setting(
        "PAYMENT_SERVICE_TIMEOUT_MS",
        "2000",
        "one attempt's timeout for the payment service",
    ),
    setting(
        "SHIPPING_SERVICE_URL",
        "",
        "the shipping service's base URL; unset: stand-in",
    ),
    setting(
        "SHIPPING_SERVICE_TIMEOUT_MS",
        "2000",
        "one attempt's timeout for the shipping service",
    ),
    setting(
        "NOTIFICATION_SERVICE_URL",
        "",
        "the notification service's base URL; unset: stand-in",
    ),
    setting(
        "NOTIFICATION_SERVICE_TIMEOUT_MS",
        "2000",
        "one attempt's timeout for the notification service",
    ),
    setting(
        "GATEWAY_MAX_RETRIES",
        "2",
        "retries of an outside call that is safe to repeat, 0-10",
    ),
    setting(
        "CUSTOMER_CACHE_TTL_SECS",
        "30",
        "how long a customer service answer is reused (0: off)",
    ),
    setting(
        "SWEEP_INTERVAL_SECS",
        "60",
        "how often stray reservations are released and owed refunds made",
    ),
    setting(
        "RESERVATION_GRACE_SECS",
        "300",
        "how old a reservation must be before the sweeper judges it",
    ),
    setting(
        "PAYMENT_ATTEMPT_GRACE_SECS",
        "60",
        "how long a payment attempt may take before the worker voids what it obtained, unless its order took it",
    ),
    setting(
        "RATE_LIMIT_READS",
        "",
        "each client's budget for GET/HEAD on the order routes: <n>/s, <n>/min or <n>/h; unset: unlimited",
    ),
    setting(
        "RATE_LIMIT_WRITES",
        "",
        "each client's budget for other methods on the order routes; unset: unlimited",
    ),
    setting(
        "RATE_LIMIT_TRUST_FORWARDED_FOR",
        "false",
        "count an unauthenticated client by the last X-Forwarded-For address (only behind a proxy)",
    ),
    setting("REDIS_URL", "", "redis://host:port[/db]: budgets shared by every replica; unset: per process"),
    setting("REDIS_KEY_PREFIX", "orders:rl:", "the start of every rate-limit key in Redis"),
    setting("REDIS_TIMEOUT_MS", "50", "the longest a request waits for Redis before going through uncounted"),
    setting(
        "METRICS_LISTEN_ADDR",
        "",
        "serve /metrics on this host:port of its own; unset: on LISTEN_ADDR",
    ),
    setting(
        "CLIENT_BODY_TIMEOUT_SECS",
        "10",
        "how long a request body may take to arrive before 408 and the connection closed",
    ),
    setting(
        "MAX_CONNECTIONS",
        "512",
        "client connections served at once (more wait in the listen backlog)",
    ),
    setting(
        "ALLOW_STANDINS",
        "false",
        "let in-process stand-ins answer for services without a URL on a non-loopback address",
    ),
    setting(
        "SHUTDOWN_GRACE_SECS",
        "10",
        "how long in-flight requests may finish after SIGTERM/SIGINT",
    ),
    Setting {
        name: "AUTH_JWT_SECRET",
        default: "",
        meaning: "HS256 secret (at least 32 bytes) that bearer tokens are signed with",
        secret: true,
    },
    setting(
        "AUTH_JWKS_FILE",
        "",
        "a JWKS file of RS256/ES256 public keys (instead of AUTH_JWT_SECRET)",
    ),
    setting(
        "AUTH_ISSUER",
        "",
        "the `iss` every token must carry; unset: not checked",
    ),
    setting(
        "AUTH_AUDIENCE",
        "",
        "the `aud` every token must carry; unset: not checked",
    ),
    setting(
        "AUTH_LEEWAY_SECS",
        "30",
        "clock skew allowed on `exp` and `nbf`, at most 300",
    ),
    setting(
        "AUTH_DISABLED",
        "false",
        "serve without authentication on a non-loopback address",
    ),
    setting(
        "NATS_URL",
        "",
        "nats://host:port: events are published to NATS JetStream; unset: publication off",
    ),
    setting(
        "NATS_STREAM",
        "ORDERS",
        "the JetStream stream, created if missing",
    ),
    setting(
        "NATS_SUBJECT_PREFIX",
        "orders",
        "events go to <prefix>.<type without \"order.\">",
    ),
    setting(
        "OUTBOX_RETRY_MAX_SECS",
        "10",
        "the longest wait between two attempts of a failing after-commit effect",
    ),
    setting(
        "OUTBOX_LEASE_SECS",
        "60",
        "how long the worker holds the effects it claimed (after a crash, what it held waits this long)",
    ),
    setting(
        "OUTBOX_POLL_MS",
        "100",
        "how often the idle outbox worker looks for due effects",
    ),
    setting(
        "OUTBOX_CONCURRENCY",
        "4",
        "how many batches the outbox worker runs at once while a backlog lasts (on Postgres, its own connections)",
    ),
    setting(
        "EVENT_RETENTION_DAYS",
        "30",
        "how long done effects stay in the outbox table (the history is never pruned)",
    ),
    setting(
        "LOG_FORMAT",
        "text",
        "text (readable lines) or json (one JSON object per line)",
    ),
    setting(
        "RUST_LOG",
        "info",
        "log filter, e.g. order_server=debug,info",
    ),
];

/// The `--help` section that lists every setting.
pub fn help() -> String {
    let width = SETTINGS.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut help = String::from("Settings (environment variables, or a .env file):\n");
    for setting in SETTINGS {
        let default = match setting.default {
            "" => "unset".to_owned(),
            default => format!("default {default}"),
        };
        let _ = writeln!(
            help,
            "  {:width$}  {} [{default}]",
            setting.name, setting.meaning
        );
    }
    help
}

/// `NAME=value` per setting as `lookup` has it (or its default, marked), secrets masked.
pub fn effective(lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    for setting in SETTINGS {
        let line = match lookup(setting.name).filter(|v| !v.is_empty()) {
            Some(value) => format!("{}={}", setting.name, mask(setting, &value)),
            None if setting.default.is_empty() => format!("{}=  # unset", setting.name),
            None => format!(
                "{}={}  # default",
                setting.name,
                mask(setting, setting.default)
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The value as it may be shown: a secret setting hidden whole, any URL's password hidden.
pub fn mask(setting: &Setting, value: &str) -> String {
    if setting.secret {
        return "********".to_owned();
    }
    mask_url_password(value)
}

/// `scheme://user:password@host...` becomes `scheme://user:********@host...`; anything else is kept.
pub fn mask_url_password(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return value.to_owned();
    };
    let Some(colon) = rest[..at].find(':') else {
        return value.to_owned();
    };
    format!("{scheme}://{}:********{}", &rest[..colon], &rest[at..])
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;
    use crate::Config;

    /// Read by `main` itself rather than by `Config`.
    const READ_BY_MAIN: &[&str] = &["RUST_LOG"];

    #[test]
    fn url_passwords_are_masked_and_nothing_else() {
        assert_eq!(
            mask_url_password("postgres://app:s3cret@db:5432/orders"),
            "postgres://app:********@db:5432/orders"
        );
        assert_eq!(
            mask_url_password("redis://:pw@cache:6379/0"),
            "redis://:********@cache:6379/0"
        );
        assert_eq!(
            mask_url_password("postgres://app@db/orders"),
            "postgres://app@db/orders"
        );
        assert_eq!(
            mask_url_password("http://host/path@x:y"),
            "http://host/path@x:y"
        );
        assert_eq!(
            mask_url_password("sqlite://data/o.db"),
            "sqlite://data/o.db"
        );
    }

    #[test]
    fn a_secret_setting_is_hidden_whole() {
        let secret = Setting {
            secret: true,
            ..setting("JWT_SECRET", "", "")
        };
        assert_eq!(mask(&secret, "abc"), "********");
    }

    /// Every variable `Config` reads is in the table, and every one in the table is read somewhere.
    #[test]
    fn the_table_lists_exactly_the_variables_the_configuration_reads() {
        let read = RefCell::new(Vec::new());
        // With every URL set, the per-service settings are read too.
        let result = Config::from_lookup(|name| {
            read.borrow_mut().push(name.to_owned());
            match name {
                "REDIS_URL" => Some("redis://127.0.0.1:6379".to_owned()),
                _ => name
                    .ends_with("_SERVICE_URL")
                    .then(|| "http://service.internal".to_owned()),
            }
        });
        assert!(result.is_ok());
        let mut read = read.into_inner();
        read.extend(READ_BY_MAIN.iter().map(|s| s.to_string()));
        read.sort();
        read.dedup();
        let mut listed: Vec<_> = SETTINGS.iter().map(|s| s.name.to_owned()).collect();
        listed.sort();
        assert_eq!(read, listed);
    }

    /// The table's defaults are the ones `Config` applies.
    #[test]
    fn the_table_defaults_are_the_configuration_defaults() {
        let defaults: HashMap<_, _> = SETTINGS
            .iter()
            .filter(|s| !s.default.is_empty())
            .map(|s| (s.name, s.default.to_owned()))
            .collect();
        let from_table = Config::from_lookup(|name| defaults.get(name).cloned());
        let unset = Config::from_lookup(|_| None);
        assert_eq!(
            format!("{from_table:?}"),
            format!("{unset:?}"),
            "a default in the table differs from the one Config applies"
        );
    }

    #[test]
    fn the_effective_configuration_masks_the_database_password() {
        let shown = effective(|name| {
            (name == "DATABASE_URL").then(|| "postgres://app:s3cret@db/orders".to_owned())
        });
        assert!(
            shown.contains("DATABASE_URL=postgres://app:********@db/orders\n"),
            "{shown}"
        );
        assert!(!shown.contains("s3cret"));
        assert!(
            shown.contains("LISTEN_ADDR=127.0.0.1:3000  # default\n"),
            "{shown}"
        );
    }
}
