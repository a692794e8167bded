use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use order_domain::ports::{GatewayError, Inventory, ReservationError};
use order_domain::{OrderId, OrderLine, ProductId, ReturnId, ReturnItem};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::resilience::{Call, ClientBuildError, HttpService, HttpSettings};

/// The inventory service: `POST {base}/reservations` reserves an order's items (201, or 409/422 naming the
/// unavailable products), `DELETE {base}/reservations/{orderId}` releases them (204; 404 = nothing to release),
/// `POST {base}/restocks` puts a return's goods back (201, the same answer to a repeated key).
#[derive(Debug)]
pub struct HttpInventory {
    http: HttpService,
}

impl HttpInventory {
    pub const SERVICE: &'static str = "inventory";

    pub fn new(settings: HttpSettings) -> Result<Self, ClientBuildError> {
        Ok(Self {
            http: HttpService::new(Self::SERVICE, settings)?,
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReservationBody<'a> {
    reservation_id: String,
    items: Vec<ItemBody<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemBody<'a> {
    product_id: &'a str,
    quantity: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestockBody<'a> {
    order_id: String,
    return_id: String,
    items: Vec<ItemBody<'a>>,
}

#[derive(Deserialize)]
struct UnavailableBody {
    unavailable: Vec<String>,
}

#[derive(Deserialize)]
struct ReservationList {
    reservations: Vec<String>,
}

#[async_trait]
impl Inventory for HttpInventory {
    async fn reserve(&self, order: OrderId, lines: &[OrderLine]) -> Result<(), ReservationError> {
        let body = ReservationBody {
            reservation_id: order.to_string(),
            items: lines
                .iter()
                .map(|line| ItemBody {
                    product_id: line.product_id.as_str(),
                    quantity: line.quantity.get(),
                })
                .collect(),
        };
        let url = self.http.url(&["reservations"]);
        let answer = self
            .http
            .send(
                Call::IdempotentWrite(format!("reserve:{order}")),
                |client| client.post(url.clone()).json(&body),
            )
            .await?;
        match answer.status {
            status if status.is_success() => Ok(()),
            StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => {
                let refusal: UnavailableBody = answer.json()?;
                let products = refusal
                    .unavailable
                    .into_iter()
                    .map(ProductId::parse)
                    .collect::<Result<Vec<_>, _>>()
                    .ok()
                    .filter(|products| !products.is_empty())
                    .ok_or_else(|| answer.unexpected())?;
                Err(ReservationError::Unavailable(products))
            }
            _ => Err(answer.unexpected().into()),
        }
    }

    async fn release(&self, order: OrderId) -> Result<(), GatewayError> {
        let order = order.to_string();
        let url = self.http.url(&["reservations", &order]);
        let answer = self
            .http
            .send(
                Call::IdempotentWrite(format!("release:{order}")),
                |client| client.delete(url.clone()),
            )
            .await?;
        match answer.status {
            status if status.is_success() => Ok(()),
            StatusCode::NOT_FOUND => Ok(()),
            _ => Err(answer.unexpected()),
        }
    }

    async fn reservations_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<Vec<OrderId>, GatewayError> {
        let mut url = self.http.url(&["reservations"]);
        url.query_pairs_mut().append_pair(
            "createdBefore",
            &before.to_rfc3339_opts(SecondsFormat::Micros, true),
        );
        let answer = self
            .http
            .send(Call::Query, |client| client.get(url.clone()))
            .await?;
        if answer.status != StatusCode::OK {
            return Err(answer.unexpected());
        }
        let list: ReservationList = answer.json()?;
        list.reservations
            .iter()
            .map(|id| id.parse().map_err(|_| answer.unexpected()))
            .collect()
    }

    async fn restock(
        &self,
        order: OrderId,
        returned: ReturnId,
        items: &[ReturnItem],
        key: &str,
    ) -> Result<(), GatewayError> {
        let body = RestockBody {
            order_id: order.to_string(),
            return_id: returned.to_string(),
            items: items
                .iter()
                .map(|item| ItemBody {
                    product_id: item.product_id.as_str(),
                    quantity: item.quantity.get(),
                })
                .collect(),
        };
        let url = self.http.url(&["restocks"]);
        let answer = self
            .http
            .send(Call::IdempotentWrite(key.to_owned()), |client| {
                client.post(url.clone()).json(&body)
            })
            .await?;
        match answer.status {
            status if status.is_success() => Ok(()),
            _ => Err(answer.unexpected()),
        }
    }
}
