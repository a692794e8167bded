use std::fmt;

use serde::de::{Error, Unexpected};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON number kept as its exact text, so `25.005` is never rounded through a float on its way in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonNumber(Box<str>);

impl JsonNumber {
    pub fn into_text(self) -> String {
        self.0.into()
    }
}

impl<'de> Deserialize<'de> for JsonNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            return Ok(JsonNumber(raw.into()));
        }
        let found = match text.as_bytes().first() {
            Some(b'"') => Unexpected::Other("a string"),
            Some(b't' | b'f') => Unexpected::Other("a boolean"),
            Some(b'[') => Unexpected::Seq,
            Some(b'{') => Unexpected::Map,
            _ => Unexpected::Other("null"),
        };
        Err(D::Error::invalid_type(found, &"a number"))
    }
}

/// An amount written as a JSON number with exactly its currency's decimals (`115.00`).
pub(crate) struct Amount(pub order_domain::Money);

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawValue::from_string(self.0.to_decimal().to_string())
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
