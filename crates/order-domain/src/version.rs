/// The optimistic-concurrency version of an order: 1 when placed, +1 on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(u64);

impl Version {
    pub const FIRST: Version = Version(1);

    pub fn new(value: u64) -> Option<Self> {
        (value >= 1).then_some(Self(value))
    }

    pub fn get(self) -> u64 {
        self.0
    }

    pub fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

/// A caller's condition on the version it last saw (HTTP `If-Match`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum VersionCheck {
    #[default]
    Any,
    OneOf(Vec<Version>),
}

/// The caller's `If-Match` names another version than the order's `current` one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the order is at version {}, not the one the request expects", current.get())]
pub struct StaleVersion {
    pub current: Version,
}

impl VersionCheck {
    pub fn admits(&self, current: Version) -> bool {
        match self {
            VersionCheck::Any => true,
            VersionCheck::OneOf(versions) => versions.contains(&current),
        }
    }

    /// The one If-Match rule: a change goes ahead only on a version the caller named.
    pub fn ensure(&self, current: Version) -> Result<(), StaleVersion> {
        if self.admits(current) {
            Ok(())
        } else {
            Err(StaleVersion { current })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_start_at_one_and_count_up() {
        assert_eq!(Version::new(0), None);
        assert_eq!(Version::FIRST.next().get(), 2);
    }

    #[test]
    fn a_version_check_admits_only_the_versions_it_names() {
        let two = Version::FIRST.next();
        assert!(VersionCheck::Any.admits(two));
        assert!(VersionCheck::OneOf(vec![Version::FIRST, two]).admits(two));
        assert!(!VersionCheck::OneOf(vec![Version::FIRST]).admits(two));
        assert!(!VersionCheck::OneOf(vec![]).admits(two));
    }
}
