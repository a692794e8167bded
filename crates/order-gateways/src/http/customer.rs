use async_trait::async_trait;
use order_domain::ports::{CustomerDirectory, GatewayError};
use order_domain::CustomerId;
use reqwest::StatusCode;

use crate::resilience::{Call, ClientBuildError, HttpService, HttpSettings};

/// The customer service: `GET {base}/customers/{id}` answers 200 when the customer exists, 404 when not.
#[derive(Debug)]
pub struct HttpCustomers {
    http: HttpService,
}

impl HttpCustomers {
    pub const SERVICE: &'static str = "customer";

    pub fn new(settings: HttpSettings) -> Result<Self, ClientBuildError> {
        Ok(Self {
            http: HttpService::new(Self::SERVICE, settings)?,
        })
    }
}

#[async_trait]
impl CustomerDirectory for HttpCustomers {
    async fn exists(&self, customer: &CustomerId) -> Result<bool, GatewayError> {
        let url = self.http.url(&["customers", customer.as_str()]);
        let answer = self
            .http
            .send(Call::Query, |client| client.get(url.clone()))
            .await?;
        match answer.status {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(answer.unexpected()),
        }
    }
}
