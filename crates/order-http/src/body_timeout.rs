//! A deadline on reading the request body. The framework times out a slow request head, but a client that
//! sends its headers and then trickles (or stops sending) its body would hold its connection, and a file
//! descriptor, for ever. Here the body stream fails once the deadline passes; the request is then answered
//! `408` as a problem and the connection closed.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::middleware::Next;
use actix_web::rt::time::{sleep, Sleep};
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage};
use futures_core::Stream;

use crate::problem::Problem;

/// Middleware (wrap it with `actix_web::middleware::from_fn`): the request's body must have arrived within
/// `limit` of the request reaching the app, or the answer is `408` and the connection is closed.
pub async fn cut_stalled_body<B: MessageBody + 'static>(
    limit: Duration,
    mut request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let expired = Rc::new(Cell::new(false));
    let body: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(TimedBody {
        inner: request.take_payload(),
        deadline: Box::pin(sleep(limit)),
        expired: Rc::clone(&expired),
    });
    request.set_payload(Payload::from(body));
    let response = next.call(request).await?;
    if !expired.get() {
        return Ok(response.map_into_left_body());
    }
    let mut timed_out = Problem::new(
        "/problems/request-timeout",
        "Request body too slow",
        StatusCode::REQUEST_TIMEOUT,
    )
    .detail(format!(
        "the request body did not arrive within {} s",
        limit.as_secs_f64()
    ))
    .into_response();
    // The rest of the body may still come; the connection is no longer fit to carry another request.
    timed_out
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    let (request, _) = response.into_parts();
    Ok(ServiceResponse::new(request, timed_out).map_into_right_body())
}

/// The request's body, failing with a timed-out error once the deadline passes.
struct TimedBody {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for TimedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.expired.set(true);
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request body did not arrive in time",
                )))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
