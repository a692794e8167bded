//! Budgets shared by every replica: GCRA in Redis, one Lua script per request, so that counting is atomic.
//! Redis's own clock (`TIME`) is the only clock, so replicas with skewed clocks still agree. An unreachable
//! Redis lets requests through uncounted (fail open) with one warning per outage.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;

use super::{Budget, Decision, RateLimiter, RateLimits};

/// GCRA: the key holds the theoretical arrival time (TAT, in microseconds of Redis's clock) of the next
/// request. A request is allowed when `TAT + interval - window <= now`; each allowed one pushes TAT on by one
/// interval. Returns `{allowed, remaining, retry_after_us, reset_us}`.
const GCRA: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local allowed_at = next_tat - window
if allowed_at > now then
  return {0, 0, allowed_at - now, tat - now}
end
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil((next_tat - now) / 1000))
return {1, math.floor((window - (next_tat - now)) / interval), 0, next_tat - now}
";

/// After a failed call, how long requests go through uncounted before Redis is asked again, so that a Redis
/// that does not answer costs each request nothing rather than the timeout.
const PAUSE_AFTER_FAILURE: Duration = Duration::from_millis(500);

/// Where the shared budgets live.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// `redis://host:port/db`.
    pub url: String,
    /// Every key starts with this (`orders:rl:`), then the budget and the client.
    pub key_prefix: String,
    /// The longest a request waits for Redis before going through uncounted.
    pub timeout: Duration,
}

impl RedisSettings {
    pub const DEFAULT_KEY_PREFIX: &'static str = "orders:rl:";
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(50);

    /// Checks that `url` is a Redis URL (without connecting).
    pub fn parse_url(url: &str) -> Result<String, String> {
        redis::Client::open(url.trim())
            .map(|_| url.trim().to_owned())
            .map_err(|error| format!("not a Redis URL: {error}"))
    }
}

pub struct RedisLimiter {
    limits: RateLimits,
    connection: ConnectionManager,
    script: Script,
    key_prefix: String,
    timeout: Duration,
    outage: Outage,
}

impl RedisLimiter {
    /// Prepares the connection without making it: a Redis that is down at start-up is an outage like any other.
    /// Must run inside a Tokio runtime.
    pub fn new(limits: RateLimits, settings: RedisSettings) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(settings.url.as_str())?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout.max(Duration::from_millis(250))))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self {
            limits,
            connection,
            script: Script::new(GCRA),
            key_prefix: settings.key_prefix,
            timeout: settings.timeout,
            outage: Outage::default(),
        })
    }

    async fn run(&self, key: String, interval_us: u64, window_us: u64) -> Result<Vec<i64>, String> {
        let mut connection = self.connection.clone();
        let mut invocation = self.script.key(key);
        invocation.arg(interval_us).arg(window_us);
        match tokio::time::timeout(self.timeout, invocation.invoke_async(&mut connection)).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("no answer within {:?}", self.timeout)),
        }
    }
}

#[async_trait]
impl RateLimiter for RedisLimiter {
    fn limits(&self) -> RateLimits {
        self.limits
    }

    async fn acquire(&self, budget: Budget, client: &str) -> Decision {
        let Some(quota) = self.limits.quota(budget) else {
            return Decision::Unmetered;
        };
        if self.outage.pausing() {
            return self.outage.fail_open();
        }
        let key = format!("{}{}:{}", self.key_prefix, budget.name(), client);
        let interval_us = quota.emission_interval().as_micros() as u64;
        let window_us = interval_us * u64::from(quota.count().get());
        match self.run(key, interval_us, window_us).await {
            Ok(answer) => {
                self.outage.over();
                decision(&answer)
            }
            Err(error) => {
                self.outage.begin(&error);
                self.outage.fail_open()
            }
        }
    }

    fn failed_open(&self) -> u64 {
        self.outage.failed_open.load(Ordering::Relaxed)
    }
}

fn decision(answer: &[i64]) -> Decision {
    let micros = |n: i64| Duration::from_micros(u64::try_from(n).unwrap_or(0));
    match *answer {
        [1, remaining, _, reset] => Decision::Allowed {
            remaining: u32::try_from(remaining).unwrap_or(0),
            reset: micros(reset),
        },
        [_, _, retry_after, reset] => Decision::Refused {
            retry_after: micros(retry_after),
            reset: micros(reset),
        },
        _ => Decision::Unmetered,
    }
}

/// Whether Redis is down, since when requests skip it, and how many went through uncounted.
#[derive(Default)]
struct Outage {
    down: AtomicBool,
    paused_until: Mutex<Option<Instant>>,
    failed_open: AtomicU64,
}

impl Outage {
    fn pausing(&self) -> bool {
        let paused_until = self.paused_until.lock().map(|until| *until).unwrap_or(None);
        paused_until.is_some_and(|until| Instant::now() < until)
    }

    fn begin(&self, error: &str) {
        if let Ok(mut until) = self.paused_until.lock() {
            *until = Some(Instant::now() + PAUSE_AFTER_FAILURE);
        }
        if !self.down.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                error,
                "Redis cannot be reached: rate limits are not enforced until it answers again"
            );
        }
    }

    fn over(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("Redis answers again: rate limits are enforced");
        }
    }

    fn fail_open(&self) -> Decision {
        self.failed_open.fetch_add(1, Ordering::Relaxed);
        Decision::Unmetered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limit::Quota;

    fn unreachable() -> RedisSettings {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free port");
        RedisSettings {
            url: format!("redis://127.0.0.1:{port}"),
            key_prefix: "test:".into(),
            timeout: Duration::from_millis(50),
        }
    }

    #[tokio::test]
    async fn an_unreachable_redis_lets_every_request_through_and_counts_them() {
        let limits = RateLimits {
            reads: None,
            writes: Some(Quota::parse("1/h").expect("a quota")),
        };
        let limiter = RedisLimiter::new(limits, unreachable()).expect("a limiter");
        let started = Instant::now();
        for _ in 0..5 {
            assert_eq!(
                limiter.acquire(Budget::Writes, "a").await,
                Decision::Unmetered
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(limiter.failed_open(), 5);
        assert!(limiter.outage.down.load(Ordering::Relaxed));
    }

    #[test]
    fn the_scripts_answers_become_decisions() {
        assert_eq!(
            decision(&[1, 2, 0, 1_000_000]),
            Decision::Allowed {
                remaining: 2,
                reset: Duration::from_secs(1)
            }
        );
        assert_eq!(
            decision(&[0, 0, 250_000, 1_250_000]),
            Decision::Refused {
                retry_after: Duration::from_millis(250),
                reset: Duration::from_millis(1_250)
            }
        );
        assert_eq!(decision(&[]), Decision::Unmetered);
    }

    #[test]
    fn a_redis_url_is_checked_when_read() {
        assert!(RedisSettings::parse_url("redis://127.0.0.1:6379/0").is_ok());
        assert!(RedisSettings::parse_url("http://127.0.0.1:6379").is_err());
    }
}
