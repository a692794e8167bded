use async_trait::async_trait;
use order_domain::ports::{PaymentError, PaymentGateway};
use order_domain::{Money, OrderId, PaymentRequest};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::resilience::{Call, ClientBuildError, HttpService, HttpSettings};

/// The payment service: `POST {base}/authorizations` (201, or 402 with a `reason` when declined) and
/// `POST {base}/refunds` (201; 409 = already refunded). Amounts travel as exact decimal text.
#[derive(Debug)]
pub struct HttpPayments {
    http: HttpService,
}

impl HttpPayments {
    pub const SERVICE: &'static str = "payment";

    pub fn new(settings: HttpSettings) -> Result<Self, ClientBuildError> {
        Ok(Self {
            http: HttpService::new(Self::SERVICE, settings)?,
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthorizationBody<'a> {
    order_id: String,
    method: &'a str,
    amount: String,
    currency: &'static str,
    reference: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefundBody {
    order_id: String,
    amount: String,
    currency: &'static str,
}

#[derive(Deserialize)]
struct DeclineBody {
    reason: Option<String>,
}

#[async_trait]
impl PaymentGateway for HttpPayments {
    async fn authorize(
        &self,
        order: OrderId,
        payment: &PaymentRequest,
    ) -> Result<(), PaymentError> {
        let body = AuthorizationBody {
            order_id: order.to_string(),
            method: &payment.method,
            amount: payment.amount.to_decimal().to_string(),
            currency: payment.amount.currency().code(),
            reference: payment.reference.as_deref(),
        };
        let url = self.http.url(&["authorizations"]);
        let answer = self
            .http
            .send(
                Call::IdempotentWrite(format!("authorize:{order}")),
                |client| client.post(url.clone()).json(&body),
            )
            .await?;
        match answer.status {
            status if status.is_success() => Ok(()),
            StatusCode::PAYMENT_REQUIRED => {
                let decline: DeclineBody = answer.json()?;
                Err(PaymentError::Declined(
                    decline.reason.unwrap_or_else(|| "declined".to_owned()),
                ))
            }
            _ => Err(answer.unexpected().into()),
        }
    }

    async fn refund(&self, order: OrderId, amount: Money) -> Result<(), PaymentError> {
        let body = RefundBody {
            order_id: order.to_string(),
            amount: amount.to_decimal().to_string(),
            currency: amount.currency().code(),
        };
        let url = self.http.url(&["refunds"]);
        let answer = self
            .http
            .send(Call::IdempotentWrite(format!("refund:{order}")), |client| {
                client.post(url.clone()).json(&body)
            })
            .await?;
        match answer.status {
            status if status.is_success() => Ok(()),
            // Already refunded: what a retry after a lost answer looks like.
            StatusCode::CONFLICT => Ok(()),
            _ => Err(answer.unexpected().into()),
        }
    }
}
