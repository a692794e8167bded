//! The request id that ties a request's log lines, its response and (through the use cases) its effects
//! together: the caller's `X-Request-Id` when it is a sane token, a new UUIDv7 otherwise.

use std::fmt;

use uuid::Uuid;

/// The header the id is read from and echoed in.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest caller-given id that is kept; a longer one is replaced.
const MAX_LEN: usize = 128;

/// A request's id, stored in the request's extensions by the observing middleware.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// The caller's id when it is 1 to 128 characters of `A-Z a-z 0-9 . _ : -`; `None` otherwise, so that
    /// nothing a caller sends can forge log lines or headers.
    pub fn parse(raw: &str) -> Option<Self> {
        let sane = (1..=MAX_LEN).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
        sane.then(|| Self(raw.to_owned()))
    }

    /// A new id (UUIDv7, so ids sort by time).
    pub fn generate() -> Self {
        Self(Uuid::now_v7().to_string())
    }

    /// The caller's id when it is sane, a new one otherwise.
    pub fn from_header(raw: Option<&str>) -> Self {
        raw.and_then(Self::parse).unwrap_or_else(Self::generate)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_token_is_kept() {
        for raw in ["abc", "req-1.2_3:4", &"a".repeat(128)] {
            assert_eq!(RequestId::parse(raw).map(|id| id.0), Some(raw.to_owned()));
        }
    }

    #[test]
    fn an_empty_long_or_odd_token_is_replaced_by_a_uuid_v7() {
        for raw in ["", &"a".repeat(129), "a b", "a\nb", "é", "a/b", "{\"x\":1}"] {
            assert_eq!(RequestId::parse(raw), None, "{raw:?}");
            let made = RequestId::from_header(Some(raw));
            let uuid = Uuid::parse_str(made.as_str()).map(|u| u.get_version_num());
            assert_eq!(uuid.ok(), Some(7), "{raw:?} gave {made}");
        }
    }
}
