//! An instant's one text form, RFC 3339 in UTC to the microsecond (`2025-01-15T10:30:00.123456Z`), as the
//! API and the published events write it. Written digit by digit: chrono's formatter interprets its pattern
//! on every call, about 4,000 instructions a value (a third of a list page's rendering, a sixth of a
//! publication's).

use chrono::{DateTime, Datelike, Timelike, Utc};

/// The pattern whose text `rfc3339_micros` writes, for the instants it leaves to chrono.
pub const RFC3339_MICROS: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// `at` as `RFC3339_MICROS` writes it, in `text`; `None` for years past 9999 or before 0 and for leap
/// seconds, which the caller leaves to chrono (`at.format(RFC3339_MICROS)`).
pub fn rfc3339_micros<'t>(at: &DateTime<Utc>, text: &'t mut [u8; 27]) -> Option<&'t str> {
    // The date and the time of day once: each of `DateTime`'s own accessors adds the (zero) offset again.
    let (date, time) = (at.date_naive(), at.time());
    let year = u32::try_from(date.year())
        .ok()
        .filter(|year| *year <= 9999)?;
    let nanos = Some(time.nanosecond()).filter(|nanos| *nanos < 1_000_000_000)?;
    let fields = [
        (0, 4, year),
        (5, 2, date.month()),
        (8, 2, date.day()),
        (11, 2, time.hour()),
        (14, 2, time.minute()),
        (17, 2, time.second()),
        (20, 6, nanos / 1000),
    ];
    for (start, width, mut value) in fields {
        for digit in text[start..start + width].iter_mut().rev() {
            // `value % 10` is below 10.
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    for (at, separator) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (26, b'Z'),
    ] {
        text[at] = separator;
    }
    std::str::from_utf8(text).ok()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn instants_are_written_as_chrono_writes_them() {
        let instants = [
            "2025-01-15T10:30:00.123456789Z",
            "2025-01-15T10:30:00Z",
            "1999-12-31T23:59:59.999999Z",
            "0001-01-01T00:00:00.000001Z",
            "9999-12-31T23:59:59.5Z",
        ];
        for text in instants {
            let at = DateTime::parse_from_rfc3339(text)
                .expect("an instant")
                .to_utc();
            let mut written = [0; 27];
            assert_eq!(
                rfc3339_micros(&at, &mut written),
                Some(at.format(RFC3339_MICROS).to_string().as_str())
            );
        }
        let far = NaiveDate::from_ymd_opt(12345, 6, 7)
            .and_then(|day| day.and_hms_micro_opt(1, 2, 3, 4))
            .expect("an instant")
            .and_utc();
        assert_eq!(rfc3339_micros(&far, &mut [0; 27]), None);
    }
}
