use std::sync::Arc;

use order_domain::{OrderFilter, PageLimit, PageOfOrders, PageRequest};

use crate::test_support::{stored_order, Mocks};
use crate::{AppError, Caller};

#[tokio::test]
async fn a_page_followed_by_more_points_at_its_last_order_as_the_next_cursor() {
    let orders: Vec<_> = (0..2).map(|_| Arc::new(stored_order())).collect();
    let second = orders[1].id();
    let mut mocks = Mocks::new();
    mocks.orders.expect_list().returning(move |_, _| {
        Ok(PageOfOrders {
            orders: orders.clone(),
            more: true,
        })
    });
    let page = PageRequest {
        limit: PageLimit::new(2).unwrap_or_default(),
        after: None,
    };

    let page = mocks
        .service()
        .list_orders(&Caller::anonymous(), &OrderFilter::default(), &page)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.orders.len(), 2);
    assert_eq!(page.next, Some(second));
}

#[tokio::test]
async fn the_last_page_has_no_next_cursor() {
    let orders: Vec<_> = (0..2).map(|_| Arc::new(stored_order())).collect();
    let mut mocks = Mocks::new();
    mocks.orders.expect_list().returning(move |_, _| {
        Ok(PageOfOrders {
            orders: orders.clone(),
            more: false,
        })
    });
    let page = PageRequest {
        limit: PageLimit::new(2).unwrap_or_default(),
        after: None,
    };

    let page = mocks
        .service()
        .list_orders(&Caller::anonymous(), &OrderFilter::default(), &page)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.orders.len(), 2);
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn a_missing_or_deleted_order_is_not_found() {
    let mut mocks = Mocks::new();
    mocks.orders.expect_find().returning(|_| Ok(None));
    let result = mocks
        .service()
        .get_order(&Caller::anonymous(), order_domain::OrderId::generate())
        .await;
    assert!(matches!(result, Err(AppError::NotFound)));
}
