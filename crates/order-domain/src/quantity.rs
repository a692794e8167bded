use thiserror::Error;

use crate::exact_number::{ExactNumber, Inexact};

/// How many units of a product; a whole, positive number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum QuantityError {
    #[error("must be a whole number")]
    NotWhole,
    #[error("must be at least 1")]
    NotPositive,
    #[error("must be at most {}", Quantity::MAX)]
    TooLarge,
}

impl Quantity {
    pub const MAX: u32 = 1_000_000;

    /// Reads a JSON number's text: `2` and `2.0` are two; `1.5` is refused, never truncated.
    pub fn parse(text: &str) -> Result<Self, QuantityError> {
        let value = ExactNumber::parse(text)
            .and_then(|number| number.scaled(0))
            .map_err(|error| match error {
                Inexact::NotANumber | Inexact::TooManyDecimals => QuantityError::NotWhole,
                Inexact::TooLarge => QuantityError::TooLarge,
            })?;
        Self::try_from(value)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i128> for Quantity {
    type Error = QuantityError;

    fn try_from(value: i128) -> Result<Self, Self::Error> {
        if value < 1 {
            return Err(QuantityError::NotPositive);
        }
        match u32::try_from(value) {
            Ok(value) if value <= Self::MAX => Ok(Self(value)),
            _ => Err(QuantityError::TooLarge),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_whole_positive_and_bounded() {
        assert_eq!(Quantity::parse("2").map(Quantity::get), Ok(2));
        assert_eq!(Quantity::parse("2.0").map(Quantity::get), Ok(2));
        assert_eq!(Quantity::parse("1e2").map(Quantity::get), Ok(100));
        assert_eq!(Quantity::parse("1.5"), Err(QuantityError::NotWhole));
        assert_eq!(Quantity::parse("0"), Err(QuantityError::NotPositive));
        assert_eq!(Quantity::parse("-3"), Err(QuantityError::NotPositive));
        assert_eq!(Quantity::parse("1000001"), Err(QuantityError::TooLarge));
        assert_eq!(Quantity::parse("1e30"), Err(QuantityError::TooLarge));
        assert_eq!(Quantity::parse("2.5e1").map(Quantity::get), Ok(25));
        assert_eq!(
            Quantity::parse("2.00000000000000000000000000001e0"),
            Err(QuantityError::NotWhole)
        );
        assert_eq!(
            Quantity::parse("1e999999999999999999"),
            Err(QuantityError::TooLarge)
        );
    }
}
