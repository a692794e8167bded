//! A `Datum` through serde, in its one canonical form: an object's keys sorted, and of equal keys the last
//! kept, as a JSON map collects them. The same text wherever an event's payload is written (the history, the
//! published message), and read back whatever order the keys were written in. Integers only: a number with a
//! fraction or beyond `i64`, or a boolean, is refused.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Datum;

impl Serialize for Datum {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Datum::Null => serializer.serialize_unit(),
            Datum::Integer(n) => serializer.serialize_i64(*n),
            Datum::Text(text) => serializer.serialize_str(text),
            Datum::List(items) => serializer.collect_seq(items),
            Datum::Object(fields) => {
                let fields = canonical(fields.iter().map(|(name, value)| (name, value)).collect());
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (name, value) in fields {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Datum {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DatumVisitor)
    }
}

/// Sorted by name (stably), and of equal names only the last.
fn canonical<N: Ord, V>(mut fields: Vec<(N, V)>) -> Vec<(N, V)> {
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let mut kept: Vec<(N, V)> = Vec::with_capacity(fields.len());
    for field in fields {
        match kept.last_mut() {
            Some(last) if last.0 == field.0 => *last = field,
            _ => kept.push(field),
        }
    }
    kept
}

struct DatumVisitor;

impl<'de> Visitor<'de> for DatumVisitor {
    type Value = Datum;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("null, an integer, text, a list or an object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Datum, E> {
        Ok(Datum::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Datum, E> {
        Ok(Datum::Null)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Datum, E> {
        Ok(Datum::Integer(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Datum, E> {
        i64::try_from(n)
            .map(Datum::Integer)
            .map_err(|_| E::custom(format_args!("{n} is beyond a 64-bit integer")))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Datum, E> {
        Ok(Datum::Text(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Datum, E> {
        Ok(Datum::Text(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Datum, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Datum::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Datum, A::Error> {
        let mut fields: Vec<(String, Datum)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(field) = map.next_entry()? {
            fields.push(field);
        }
        Ok(Datum::Object(canonical(fields)))
    }
}

#[cfg(test)]
mod tests {
    use super::canonical;
    use crate::Datum;

    fn object(fields: &[(&str, Datum)]) -> Datum {
        Datum::Object(
            fields
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn a_datum_is_written_with_sorted_keys_and_read_back_whatever_their_order() {
        let datum = object(&[
            ("status", Datum::text("paid \"now\"")),
            ("amount", Datum::Integer(-12)),
            (
                "items",
                Datum::List(vec![object(&[
                    ("z", Datum::Null),
                    ("a", Datum::Integer(1)),
                ])]),
            ),
            ("amount", Datum::Integer(7)),
        ]);
        let text = serde_json::to_string(&datum).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"amount":7,"items":[{"a":1,"z":null}],"status":"paid \"now\""}"#
        );
        let read: Datum = serde_json::from_str(&text).unwrap_or(Datum::Null);
        let unsorted: Datum = serde_json::from_str(
            r#"{"status":"paid \"now\"","items":[{"z":null,"a":1}],"amount":7}"#,
        )
        .unwrap_or(Datum::Null);
        assert_eq!(read, unsorted);
        assert_eq!(serde_json::to_string(&read).unwrap_or_default(), text);
    }

    #[test]
    fn booleans_fractions_and_numbers_beyond_i64_are_refused() {
        for text in ["true", "1.5", "18446744073709551615", r#"{"a":[false]}"#] {
            assert!(serde_json::from_str::<Datum>(text).is_err(), "{text}");
        }
        let edge: Result<Datum, _> = serde_json::from_str("-9223372036854775808");
        assert_eq!(edge.ok(), Some(Datum::Integer(i64::MIN)));
    }

    #[test]
    fn fields_are_sorted_and_the_last_of_equal_names_is_kept() {
        let fields = vec![("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5)];
        assert_eq!(canonical(fields), [("a", 5), ("b", 3), ("c", 4)]);
        assert_eq!(canonical(Vec::<(&str, i32)>::new()), []);
    }
}
