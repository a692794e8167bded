//! What a client writes on an order for itself: a free-text note and string metadata, bounded as Stripe
//! bounds them. Neither changes what the order is; both are stored and shown as given.

use std::collections::BTreeMap;

use crate::{Field, Violation};

/// A free-text note: at most 1,000 characters, no NUL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: String) -> Result<Note, Violation> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(Violation::new(
                Field::Note,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if raw.contains('\0') {
            return Err(Violation::new(
                Field::Note,
                "must not contain NUL characters",
            ));
        }
        Ok(Note(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// String keys to string values: at most 50 keys of 1 to 40 characters, values of at most 500 characters.
/// Keys are kept sorted, so equal metadata is stored and fingerprinted alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata(BTreeMap<String, String>);

impl Metadata {
    pub const MAX_KEYS: usize = 50;
    pub const MAX_KEY_CHARS: usize = 40;
    pub const MAX_VALUE_CHARS: usize = 500;

    /// Names every key that breaks a rule (in the message, since keys are the client's), and the count.
    pub fn parse(entries: BTreeMap<String, String>) -> Result<Metadata, Vec<Violation>> {
        let mut violations = Vec::new();
        if entries.len() > Self::MAX_KEYS {
            violations.push(Violation::new(
                Field::Metadata,
                format!("must have at most {} keys", Self::MAX_KEYS),
            ));
        }
        for (key, value) in &entries {
            let problem = if key.is_empty() {
                Some("keys must not be empty".to_owned())
            } else if key.chars().count() > Self::MAX_KEY_CHARS {
                Some(format!(
                    "keys must be at most {} characters",
                    Self::MAX_KEY_CHARS
                ))
            } else if key.chars().any(char::is_control) {
                Some("keys must not contain control characters".to_owned())
            } else if value.chars().count() > Self::MAX_VALUE_CHARS {
                Some(format!(
                    "values must be at most {} characters",
                    Self::MAX_VALUE_CHARS
                ))
            } else if value.contains('\0') {
                Some("values must not contain NUL characters".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                let key: String = key.chars().take(Self::MAX_KEY_CHARS).collect();
                violations.push(Violation::new(
                    Field::Metadata,
                    format!("key `{}`: {problem}", key.escape_debug()),
                ));
            }
        }
        if violations.is_empty() {
            Ok(Metadata(entries))
        } else {
            Err(violations)
        }
    }

    /// The entries as stored, trusted: storage only holds what `parse` accepted.
    pub fn restore(entries: BTreeMap<String, String>) -> Metadata {
        Metadata(entries)
    }

    pub fn entries(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn fields(result: Result<Metadata, Vec<Violation>>) -> Vec<Field> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect()
    }

    #[test]
    fn notes_are_at_most_a_thousand_characters() {
        assert!(
            Note::parse("é".repeat(1000)).is_ok(),
            "characters, not bytes"
        );
        let too_long = Note::parse("a".repeat(1001)).expect_err("too long");
        assert_eq!(too_long.field, Field::Note);
        assert!(Note::parse("a\0b".to_owned()).is_err());
    }

    #[test]
    fn metadata_within_bounds_is_kept_as_given() {
        let given = entries(&[
            ("k".repeat(40).as_str(), "v".repeat(500).as_str()),
            ("a", ""),
        ]);
        let metadata = Metadata::parse(given.clone()).expect("within bounds");
        assert_eq!(metadata.entries(), &given);
    }

    #[test]
    fn each_bad_key_is_named() {
        let long_key = "k".repeat(41);
        let long_value = "v".repeat(501);
        let given = entries(&[
            ("a", "fine"),
            ("b", long_value.as_str()),
            ("", "x"),
            (long_key.as_str(), "x"),
        ]);
        let violations = Metadata::parse(given).expect_err("bad keys");
        let messages: Vec<_> = violations.iter().map(|v| v.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "key ``: keys must not be empty",
                "key `b`: values must be at most 500 characters",
                "key `kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk`: keys must be at most 40 characters",
            ]
        );
        assert!(violations.iter().all(|v| v.field == Field::Metadata));
    }

    #[test]
    fn metadata_has_at_most_fifty_keys() {
        let fifty: BTreeMap<_, _> = (0..50).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(Metadata::parse(fifty.clone()).is_ok());
        let mut fifty_one = fifty;
        fifty_one.insert("one-more".to_owned(), String::new());
        assert_eq!(fields(Metadata::parse(fifty_one)), vec![Field::Metadata]);
    }
}
