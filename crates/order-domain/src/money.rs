use std::fmt;

use rust_decimal::Decimal;
use thiserror::Error;

use crate::exact_number::{ExactNumber, Inexact};

/// An ISO 4217 currency that has minor units (so not XAU, XDR and the like).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    iso: iso_currency::Currency,
    minor_digits: u32,
}

impl Currency {
    pub const USD: Currency = Currency {
        iso: iso_currency::Currency::USD,
        minor_digits: 2,
    };

    /// Parses an upper-case ISO 4217 alphabetic code such as `USD` or `JPY`.
    pub fn parse(code: &str) -> Option<Self> {
        let iso = iso_currency::Currency::from_code(code)?;
        let minor_digits = u32::from(iso.exponent()?);
        Some(Self { iso, minor_digits })
    }

    pub fn code(&self) -> &'static str {
        self.iso.code()
    }

    /// How many decimals an amount in this currency may have (2 for USD, 0 for JPY, 3 for KWD).
    pub fn minor_digits(&self) -> u32 {
        self.minor_digits
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AmountError {
    #[error("must be a number")]
    NotANumber,
    #[error("must not be negative")]
    Negative,
    #[error("must have at most {max} decimal places for {currency}")]
    TooManyDecimals { max: u32, currency: Currency },
    #[error("is too large")]
    TooLarge,
}

/// An exact, non-negative amount of money, held as an integer count of the currency's minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// Reads the exact value of a JSON number's text in any notation (`25.50`, `2.55e1`), never through a
    /// float or a rounding decimal: a value with more decimals than the currency has is refused.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, AmountError> {
        let number = ExactNumber::parse(text).map_err(|_| AmountError::NotANumber)?;
        if number.is_negative() {
            return Err(AmountError::Negative);
        }
        let max = currency.minor_digits();
        let minor = number.scaled(max).map_err(|error| match error {
            Inexact::NotANumber => AmountError::NotANumber,
            Inexact::TooManyDecimals => AmountError::TooManyDecimals { max, currency },
            Inexact::TooLarge => AmountError::TooLarge,
        })?;
        let minor = i64::try_from(minor).map_err(|_| AmountError::TooLarge)?;
        Ok(Self { minor, currency })
    }

    pub fn from_decimal(amount: Decimal, currency: Currency) -> Result<Self, AmountError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(AmountError::Negative);
        }
        // 25.500 is 25.5: trailing zeros are not extra precision.
        let amount = amount.normalize();
        let max = currency.minor_digits();
        if amount.scale() > max {
            return Err(AmountError::TooManyDecimals { max, currency });
        }
        let factor = 10i128.pow(max - amount.scale());
        let minor = amount
            .mantissa()
            .checked_mul(factor)
            .and_then(|minor| i64::try_from(minor).ok())
            .ok_or(AmountError::TooLarge)?;
        Ok(Self { minor, currency })
    }

    /// Rebuilds an amount from stored minor units.
    pub fn from_minor(minor: i64, currency: Currency) -> Result<Self, AmountError> {
        if minor < 0 {
            return Err(AmountError::Negative);
        }
        Ok(Self { minor, currency })
    }

    pub fn minor_units(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount with exactly the currency's number of decimals (`115.00`, `700`).
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.minor_digits())
    }

    /// `None` on overflow or when the currencies differ.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Some(Self {
            minor: self.minor.checked_add(other.minor)?,
            currency: self.currency,
        })
    }

    /// `None` when the result would be negative or the currencies differ.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        if self.currency != other.currency || other.minor > self.minor {
            return None;
        }
        Some(Self {
            minor: self.minor - other.minor,
            currency: self.currency,
        })
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub fn checked_mul(self, factor: u32) -> Option<Money> {
        Some(Self {
            minor: self.minor.checked_mul(i64::from(factor))?,
            currency: self.currency,
        })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str) -> Result<Money, AmountError> {
        Money::parse(text, Currency::USD)
    }

    #[test]
    fn amounts_are_held_in_minor_units() {
        assert_eq!(usd("25").map(|m| m.minor_units()), Ok(2500));
        assert_eq!(usd("25.5").map(|m| m.minor_units()), Ok(2550));
        assert_eq!(usd("25.50").map(|m| m.minor_units()), Ok(2550));
        assert_eq!(usd("0.01").map(|m| m.minor_units()), Ok(1));
        assert_eq!(usd("1e2").map(|m| m.minor_units()), Ok(10000));
        assert_eq!(usd("1.5E1").map(|m| m.minor_units()), Ok(1500));
    }

    #[test]
    fn more_decimals_than_the_currency_has_are_rejected_not_rounded() {
        assert_eq!(
            usd("25.005"),
            Err(AmountError::TooManyDecimals {
                max: 2,
                currency: Currency::USD
            })
        );
        let yen = Currency::parse("JPY").expect("JPY is ISO 4217");
        assert!(matches!(
            Money::parse("1.5", yen),
            Err(AmountError::TooManyDecimals { max: 0, .. })
        ));
        let dinar = Currency::parse("KWD").expect("KWD is ISO 4217");
        assert_eq!(
            Money::parse("1.005", dinar).map(|m| m.minor_units()),
            Ok(1005)
        );
    }

    #[test]
    fn exponent_notation_is_read_exactly_never_rounded() {
        assert_eq!(usd("2.5e1").map(|m| m.minor_units()), Ok(2500));
        assert_eq!(usd("2.55e1").map(|m| m.minor_units()), Ok(2550));
        assert_eq!(usd("2555e-2").map(|m| m.minor_units()), Ok(2555));
        let too_precise = Err(AmountError::TooManyDecimals {
            max: 2,
            currency: Currency::USD,
        });
        assert_eq!(usd("25.00000000000000000000000000001e0"), too_precise);
        assert_eq!(usd("25.00000000000000000000000000001"), too_precise);
        assert_eq!(usd("2.5001e1"), too_precise);
        assert_eq!(usd("1e-400"), too_precise);
        assert_eq!(usd("1e400"), Err(AmountError::TooLarge));
        assert_eq!(
            usd("1e99999999999999999999999999999"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(
            usd("0e99999999999999999999999999999").map(|m| m.minor_units()),
            Ok(0)
        );
        assert_eq!(
            usd("92233720368547758.07").map(|m| m.minor_units()),
            Ok(i64::MAX)
        );
        assert_eq!(usd("92233720368547758.08"), Err(AmountError::TooLarge));
    }

    #[test]
    fn trailing_zeros_are_not_extra_decimals() {
        assert_eq!(usd("25.500").map(|m| m.minor_units()), Ok(2550));
    }

    #[test]
    fn negative_and_absurd_amounts_are_rejected() {
        assert_eq!(usd("-1"), Err(AmountError::Negative));
        assert_eq!(usd("-0").map(|m| m.minor_units()), Ok(0));
        assert_eq!(usd("99999999999999999999"), Err(AmountError::TooLarge));
        assert_eq!(usd("1e40"), Err(AmountError::TooLarge));
        assert_eq!(usd("abc"), Err(AmountError::NotANumber));
    }

    #[test]
    fn decimal_text_has_the_currency_decimals() {
        assert_eq!(
            usd("115").map(|m| m.to_decimal().to_string()),
            Ok("115.00".into())
        );
        let yen = Currency::parse("JPY").expect("JPY is ISO 4217");
        assert_eq!(
            Money::parse("700", yen).map(|m| m.to_decimal().to_string()),
            Ok("700".into())
        );
    }

    #[test]
    fn currencies_must_be_iso_codes_with_minor_units() {
        assert_eq!(Currency::parse("USD"), Some(Currency::USD));
        assert_eq!(Currency::parse("EUR").map(|c| c.minor_digits()), Some(2));
        assert_eq!(Currency::parse("usd"), None);
        assert_eq!(Currency::parse("ABC"), None);
        assert_eq!(Currency::parse("XAU"), None);
    }

    #[test]
    fn arithmetic_is_checked_and_same_currency_only() {
        let a = Money::from_minor(i64::MAX, Currency::USD).expect("non-negative");
        assert_eq!(
            a.checked_add(Money::from_minor(1, Currency::USD).expect("ok")),
            None
        );
        assert_eq!(a.checked_mul(2), None);
        let eur = Currency::parse("EUR").expect("EUR");
        assert_eq!(
            Money::zero(Currency::USD).checked_add(Money::zero(eur)),
            None
        );
        let five = Money::from_minor(500, Currency::USD).expect("ok");
        assert_eq!(five.checked_mul(3).map(|m| m.minor_units()), Some(1500));
    }
}
