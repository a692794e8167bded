//! `TIMESTAMP` columns read back into `NaiveDateTime`, SQLite's text parsed by hand. diesel tries chrono's
//! `parse_from_str` with one format after another, about 2,300 instructions a column: a tenth of a list page's
//! work for its 3 to 6 timestamps a row. The service writes `YYYY-MM-DD HH:MM:SS.ffffff` (diesel's `%F %T%.f`);
//! any other text goes to diesel's own parser, so nothing it reads is refused here. Postgres sends binary,
//! read by diesel as before.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteValue};

use crate::connection::{MultiBackend, MultiRawValue};

/// A `Timestamp` column, for `#[diesel(deserialize_as = Stamp)]`.
#[derive(Debug, FromSqlRow)]
pub(crate) struct Stamp(NaiveDateTime);

/// A `Nullable<Timestamp>` column, for `#[diesel(deserialize_as = OptionalStamp)]`.
#[derive(Debug, FromSqlRow)]
pub(crate) struct OptionalStamp(Option<NaiveDateTime>);

impl From<Stamp> for NaiveDateTime {
    fn from(stamp: Stamp) -> Self {
        stamp.0
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
    use chrono::NaiveDateTime;

    use super::parse;

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
}
