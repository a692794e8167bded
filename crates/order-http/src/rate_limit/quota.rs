//! How many requests a client may make in a window: `100/s`, `600/min`, `10000/h`, and which budgets apply.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

/// A budget's size: `count` requests per `window`, replenished evenly (GCRA), so a client that waited a whole
/// window has all of it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    count: NonZeroU32,
    window: Window,
}

/// The window a quota is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Second,
    Minute,
    Hour,
}

impl Window {
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.seconds())
    }

    pub fn seconds(self) -> u64 {
        match self {
            Window::Second => 1,
            Window::Minute => 60,
            Window::Hour => 3_600,
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Window::Second => "s",
            Window::Minute => "min",
            Window::Hour => "h",
        }
    }
}

impl Quota {
    /// The largest count a window may have, so that one request's share is at least a microsecond.
    pub const MAX_COUNT: u32 = 1_000_000;

    pub const fn new(count: NonZeroU32, window: Window) -> Self {
        Self { count, window }
    }

    /// Reads `<n>/s`, `<n>/min` or `<n>/h` with `n` a whole number from 1.
    pub fn parse(text: &str) -> Result<Self, String> {
        const EXPECTED: &str =
            "expected <n>/s, <n>/min or <n>/h with n a whole number from 1 to 1000000, such as 100/s";
        let (count, unit) = text.trim().split_once('/').ok_or(EXPECTED)?;
        let count = count
            .trim()
            .parse::<NonZeroU32>()
            .ok()
            .filter(|n| n.get() <= Self::MAX_COUNT)
            .ok_or(EXPECTED)?;
        let window = match unit.trim() {
            "s" => Window::Second,
            "min" => Window::Minute,
            "h" => Window::Hour,
            _ => return Err(EXPECTED.to_owned()),
        };
        Ok(Self { count, window })
    }

    pub fn count(&self) -> NonZeroU32 {
        self.count
    }

    pub fn window(&self) -> Window {
        self.window
    }

    /// The time one request's share of the budget takes to come back: the window over the count.
    pub fn emission_interval(&self) -> Duration {
        self.window.duration() / self.count.get()
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, self.window.unit())
    }
}

/// The two budgets every client has on the order routes: reads (`GET`, `HEAD`) and writes (everything else).
/// `None` leaves that kind of request unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimits {
    pub reads: Option<Quota>,
    pub writes: Option<Quota>,
}

/// Which budget a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    Reads,
    Writes,
}

impl Budget {
    /// The policy name in the `RateLimit` and `RateLimit-Policy` headers, and in Redis keys.
    pub fn name(self) -> &'static str {
        match self {
            Budget::Reads => "reads",
            Budget::Writes => "writes",
        }
    }
}

impl RateLimits {
    /// With authentication on, a principal that sets nothing gets these: 500 reads and 100 writes a second.
    pub const AUTHENTICATED_DEFAULTS: RateLimits = RateLimits {
        reads: Some(Quota::new(nonzero(500), Window::Second)),
        writes: Some(Quota::new(nonzero(100), Window::Second)),
    };

    pub fn quota(&self, budget: Budget) -> Option<Quota> {
        match budget {
            Budget::Reads => self.reads,
            Budget::Writes => self.writes,
        }
    }

    pub fn is_unlimited(&self) -> bool {
        self.reads.is_none() && self.writes.is_none()
    }
}

const fn nonzero(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => panic!("a default quota of zero"),
    }
}

/// The budgets in force: what is configured, and with authentication on the defaults for what is not. In the
/// open (loopback-only) mode only configured budgets apply, so local runs and benchmarks are not throttled.
pub fn effective_limits(auth_enabled: bool, configured: RateLimits) -> RateLimits {
    if !auth_enabled {
        return configured;
    }
    let defaults = RateLimits::AUTHENTICATED_DEFAULTS;
    RateLimits {
        reads: configured.reads.or(defaults.reads),
        writes: configured.writes.or(defaults.writes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(text: &str) -> Quota {
        Quota::parse(text).expect("a valid quota")
    }

    #[test]
    fn quotas_are_read_per_second_minute_or_hour() {
        assert_eq!(
            quota("100/s").emission_interval(),
            Duration::from_millis(10)
        );
        assert_eq!(
            quota(" 600/min ").emission_interval(),
            Duration::from_millis(100)
        );
        assert_eq!(
            quota("7200/h").emission_interval(),
            Duration::from_millis(500)
        );
        assert_eq!(quota("3/s").count().get(), 3);
        assert_eq!(quota("3/min").window().seconds(), 60);
        assert_eq!(quota("5/h").to_string(), "5/h");
    }

    #[test]
    fn malformed_quotas_are_refused() {
        for text in [
            "",
            "100",
            "0/s",
            "-1/s",
            "1.5/s",
            "100/sec",
            "100/d",
            "/s",
            "ten/s",
            "100/",
            "1000001/s",
        ] {
            assert!(Quota::parse(text).is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn open_mode_limits_only_what_is_configured() {
        assert_eq!(
            effective_limits(false, RateLimits::default()),
            RateLimits::default()
        );
        let writes_only = RateLimits {
            reads: None,
            writes: Some(quota("3/s")),
        };
        assert_eq!(effective_limits(false, writes_only), writes_only);
    }

    #[test]
    fn with_authentication_the_defaults_fill_what_is_not_configured() {
        assert_eq!(
            effective_limits(true, RateLimits::default()),
            RateLimits {
                reads: Some(quota("500/s")),
                writes: Some(quota("100/s")),
            }
        );
        let configured = RateLimits {
            reads: Some(quota("20/min")),
            writes: None,
        };
        assert_eq!(
            effective_limits(true, configured),
            RateLimits {
                reads: Some(quota("20/min")),
                writes: Some(quota("100/s")),
            }
        );
    }
}
