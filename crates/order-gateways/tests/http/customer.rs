use order_domain::ports::{CustomerDirectory, GatewayError};
use order_domain::CustomerId;
use order_gateways::HttpCustomers;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::settings;

fn customer(id: &str) -> CustomerId {
    CustomerId::parse(id).unwrap_or_else(|e| panic!("{e}"))
}

async fn client(server: &MockServer) -> HttpCustomers {
    HttpCustomers::new(settings(server)).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_customer_the_service_knows_exists() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/customers/c-1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).await.exists(&customer("c-1")).await,
        Ok(true)
    ));
}

#[tokio::test]
async fn a_404_means_the_customer_does_not_exist() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/customers/c-2"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).await.exists(&customer("c-2")).await,
        Ok(false)
    ));
}

#[tokio::test]
async fn a_400_is_an_unexpected_answer_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad id"))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server).await.exists(&customer("c-3")).await;
    assert!(
        matches!(&result, Err(GatewayError::Unexpected { service: "customer", detail }) if detail.contains("400")),
        "{result:?}"
    );
}
