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
        let (minor, digits) = (self.0.minor_units(), self.0.currency().minor_digits());
        let mut buffer = [0; DECIMAL_TEXT_MAX];
        match decimal_text(minor, digits, &mut buffer) {
            // Borrowed from the stack: a `RawValue` made `from_string` cost an allocation and a free per amount.
            Some(text) => serde_json::from_str::<&RawValue>(text)
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            // No currency has so many decimals (ISO 4217's most is 4).
            None => RawValue::from_string(
                rust_decimal::Decimal::try_new(minor, digits)
                    .map(|decimal| decimal.to_string())
                    .unwrap_or_else(|_| minor.to_string()),
            )
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer),
        }
    }
}

impl Amount {
    /// What `serialize` writes, appended to `out` straight from the stack.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let (minor, digits) = (self.0.minor_units(), self.0.currency().minor_digits());
        let mut buffer = [0; DECIMAL_TEXT_MAX];
        match decimal_text(minor, digits, &mut buffer) {
            Some(text) => {
                out.extend_from_slice(text.as_bytes());
                Ok(())
            }
            None => serde_json::to_writer(out, self),
        }
    }
}

/// The longest `decimal_text`: 21 digits (20 decimals and a units' 0; an i64 has at most 19), '-' and '.'.
const DECIMAL_TEXT_MAX: usize = 23;

/// `minor` units as a decimal with exactly `digits` decimals, as `Money::to_decimal` displays it (`115.00`,
/// `0.05`, `7` with none), written straight from the integer into the end of `buffer`: through `Decimal`'s
/// formatter it was a third of a page's rendering. `None` past 20 decimals.
fn decimal_text(minor: i64, digits: u32, buffer: &mut [u8; DECIMAL_TEXT_MAX]) -> Option<&str> {
    if digits > 20 {
        return None;
    }
    let mut start = buffer.len();
    let mut magnitude = minor.unsigned_abs();
    // `magnitude % 10` is below 10.
    for _ in 0..digits {
        start -= 1;
        buffer[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
    }
    if digits > 0 {
        start -= 1;
        buffer[start] = b'.';
    }
    // The units, `0` at least.
    loop {
        start -= 1;
        buffer[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if minor < 0 {
        start -= 1;
        buffer[start] = b'-';
    }
    std::str::from_utf8(buffer.get(start..)?).ok()
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use order_domain::{Currency, Money};
    use serde::{Serialize, Serializer};
    use serde_json::value::RawValue;

    use super::{decimal_text, Amount, DECIMAL_TEXT_MAX};

    fn text(minor: i64, digits: u32) -> String {
        let mut buffer = [0; DECIMAL_TEXT_MAX];
        decimal_text(minor, digits, &mut buffer)
            .unwrap_or("none")
            .to_owned()
    }

    /// Amounts as they were written before they were rendered on the stack.
    struct AmountAsItWas(Money);

    impl Serialize for AmountAsItWas {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            RawValue::from_string(text_as_it_was(
                self.0.minor_units(),
                self.0.currency().minor_digits(),
            ))
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
        }
    }

    fn text_as_it_was(minor: i64, digits: u32) -> String {
        if digits > 20 {
            return rust_decimal::Decimal::try_new(minor, digits)
                .map(|decimal| decimal.to_string())
                .unwrap_or_else(|_| minor.to_string());
        }
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

    /// 0, ±1, the powers of ten and their neighbours, and the ends of `i64`.
    fn awkward_minors() -> Vec<i64> {
        let mut minors = vec![0, 5, 2550, 16500, 123_456_789, i64::MAX, i64::MAX - 1];
        let mut power: i64 = 1;
        loop {
            minors.extend([power - 1, power, power + 1]);
            match power.checked_mul(10) {
                Some(next) => power = next,
                None => break,
            }
        }
        let negatives: Vec<_> = minors.iter().map(|minor| -minor).collect();
        minors.extend(negatives);
        minors.extend([i64::MIN, i64::MIN + 1]);
        minors
    }

    #[test]
    fn amounts_are_written_as_before_with_any_number_of_decimals() {
        for minor in awkward_minors() {
            for digits in 0..=20 {
                assert_eq!(
                    text(minor, digits),
                    text_as_it_was(minor, digits),
                    "{minor} {digits}"
                );
            }
        }
        let currencies: Vec<_> = ["USD", "JPY", "BHD", "CLF"]
            .into_iter()
            .filter_map(Currency::parse)
            .collect();
        let digits: Vec<_> = currencies.iter().map(Currency::minor_digits).collect();
        assert_eq!(digits, [2, 0, 3, 4]);
        for currency in currencies {
            for minor in awkward_minors() {
                let Ok(money) = Money::from_minor(minor, currency) else {
                    continue;
                };
                let new = serde_json::to_string(&Amount(money)).ok();
                let old = serde_json::to_string(&AmountAsItWas(money)).ok();
                assert_eq!(new, old, "{minor} {currency}");
                assert!(new.is_some(), "{minor} {currency}");
            }
        }
    }

    #[test]
    fn an_amount_is_written_as_its_decimal_with_the_currency_s_decimals() {
        let currencies = ["USD", "JPY", "KWD", "CLF"].map(Currency::parse);
        for currency in currencies.into_iter().flatten() {
            for minor in awkward_minors() {
                let Ok(money) = Money::from_minor(minor, currency) else {
                    continue;
                };
                let json = serde_json::to_string(&Amount(money)).unwrap_or_default();
                assert_eq!(json, money.to_decimal().to_string(), "{minor} {currency}");
            }
        }
        assert_eq!(text(16500, 2), "165.00");
        assert_eq!(text(5, 3), "0.005");
        assert_eq!(text(5, 0), "5");
        assert_eq!(text(-5, 2), "-0.05");
        assert_eq!(text(-1234, 2), "-12.34");
        assert_eq!(text(i64::MIN, 20), "-0.09223372036854775808");
        assert_eq!(text(1, 21), "none");
    }
}
