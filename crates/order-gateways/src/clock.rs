use chrono::{DateTime, Utc};
use order_domain::ports::Clock;

/// The wall clock, in UTC, to the microsecond (what the database keeps).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
    }
}
