use std::fmt;
use std::time::Duration;

use reqwest::Url;

/// The root URL of an outside service: absolute `http://`, no query or fragment. Paths are appended to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Accepts `http://host[:port][/prefix]`; the reason of a refusal is meant for a configuration error.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = Url::parse(text.trim()).map_err(|e| format!("not a URL: {e}"))?;
        match url.scheme() {
            "http" => {}
            "https" => {
                return Err(
                    "https is not supported: this build has no TLS; use http:// inside the \
                            network or a TLS-terminating sidecar"
                        .to_owned(),
                )
            }
            other => return Err(format!("expected an http:// URL, not {other}://")),
        }
        if url.host().is_none() {
            return Err("the URL names no host".to_owned());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("a base URL takes no query or fragment".to_owned());
        }
        Ok(Self(url))
    }

    /// The base with `segments` appended, each percent-encoded as one path segment.
    pub fn join(&self, segments: &[&str]) -> Url {
        let mut url = self.0.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// When a service's circuit opens, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failed attempts (timeouts, refused connections, 5xx, 429) that open the circuit.
    pub failure_threshold: u32,
    /// How long an open circuit rejects calls before it lets one probe through.
    pub cool_down: Duration,
}

/// How one outside service is called: where, how patiently, how often, how many at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSettings {
    pub base_url: BaseUrl,
    /// The limit of one attempt, from connecting to the last byte of the answer; also the longest wait for a
    /// free slot when `max_concurrent` calls are already running.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Extra attempts for a call that is safe to repeat; 0 = one attempt only.
    pub max_retries: u32,
    /// The first retry waits up to `backoff_min`, each further one up to twice as long (full jitter), never
    /// more than `backoff_max`. A `Retry-After` longer than `backoff_max` is not waited for: the call fails
    /// with that `Retry-After` instead.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub breaker: BreakerSettings,
    /// Calls to this service in flight at once.
    pub max_concurrent: usize,
}

impl HttpSettings {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(2000);
    pub const DEFAULT_MAX_RETRIES: u32 = 2;

    /// The defaults: 2 s per attempt, 2 retries from 100 ms up to 2 s apart, the circuit opening after 5
    /// consecutive failures for 30 s, 32 calls at once.
    pub fn new(base_url: BaseUrl) -> Self {
        Self {
            base_url,
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Duration::from_millis(500),
            max_retries: Self::DEFAULT_MAX_RETRIES,
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(2),
            breaker: BreakerSettings {
                failure_threshold: 5,
                cool_down: Duration::from_secs(30),
            },
            max_concurrent: 32,
        }
    }

    /// Sets the per-attempt timeout; the connect timeout is kept no longer than it.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.connect_timeout = self.connect_timeout.min(timeout);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_with_a_host_are_base_urls() {
        assert!(BaseUrl::parse("http://127.0.0.1:3100").is_ok());
        assert!(BaseUrl::parse("http://inventory.internal/api/").is_ok());
        assert!(BaseUrl::parse("https://inventory.internal").is_err());
        assert!(BaseUrl::parse("ftp://inventory.internal").is_err());
        assert!(BaseUrl::parse("inventory.internal").is_err());
        assert!(BaseUrl::parse("http://inventory.internal/?x=1").is_err());
    }

    #[test]
    fn joined_segments_are_appended_to_the_prefix_and_encoded() {
        let base = |text: &str| BaseUrl::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            base("http://h:1/api/")
                .join(&["customers", "a b/c"])
                .as_str(),
            "http://h:1/api/customers/a%20b%2Fc"
        );
        assert_eq!(
            base("http://h:1").join(&["reservations"]).as_str(),
            "http://h:1/reservations"
        );
    }
}
