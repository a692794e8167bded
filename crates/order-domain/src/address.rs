use std::fmt;

use crate::text::check_identifier;
use crate::{AddressField, Field, Violation};

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country(isocountry::CountryCode);

impl Country {
    /// Accepts `US` or `us`; refuses codes ISO 3166-1 does not assign.
    pub fn parse(code: &str) -> Option<Self> {
        isocountry::CountryCode::for_alpha2_caseless(code)
            .ok()
            .map(Self)
    }

    pub fn code(&self) -> &'static str {
        self.0.alpha2()
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where an order goes, as it arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressDraft {
    pub name: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingAddress {
    pub name: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub postal_code: String,
    pub country: Country,
}

impl ShippingAddress {
    /// The longest `name`, `line1` and `line2`, in characters.
    pub const MAX_LINE_LEN: usize = 200;
    /// The longest `city` and `state`, in characters.
    pub const MAX_PLACE_LEN: usize = 100;
    pub const MAX_POSTAL_CODE_LEN: usize = 20;

    /// Every missing or bad field is named.
    pub fn parse(draft: AddressDraft) -> Result<Self, Vec<Violation>> {
        let mut violations = Vec::new();
        let mut text =
            |field: AddressField, value: Option<String>, required: bool, max: usize| match value {
                None if required => {
                    violations.push(Violation::new(Field::Address(field), "is required"));
                    None
                }
                None => None,
                Some(value) => match check_identifier(&value, max) {
                    Ok(()) => Some(value),
                    Err(e) => {
                        violations.push(Violation::new(Field::Address(field), e));
                        None
                    }
                },
            };
        let name = text(AddressField::Name, draft.name, false, Self::MAX_LINE_LEN);
        let line1 = text(AddressField::Line1, draft.line1, true, Self::MAX_LINE_LEN);
        let line2 = text(AddressField::Line2, draft.line2, false, Self::MAX_LINE_LEN);
        let city = text(AddressField::City, draft.city, true, Self::MAX_PLACE_LEN);
        let state = text(AddressField::State, draft.state, false, Self::MAX_PLACE_LEN);
        let postal_code = text(
            AddressField::PostalCode,
            draft.postal_code,
            true,
            Self::MAX_POSTAL_CODE_LEN,
        );
        let country = text(AddressField::Country, draft.country, true, 2).and_then(|code| {
            let country = Country::parse(&code);
            if country.is_none() {
                violations.push(Violation::new(
                    Field::Address(AddressField::Country),
                    format!("`{code}` is not an ISO 3166-1 alpha-2 country code"),
                ));
            }
            country
        });
        match (line1, city, postal_code, country) {
            (Some(line1), Some(city), Some(postal_code), Some(country))
                if violations.is_empty() =>
            {
                Ok(Self {
                    name,
                    line1,
                    line2,
                    city,
                    state,
                    postal_code,
                    country,
                })
            }
            _ => Err(violations),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> AddressDraft {
        AddressDraft {
            name: Some("Ada Lovelace".into()),
            line1: Some("1 Main St".into()),
            line2: None,
            city: Some("Springfield".into()),
            state: Some("IL".into()),
            postal_code: Some("62701".into()),
            country: Some("us".into()),
        }
    }

    #[test]
    fn a_full_address_parses_with_an_upper_case_country() {
        let address = ShippingAddress::parse(full()).unwrap_or_else(|v| panic!("{v:?}"));
        assert_eq!(address.country.code(), "US");
    }

    #[test]
    fn every_missing_or_bad_field_is_named() {
        let mut bad = full();
        bad.line1 = None;
        bad.city = Some("".into());
        bad.postal_code = None;
        bad.country = Some("XX".into());
        let fields: Vec<_> = ShippingAddress::parse(bad)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(
            fields,
            [
                Field::Address(AddressField::Line1),
                Field::Address(AddressField::City),
                Field::Address(AddressField::PostalCode),
                Field::Address(AddressField::Country),
            ]
        );
    }

    #[test]
    fn countries_are_iso_3166_alpha_2() {
        assert_eq!(Country::parse("DE").map(|c| c.code()), Some("DE"));
        assert_eq!(Country::parse("DEU"), None);
        assert_eq!(Country::parse("ZZ"), None);
    }
}
