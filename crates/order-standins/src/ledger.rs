//! The payment stand-in's books, shared by the in-process stand-in and the HTTP server: authorizations with
//! their state, captures, voids and refunds, and every idempotency key with the call it came with. A repeated
//! key with the same call replays the first answer; with another call it is refused, as real providers do.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::test_values::{DECLINED_METHOD, DECLINE_REASON};

/// A write to the payment service, as it arrived (amounts as their decimal text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentCall {
    Authorize {
        order_id: String,
        method: String,
        amount: String,
        currency: String,
        reference: Option<String>,
    },
    Capture {
        authorization_id: String,
        amount: String,
        currency: String,
    },
    Void {
        authorization_id: String,
    },
    Refund {
        order_id: String,
        authorization_id: String,
        amount: String,
        currency: String,
        reason: String,
    },
}

/// What the provider answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentAnswer {
    Authorized {
        authorization_id: String,
    },
    Declined {
        reason: String,
    },
    Captured,
    Voided,
    Refunded {
        refund_id: String,
    },
    /// No such authorization.
    NotFound,
    /// The authorization's state forbids the call.
    Conflict {
        reason: String,
    },
}

/// The key was used before with another call: `422` over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyReused;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationState {
    Authorized,
    Captured,
    Voided,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub id: String,
    pub order_id: String,
    pub method: String,
    pub amount: String,
    pub currency: String,
    pub state: AuthorizationState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub order_id: String,
    pub authorization_id: String,
    pub amount: String,
    pub currency: String,
    pub reason: String,
}

#[derive(Debug, Default)]
struct Books {
    keys: HashMap<String, (PaymentCall, PaymentAnswer)>,
    authorizations: Vec<Authorization>,
    captures: Vec<String>,
    voids: Vec<String>,
    refunds: Vec<Refund>,
}

#[derive(Debug, Default)]
pub struct PaymentLedger(Mutex<Books>);

impl PaymentLedger {
    /// Does `call` under `key`, or replays what `key` was first answered.
    pub fn handle(&self, key: &str, call: PaymentCall) -> Result<PaymentAnswer, KeyReused> {
        let mut books = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((first, answer)) = books.keys.get(key) {
            return if *first == call {
                Ok(answer.clone())
            } else {
                Err(KeyReused)
            };
        }
        let answer = books.apply(&call);
        books.keys.insert(key.to_owned(), (call, answer.clone()));
        Ok(answer)
    }

    /// Every authorization, in the order they were made, with its state now.
    pub fn authorizations(&self) -> Vec<Authorization> {
        self.books().authorizations.clone()
    }

    /// The authorizations captured, by id, in order.
    pub fn captures(&self) -> Vec<String> {
        self.books().captures.clone()
    }

    /// The authorizations voided, by id, in order (each once).
    pub fn voids(&self) -> Vec<String> {
        self.books().voids.clone()
    }

    pub fn refunds(&self) -> Vec<Refund> {
        self.books().refunds.clone()
    }

    fn books(&self) -> std::sync::MutexGuard<'_, Books> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Books {
    fn apply(&mut self, call: &PaymentCall) -> PaymentAnswer {
        match call {
            PaymentCall::Authorize {
                order_id,
                method,
                amount,
                currency,
                ..
            } => {
                if method == DECLINED_METHOD {
                    return PaymentAnswer::Declined {
                        reason: DECLINE_REASON.to_owned(),
                    };
                }
                let id = format!("auth-{}", self.authorizations.len() + 1);
                self.authorizations.push(Authorization {
                    id: id.clone(),
                    order_id: order_id.clone(),
                    method: method.clone(),
                    amount: amount.clone(),
                    currency: currency.clone(),
                    state: AuthorizationState::Authorized,
                });
                PaymentAnswer::Authorized {
                    authorization_id: id,
                }
            }
            PaymentCall::Capture {
                authorization_id, ..
            } => {
                let Some(authorization) = self.find(authorization_id) else {
                    return PaymentAnswer::NotFound;
                };
                match authorization.state {
                    AuthorizationState::Authorized => {
                        authorization.state = AuthorizationState::Captured;
                        self.captures.push(authorization_id.clone());
                        PaymentAnswer::Captured
                    }
                    AuthorizationState::Captured => {
                        conflict("the authorization is captured already")
                    }
                    AuthorizationState::Voided => conflict("the authorization is voided"),
                }
            }
            PaymentCall::Void { authorization_id } => {
                let Some(authorization) = self.find(authorization_id) else {
                    return PaymentAnswer::NotFound;
                };
                match authorization.state {
                    AuthorizationState::Authorized => {
                        authorization.state = AuthorizationState::Voided;
                        self.voids.push(authorization_id.clone());
                        PaymentAnswer::Voided
                    }
                    AuthorizationState::Voided => PaymentAnswer::Voided,
                    AuthorizationState::Captured => conflict("the authorization is captured"),
                }
            }
            PaymentCall::Refund {
                order_id,
                authorization_id,
                amount,
                currency,
                reason,
            } => {
                let Some(authorization) = self.find(authorization_id) else {
                    return PaymentAnswer::NotFound;
                };
                // Only captured money can be given back, as with real providers: a hold is voided instead.
                match authorization.state {
                    AuthorizationState::Captured => {}
                    AuthorizationState::Voided => {
                        return conflict("the authorization is voided: nothing to refund")
                    }
                    AuthorizationState::Authorized => {
                        return conflict("the authorization is not captured: void it instead")
                    }
                }
                if reason.starts_with(crate::test_values::REFUSED_REFUND_PREFIX) {
                    return PaymentAnswer::Declined {
                        reason: format!(
                            "the refund was refused (test reason `{}`)",
                            crate::test_values::REFUSED_REFUND_PREFIX
                        ),
                    };
                }
                let id = format!("refund-{}", self.refunds.len() + 1);
                self.refunds.push(Refund {
                    id: id.clone(),
                    order_id: order_id.clone(),
                    authorization_id: authorization_id.clone(),
                    amount: amount.clone(),
                    currency: currency.clone(),
                    reason: reason.clone(),
                });
                PaymentAnswer::Refunded { refund_id: id }
            }
        }
    }

    fn find(&mut self, id: &str) -> Option<&mut Authorization> {
        self.authorizations.iter_mut().find(|a| a.id == id)
    }
}

fn conflict(reason: &str) -> PaymentAnswer {
    PaymentAnswer::Conflict {
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorize(method: &str) -> PaymentCall {
        PaymentCall::Authorize {
            order_id: "o-1".into(),
            method: method.into(),
            amount: "115.00".into(),
            currency: "USD".into(),
            reference: None,
        }
    }

    fn void(id: &str) -> PaymentCall {
        PaymentCall::Void {
            authorization_id: id.into(),
        }
    }

    fn capture(id: &str) -> PaymentCall {
        PaymentCall::Capture {
            authorization_id: id.into(),
            amount: "115.00".into(),
            currency: "USD".into(),
        }
    }

    fn authorized(ledger: &PaymentLedger, key: &str) -> String {
        match ledger.handle(key, authorize("visa")) {
            Ok(PaymentAnswer::Authorized { authorization_id }) => authorization_id,
            other => panic!("expected an authorization, got {other:?}"),
        }
    }

    #[test]
    fn a_repeated_key_replays_the_first_answer_and_authorizes_once() {
        let ledger = PaymentLedger::default();
        let first = authorized(&ledger, "k-1");
        assert_eq!(authorized(&ledger, "k-1"), first);
        assert_eq!(ledger.authorizations().len(), 1);
        assert_ne!(authorized(&ledger, "k-2"), first);
        assert_eq!(ledger.authorizations().len(), 2);
    }

    #[test]
    fn a_key_reused_with_another_call_is_refused() {
        let ledger = PaymentLedger::default();
        assert!(matches!(
            ledger.handle("k-1", authorize("declined")),
            Ok(PaymentAnswer::Declined { .. })
        ));
        assert_eq!(ledger.handle("k-1", authorize("visa")), Err(KeyReused));
        assert!(ledger.authorizations().is_empty());
    }

    #[test]
    fn voiding_twice_is_fine_and_voiding_a_capture_is_a_conflict() {
        let ledger = PaymentLedger::default();
        let held = authorized(&ledger, "a-1");
        assert_eq!(ledger.handle("v-1", void(&held)), Ok(PaymentAnswer::Voided));
        assert_eq!(ledger.handle("v-2", void(&held)), Ok(PaymentAnswer::Voided));
        assert_eq!(ledger.voids(), vec![held.clone()]);
        assert!(matches!(
            ledger.handle("c-1", capture(&held)),
            Ok(PaymentAnswer::Conflict { .. })
        ));

        let taken = authorized(&ledger, "a-2");
        assert_eq!(
            ledger.handle("c-2", capture(&taken)),
            Ok(PaymentAnswer::Captured)
        );
        assert!(matches!(
            ledger.handle("v-3", void(&taken)),
            Ok(PaymentAnswer::Conflict { .. })
        ));
        assert_eq!(ledger.captures(), vec![taken.clone()]);
        let states: Vec<_> = ledger.authorizations().iter().map(|a| a.state).collect();
        assert_eq!(
            states,
            [AuthorizationState::Voided, AuthorizationState::Captured]
        );
        assert_eq!(
            ledger.handle("v-4", void("nope")),
            Ok(PaymentAnswer::NotFound)
        );
    }

    #[test]
    fn a_refund_is_made_once_per_key_and_only_of_captured_money() {
        let ledger = PaymentLedger::default();
        let held = authorized(&ledger, "a-1");
        let refund = |id: &str| PaymentCall::Refund {
            order_id: "o-1".into(),
            authorization_id: id.into(),
            amount: "115.00".into(),
            currency: "USD".into(),
            reason: "order canceled".into(),
        };
        assert!(matches!(
            ledger.handle("r-0", refund(&held)),
            Ok(PaymentAnswer::Conflict { .. })
        ));
        assert_eq!(
            ledger.handle("c-1", capture(&held)),
            Ok(PaymentAnswer::Captured)
        );
        let first = ledger.handle("r-1", refund(&held));
        assert!(matches!(first, Ok(PaymentAnswer::Refunded { .. })));
        assert_eq!(ledger.handle("r-1", refund(&held)), first);
        assert_eq!(ledger.refunds().len(), 1);

        let voided = authorized(&ledger, "a-2");
        assert_eq!(
            ledger.handle("v-1", void(&voided)),
            Ok(PaymentAnswer::Voided)
        );
        assert!(matches!(
            ledger.handle("r-2", refund(&voided)),
            Ok(PaymentAnswer::Conflict { .. })
        ));
    }
}
