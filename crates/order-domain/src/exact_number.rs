//! The exact value of a JSON number's text, whatever its notation: `2.5e1` is 25 and
//! `25.00000000000000000000000000001e0` is not, with no float or fixed-precision decimal in between.

/// Why a number cannot be had as a whole count of `10^-decimals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inexact {
    NotANumber,
    /// Its exact value has more decimals than asked for.
    TooManyDecimals,
    /// Its exact value does not fit.
    TooLarge,
}

/// A number as `sign × digits × 10^exponent`, read without allocating. `int` and `frac` are the digit runs
/// around the decimal point; the exponent saturates, so `1e999999999999999999999` costs nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExactNumber<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    exponent: i64,
}

/// Exponents beyond this are all alike: no amount has that many digits.
const EXPONENT_BOUND: i64 = 1 << 40;

impl<'a> ExactNumber<'a> {
    /// Reads JSON number syntax: `-?digits(.digits)?([eE][+-]?digits)?`.
    pub fn parse(text: &'a str) -> Result<Self, Inexact> {
        let bytes = text.as_bytes();
        let (negative, rest) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, bytes),
        };
        let (int, rest) = split_digits(rest);
        if int.is_empty() {
            return Err(Inexact::NotANumber);
        }
        let (frac, rest) = match rest.split_first() {
            Some((b'.', rest)) => {
                let (frac, rest) = split_digits(rest);
                if frac.is_empty() {
                    return Err(Inexact::NotANumber);
                }
                (frac, rest)
            }
            _ => (&[][..], rest),
        };
        let exponent = match rest.split_first() {
            None => 0,
            Some((b'e' | b'E', rest)) => {
                let (exponent_negative, rest) = match rest.split_first() {
                    Some((b'-', rest)) => (true, rest),
                    Some((b'+', rest)) => (false, rest),
                    _ => (false, rest),
                };
                let (digits, rest) = split_digits(rest);
                if digits.is_empty() || !rest.is_empty() {
                    return Err(Inexact::NotANumber);
                }
                let magnitude = digits.iter().fold(0i64, |value, digit| {
                    (value * 10 + i64::from(digit - b'0')).min(EXPONENT_BOUND)
                });
                if exponent_negative {
                    -magnitude
                } else {
                    magnitude
                }
            }
            Some(_) => return Err(Inexact::NotANumber),
        };
        Ok(Self {
            negative,
            int,
            frac,
            exponent,
        })
    }

    fn digits(&self) -> impl Iterator<Item = u8> + 'a {
        self.int.iter().chain(self.frac).map(|digit| digit - b'0')
    }

    pub fn is_zero(&self) -> bool {
        self.digits().all(|digit| digit == 0)
    }

    /// Whether the number is below zero (`-0` is not).
    pub fn is_negative(&self) -> bool {
        self.negative && !self.is_zero()
    }

    /// The number times `10^decimals`, if that is a whole number that fits: `2.5e1` at 2 decimals is 2500.
    pub fn scaled(&self, decimals: u32) -> Result<i128, Inexact> {
        let total = self.int.len() + self.frac.len();
        let nonzero = self.digits().enumerate().filter(|(_, digit)| *digit != 0);
        let Some(last) = nonzero.map(|(at, _)| at).last() else {
            return Ok(0);
        };
        let first = self.digits().position(|digit| digit != 0).unwrap_or(last);
        let trailing_zeros = (total - 1 - last) as i64;
        // value = significant digits × 10^(power of the last significant digit)
        let power = self.exponent - self.frac.len() as i64 + trailing_zeros + i64::from(decimals);
        if power < 0 {
            return Err(Inexact::TooManyDecimals);
        }
        let significant = (last - first + 1) as i64;
        // i128 holds every number of up to 38 digits.
        if significant + power > 38 {
            return Err(Inexact::TooLarge);
        }
        let coefficient = self
            .digits()
            .skip(first)
            .take(last - first + 1)
            .fold(0i128, |value, digit| value * 10 + i128::from(digit));
        let scaled = coefficient * 10i128.pow(power as u32);
        Ok(if self.negative { -scaled } else { scaled })
    }
}

fn split_digits(bytes: &[u8]) -> (&[u8], &[u8]) {
    let end = bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len());
    bytes.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled(text: &str, decimals: u32) -> Result<i128, Inexact> {
        ExactNumber::parse(text).and_then(|n| n.scaled(decimals))
    }

    #[test]
    fn every_notation_of_one_value_is_that_value() {
        for text in [
            "25", "25.0", "2.5e1", "2.5E+1", "250e-1", "0.025e3", "25000e-3",
        ] {
            assert_eq!(scaled(text, 2), Ok(2500), "{text}");
        }
        assert_eq!(scaled("-1.5", 1), Ok(-15));
        assert_eq!(scaled("0e999999999999999999999999", 0), Ok(0));
    }

    #[test]
    fn a_value_with_more_decimals_is_refused_however_it_is_written() {
        assert_eq!(
            scaled("25.00000000000000000000000000001e0", 2),
            Err(Inexact::TooManyDecimals)
        );
        assert_eq!(scaled("2.5001e1", 2), Err(Inexact::TooManyDecimals));
        assert_eq!(scaled("2.501e1", 2), Ok(2501));
        assert_eq!(scaled("1e-3", 2), Err(Inexact::TooManyDecimals));
        assert_eq!(
            scaled("25.0000000000000000000000000000000000000000000001", 2),
            Err(Inexact::TooManyDecimals)
        );
        assert_eq!(
            scaled("1e-99999999999999999999999", 2),
            Err(Inexact::TooManyDecimals)
        );
    }

    #[test]
    fn huge_exponents_are_too_large_without_building_the_number() {
        assert_eq!(
            scaled("1e99999999999999999999999999", 2),
            Err(Inexact::TooLarge)
        );
        assert_eq!(scaled("1e36", 2), Err(Inexact::TooLarge));
        assert_eq!(scaled("1e35", 2), Ok(10i128.pow(37)));
    }

    #[test]
    fn text_that_is_not_a_json_number_is_refused() {
        for text in [
            "", "-", "abc", "1.", ".5", "1e", "1e+", "1x", "1.5.5", "0x10", " 1",
        ] {
            assert_eq!(scaled(text, 2), Err(Inexact::NotANumber), "{text:?}");
        }
    }
}
