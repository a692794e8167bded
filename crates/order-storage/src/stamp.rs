//! `TIMESTAMP` columns on SQLite, written and read back by hand. diesel tries chrono's `parse_from_str` with
//! one format after another, about 2,300 instructions a column: a tenth of a list page's work for its 3 to 6
//! timestamps a row. It writes them with chrono's pattern interpreter (`%F %T%.f`), about 4,500 a value and a
//! dozen values a create, on the one writer thread. `Stamp` writes the same text (`YYYY-MM-DD HH:MM:SS` and
//! the fraction chrono's `%.f` gives: none, 3, 6 or 9 digits); any other text read goes to diesel's own parser,
//! so nothing it reads is refused here. Postgres takes and sends binary, through diesel as before.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteValue};

use crate::connection::{MultiBackend, MultiRawValue};

/// A `Timestamp` column, for `#[diesel(deserialize_as = Stamp)]` and `#[diesel(serialize_as = Stamp)]`, or a
/// value bound as one.
#[derive(Debug, FromSqlRow, AsExpression)]
#[diesel(sql_type = Timestamp)]
pub(crate) struct Stamp(pub(crate) NaiveDateTime);

/// A `Nullable<Timestamp>` column, for `#[diesel(deserialize_as = OptionalStamp)]`.
#[derive(Debug, FromSqlRow)]
pub(crate) struct OptionalStamp(Option<NaiveDateTime>);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> Self {
        stamp.0
    }
}

impl From<NaiveDateTime> for Stamp {
    fn from(at: NaiveDateTime) -> Self {
        Stamp(at)
    }
}

impl From<OptionalStamp> for Option<NaiveDateTime> {
    fn from(stamp: OptionalStamp) -> Self {
        stamp.0
    }
}

impl FromSql<Timestamp, Sqlite> for Stamp {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        match parse(value.read_text()) {
            Some(at) => Ok(Stamp(at)),
            None => <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Stamp),
        }
    }
}

impl FromSql<Timestamp, Pg> for Stamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Stamp)
    }
}

impl FromSql<Nullable<Timestamp>, Sqlite> for OptionalStamp {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        <Stamp as FromSql<Timestamp, Sqlite>>::from_sql(value).map(|at| OptionalStamp(Some(at.0)))
    }

    fn from_nullable_sql(value: Option<SqliteValue<'_, '_, '_>>) -> deserialize::Result<Self> {
        match value {
            Some(value) => <Self as FromSql<Nullable<Timestamp>, Sqlite>>::from_sql(value),
            None => Ok(OptionalStamp(None)),
        }
    }
}

impl FromSql<Nullable<Timestamp>, Pg> for OptionalStamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <Stamp as FromSql<Timestamp, Pg>>::from_sql(value).map(|at| OptionalStamp(Some(at.0)))
    }

    fn from_nullable_sql(value: Option<PgValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(value) => <Self as FromSql<Nullable<Timestamp>, Pg>>::from_sql(value),
            None => Ok(OptionalStamp(None)),
        }
    }
}

/// Through the multi-backend connection: the backend's own reading.
impl FromSql<Timestamp, MultiBackend> for Stamp {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl FromSql<Nullable<Timestamp>, MultiBackend> for OptionalStamp {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Nullable<Timestamp>>()
    }

    fn from_nullable_sql(value: Option<MultiRawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(value) => <Self as FromSql<Nullable<Timestamp>, MultiBackend>>::from_sql(value),
            None => Ok(OptionalStamp(None)),
        }
    }
}

impl ToSql<Timestamp, Sqlite> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(format(&self.0));
        Ok(IsNull::No)
    }
}

impl ToSql<Timestamp, Pg> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, Pg>>::to_sql(&self.0, out)
    }
}

/// Through the multi-backend connection: the backend's own writing.
impl ToSql<Timestamp, MultiBackend> for Stamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Timestamp, self));
        Ok(IsNull::No)
    }
}

/// chrono's `%F %T%.f` for the years 0 to 9999 and no leap second; chrono's own for the rest.
fn format(at: &NaiveDateTime) -> String {
    let nanos = at.nanosecond();
    let year = at.year();
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        return at.format("%F %T%.f").to_string();
    };
    if nanos >= 1_000_000_000 {
        return at.format("%F %T%.f").to_string();
    }
    let (fraction, digits) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    let mut text = [0u8; 29];
    let mut put = |at: usize, value: u32, width: usize| {
        let mut value = value;
        for slot in text[at..at + width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, year, 4);
    put(5, at.month(), 2);
    put(8, at.day(), 2);
    put(11, at.hour(), 2);
    put(14, at.minute(), 2);
    put(17, at.second(), 2);
    put(20, fraction, digits);
    text[4] = b'-';
    text[7] = b'-';
    text[10] = b' ';
    text[13] = b':';
    text[16] = b':';
    text[19] = b'.';
    let length = if digits == 0 { 19 } else { 20 + digits };
    text[..length].iter().map(|&b| char::from(b)).collect()
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of 1 to 9 digits, exactly; `None` for anything else
/// (then diesel's parser decides), including dates and times that do not exist.
fn parse(text: &str) -> Option<NaiveDateTime> {
    let bytes = text.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b' ' {
        return None;
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        bytes[from..to].iter().try_fold(0u32, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let nanos = match &bytes[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let fraction = number(20, bytes.len())?;
            let scale = 10u32.pow(u32::try_from(9 - digits.len()).ok()?);
            fraction * scale
        }
        _ => return None,
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?.and_hms_nano_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        nanos,
    )
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

    use super::{format, parse};

    #[test]
    fn the_service_s_timestamps_parse_as_chrono_parses_them() {
        for text in [
            "2026-11-26 10:00:00.123456",
            "2026-11-26 10:00:00",
            "2026-11-26 23:59:59.9",
            "2024-02-29 00:00:00.000000001",
            "0001-01-01 00:00:00.5",
            "9999-12-31 23:59:59.999999999",
        ] {
            let chrono = NaiveDateTime::parse_from_str(text, "%F %T%.f").ok();
            assert!(chrono.is_some(), "{text}");
            assert_eq!(parse(text), chrono, "{text}");
        }
    }

    #[test]
    fn anything_else_is_left_to_diesel() {
        for text in [
            "2026-11-26T10:00:00",
            "2026-11-26 10:00",
            "2026-11-26 10:00:00.",
            "2026-11-26 10:00:00.1234567890",
            "2026-11-26 10:00:00+02:00",
            "2025-02-29 10:00:00",
            "2026-13-01 10:00:00",
            "2026-11-26 24:00:00",
            "2026-11-26 10:00:0x",
            "2460640.5",
            "",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn timestamps_are_written_as_diesel_writes_them() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut cases = Vec::new();
        for date in [
            day(2026, 11, 26),
            day(1, 1, 1),
            day(0, 1, 1),
            day(9999, 12, 31),
            day(2024, 2, 29),
        ] {
            for nanos in [
                0,
                1,
                999,
                1_000,
                120_000,
                123_456_000,
                5_000_000,
                100_000_000,
                999_999_999,
            ] {
                cases.push(date.and_hms_nano_opt(23, 9, 7, nanos));
            }
            for _ in 0..200 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let nanos = u32::try_from(seed % 1_000_000_000).unwrap_or(0);
                let second = u32::try_from(seed % 86_400).unwrap_or(0);
                cases.push(date.and_hms_nano_opt(
                    second / 3600,
                    second / 60 % 60,
                    second % 60,
                    nanos,
                ));
            }
        }
        // chrono's own, for what is not hand-written: a leap second, years past 9999 or before 0.
        cases.push(day(2016, 12, 31).and_hms_nano_opt(23, 59, 59, 1_500_000_000));
        cases.push(day(10_000, 1, 1).and_hms_opt(0, 0, 0));
        cases.push(day(-1, 1, 1).and_hms_opt(0, 0, 0));
        for at in cases {
            let at = at.unwrap_or_default();
            assert_eq!(format(&at), at.format("%F %T%.f").to_string());
            if (0..=9999).contains(&at.year()) && at.nanosecond() < 1_000_000_000 {
                assert_eq!(parse(&format(&at)), Some(at), "read back as written");
            }
        }
    }
}
