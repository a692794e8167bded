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
        RawValue::from_string(decimal_text(
            self.0.minor_units(),
            self.0.currency().minor_digits(),
        ))
        .map_err(serde::ser::Error::custom)?
        .serialize(serializer)
    }
}

/// `minor` units as a decimal with exactly `digits` decimals, as `Money::to_decimal` displays it (`115.00`,
/// `0.05`, `7` with none), written straight from the integer into a string of its exact length (which
/// `RawValue` keeps without copying): through `Decimal`'s formatter it was a third of a page's rendering.
fn decimal_text(minor: i64, digits: u32) -> String {
    if digits > 20 {
        // No currency has so many (ISO 4217's most is 4).
        return rust_decimal::Decimal::try_new(minor, digits)
            .map(|decimal| decimal.to_string())
            .unwrap_or_else(|_| minor.to_string());
    }
    // At most 21 digits (a u64's 20, or a fraction's leading zeros), '-' and '.'.
    let mut text = [0u8; 24];
    let mut start = text.len();
    let mut magnitude = minor.unsigned_abs();
    let mut written = 0;
    while magnitude > 0 || written <= digits {
        if written == digits && digits > 0 {
            start -= 1;
            text[start] = b'.';
        }
        start -= 1;
        // `magnitude % 10` is below 10.
        text[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        written += 1;
    }
    if minor < 0 {
        start -= 1;
        text[start] = b'-';
    }
    String::from_utf8_lossy(&text[start..]).into_owned()
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use order_domain::{Currency, Money};

    use super::{decimal_text, Amount};

    #[test]
    fn an_amount_is_written_as_its_decimal_with_the_currency_s_decimals() {
        let currencies = ["USD", "JPY", "KWD", "CLF"].map(Currency::parse);
        let minors = [
            0,
            1,
            5,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            1005,
            2550,
            16500,
            123_456_789,
            i64::MAX,
        ];
        for currency in currencies.into_iter().flatten() {
            for minor in minors {
                let Ok(money) = Money::from_minor(minor, currency) else {
                    continue;
                };
                let json = serde_json::to_string(&Amount(money)).unwrap_or_default();
                assert_eq!(json, money.to_decimal().to_string(), "{minor} {currency}");
            }
        }
        assert_eq!(decimal_text(16500, 2), "165.00");
        assert_eq!(decimal_text(5, 3), "0.005");
        assert_eq!(decimal_text(5, 0), "5");
        assert_eq!(decimal_text(-5, 2), "-0.05");
        assert_eq!(decimal_text(-1234, 2), "-12.34");
    }
}
