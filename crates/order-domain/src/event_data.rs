//! An event's payload: a `Datum` when the domain builds it with its change, its JSON text when it is read
//! back from the history. Read back, it is written out again as it was stored, in the one form every payload
//! is written in (`datum_serde`), never parsed into a tree on its way to NATS or to a client.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::Datum;

#[derive(Debug, Clone)]
pub enum EventData {
    /// Built by the domain with its change.
    Built(Datum),
    /// Read back from the history: a JSON object, in the form it was written in.
    Stored(Box<RawValue>),
}

/// Stored text that is not a JSON object.
#[derive(Debug, thiserror::Error)]
#[error("an event's data is not a JSON object: {0}")]
pub struct NotAnObject(String);

impl EventData {
    /// Stored text, checked to be a JSON object without building its tree.
    pub fn stored(text: String) -> Result<Self, NotAnObject> {
        match RawValue::from_string(text) {
            Ok(raw) if raw.get().starts_with('{') => Ok(Self::Stored(raw)),
            Ok(raw) => Err(NotAnObject(raw.get().chars().take(64).collect())),
            Err(error) => Err(NotAnObject(error.to_string())),
        }
    }

    /// The payload as a tree, parsed if it was read back.
    pub fn to_datum(&self) -> Result<Datum, serde_json::Error> {
        match self {
            Self::Built(datum) => Ok(datum.clone()),
            Self::Stored(raw) => serde_json::from_str(raw.get()),
        }
    }

    /// The payload's JSON text.
    pub fn to_json(&self) -> String {
        match self {
            // Cannot fail: a datum has text keys and integers only.
            Self::Built(datum) => serde_json::to_string(datum).unwrap_or_default(),
            Self::Stored(raw) => raw.get().to_owned(),
        }
    }
}

impl From<Datum> for EventData {
    fn from(datum: Datum) -> Self {
        Self::Built(datum)
    }
}

impl Serialize for EventData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Built(datum) => datum.serialize(serializer),
            Self::Stored(raw) => raw.serialize(serializer),
        }
    }
}

/// The same payload, however it was come by: equal JSON text, in the one form every payload is written in
/// (an object's keys sorted), so objects that differ only in the order of their keys are equal.
impl PartialEq for EventData {
    fn eq(&self, other: &Self) -> bool {
        self.to_json() == other.to_json()
    }
}

impl Eq for EventData {}

#[cfg(test)]
mod tests {
    use super::*;

    fn built() -> Datum {
        Datum::object([
            ("total", Datum::text("10.00")),
            ("lines", Datum::List(vec![Datum::Integer(2), Datum::Null])),
            (
                "after",
                Datum::object([("b", Datum::text("é\"")), ("a", Datum::Null)]),
            ),
        ])
    }

    #[test]
    fn a_payload_read_back_is_written_out_as_it_was_stored() {
        let text = EventData::from(built()).to_json();
        let stored = EventData::stored(text.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(stored, EventData::Stored(_)));
        assert_eq!(serde_json::to_string(&stored).ok(), Some(text.clone()));
        assert_eq!(
            serde_json::to_string(&EventData::from(built())).ok(),
            Some(text)
        );
        assert_eq!(stored, EventData::from(built()));
        let read = stored.to_datum().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(EventData::from(read), EventData::from(built()));
    }

    #[test]
    fn stored_text_that_is_no_json_object_is_refused() {
        for text in ["", "[1]", "\"x\"", "12", "{\"a\":", "{} {}", "null"] {
            assert!(EventData::stored(text.to_owned()).is_err(), "{text}");
        }
        assert!(EventData::stored("{}".to_owned()).is_ok());
    }

    #[test]
    fn payloads_differ_when_their_data_does() {
        let other = Datum::object([("total", Datum::text("11.00"))]);
        let stored =
            EventData::stored(EventData::from(built()).to_json()).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(stored, EventData::from(other));
    }
}
