use async_trait::async_trait;
use order_domain::ports::{AddressCheck, GatewayError, ShippingService};
use order_domain::ShippingAddress;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::resilience::{Call, ClientBuildError, HttpService, HttpSettings};

/// The shipping service: `POST {base}/address-validations` with the address answers 200
/// `{"deliverable": bool, "reason"?: "..."}`. A query without side effects, so it is retried.
#[derive(Debug)]
pub struct HttpShipping {
    http: HttpService,
}

impl HttpShipping {
    pub const SERVICE: &'static str = "shipping";

    pub fn new(settings: HttpSettings) -> Result<Self, ClientBuildError> {
        Ok(Self {
            http: HttpService::new(Self::SERVICE, settings)?,
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AddressBody<'a> {
    name: Option<&'a str>,
    line1: &'a str,
    line2: Option<&'a str>,
    city: &'a str,
    state: Option<&'a str>,
    postal_code: &'a str,
    country: &'static str,
}

#[derive(Deserialize)]
struct ValidationBody {
    deliverable: bool,
    reason: Option<String>,
}

#[async_trait]
impl ShippingService for HttpShipping {
    async fn validate_address(
        &self,
        address: &ShippingAddress,
    ) -> Result<AddressCheck, GatewayError> {
        let body = AddressBody {
            name: address.name.as_deref(),
            line1: &address.line1,
            line2: address.line2.as_deref(),
            city: &address.city,
            state: address.state.as_deref(),
            postal_code: &address.postal_code,
            country: address.country.code(),
        };
        let url = self.http.url(&["address-validations"]);
        let answer = self
            .http
            .send(Call::Query, |client| client.post(url.clone()).json(&body))
            .await?;
        if answer.status != StatusCode::OK {
            return Err(answer.unexpected());
        }
        let validation: ValidationBody = answer.json()?;
        Ok(if validation.deliverable {
            AddressCheck::Deliverable
        } else {
            AddressCheck::Undeliverable(
                validation
                    .reason
                    .unwrap_or_else(|| "the carrier does not deliver there".to_owned()),
            )
        })
    }
}
