use async_trait::async_trait;
use order_domain::ports::{PaymentError, PaymentGateway};
use order_domain::{AuthorizationId, Money, OrderId, PaymentRequest, ProviderKey, RefundId};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::resilience::{Answer, Call, ClientBuildError, HttpService, HttpSettings};

/// The payment service, as real providers work (amounts travel as exact decimal text; every write carries its
/// `Idempotency-Key`, which the provider replays, and refuses with `422` when reused with another body):
/// - `POST {base}/authorizations` → `201 {"authorizationId"}`, `402 {"reason"}` when declined;
/// - `POST {base}/authorizations/{id}/capture` → `200`, `409` when voided;
/// - `POST {base}/authorizations/{id}/void` → `200` (again `200`), `409` when captured;
/// - `POST {base}/refunds` → `201 {"refundId"}`, `409` when there is nothing to refund.
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

    async fn post<B: Serialize + Sync>(
        &self,
        key: &ProviderKey,
        path: &[&str],
        body: Option<&B>,
    ) -> Result<Answer, PaymentError> {
        let url = self.http.url(path);
        let answer = self
            .http
            .send(Call::IdempotentWrite(key.as_str().to_owned()), |client| {
                let request = client.post(url.clone());
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await?;
        Ok(answer)
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
struct CaptureBody {
    amount: String,
    currency: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefundBody<'a> {
    order_id: String,
    authorization_id: &'a str,
    amount: String,
    currency: &'static str,
    reason: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Authorized {
    authorization_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Refunded {
    refund_id: String,
}

#[derive(Deserialize)]
struct Refusal {
    reason: Option<String>,
    error: Option<String>,
}

fn amount_text(amount: Money) -> String {
    amount.to_decimal().to_string()
}

/// A `409`: the authorization's state forbids the call, in the provider's words when it gives them.
fn conflict(answer: &Answer) -> PaymentError {
    let refusal = answer.json::<Refusal>().ok();
    PaymentError::Conflict(
        refusal
            .and_then(|r| r.reason.or(r.error))
            .unwrap_or_else(|| "conflict".to_owned()),
    )
}

/// An id the provider chose, kept to our rules for outside ids.
fn provider_id<T>(
    answer: &Answer,
    raw: String,
    parse: impl FnOnce(String) -> Result<T, order_domain::TextError>,
) -> Result<T, PaymentError> {
    parse(raw).map_err(|_| answer.unexpected().into())
}

#[async_trait]
impl PaymentGateway for HttpPayments {
    async fn authorize(
        &self,
        key: &ProviderKey,
        order: OrderId,
        payment: &PaymentRequest,
    ) -> Result<AuthorizationId, PaymentError> {
        let body = AuthorizationBody {
            order_id: order.to_string(),
            method: &payment.method,
            amount: amount_text(payment.amount),
            currency: payment.amount.currency().code(),
            reference: payment.reference.as_deref(),
        };
        let answer = self.post(key, &["authorizations"], Some(&body)).await?;
        match answer.status {
            status if status.is_success() => {
                let authorized: Authorized = answer.json()?;
                provider_id(&answer, authorized.authorization_id, AuthorizationId::parse)
            }
            StatusCode::PAYMENT_REQUIRED => {
                let decline: Refusal = answer.json()?;
                Err(PaymentError::Declined(
                    decline.reason.unwrap_or_else(|| "declined".to_owned()),
                ))
            }
            _ => Err(answer.unexpected().into()),
        }
    }

    async fn capture(
        &self,
        key: &ProviderKey,
        authorization: &AuthorizationId,
        amount: Money,
    ) -> Result<(), PaymentError> {
        let body = CaptureBody {
            amount: amount_text(amount),
            currency: amount.currency().code(),
        };
        let path = ["authorizations", authorization.as_str(), "capture"];
        let answer = self.post(key, &path, Some(&body)).await?;
        match answer.status {
            status if status.is_success() => Ok(()),
            StatusCode::CONFLICT => Err(conflict(&answer)),
            _ => Err(answer.unexpected().into()),
        }
    }

    async fn void(
        &self,
        key: &ProviderKey,
        authorization: &AuthorizationId,
    ) -> Result<(), PaymentError> {
        let path = ["authorizations", authorization.as_str(), "void"];
        let answer = self.post::<()>(key, &path, None).await?;
        match answer.status {
            status if status.is_success() => Ok(()),
            StatusCode::CONFLICT => Err(conflict(&answer)),
            _ => Err(answer.unexpected().into()),
        }
    }

    async fn refund(
        &self,
        key: &ProviderKey,
        order: OrderId,
        authorization: &AuthorizationId,
        amount: Money,
        reason: &str,
    ) -> Result<RefundId, PaymentError> {
        let body = RefundBody {
            order_id: order.to_string(),
            authorization_id: authorization.as_str(),
            amount: amount_text(amount),
            currency: amount.currency().code(),
            reason,
        };
        let answer = self.post(key, &["refunds"], Some(&body)).await?;
        match answer.status {
            status if status.is_success() => {
                let refunded: Refunded = answer.json()?;
                provider_id(&answer, refunded.refund_id, RefundId::parse)
            }
            StatusCode::CONFLICT => Err(conflict(&answer)),
            _ => Err(answer.unexpected().into()),
        }
    }
}
