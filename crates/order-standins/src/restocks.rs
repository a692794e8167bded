//! The inventory stand-in's restock book, shared by the in-process stand-in and the HTTP server: every
//! restock with the key it came under. A repeated key with the same restock replays (it is recorded once);
//! with another restock it is refused, as the payment ledger does with its keys.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use crate::test_values::LOST_RESTOCK_ANSWER_PREFIX;

/// One restock as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restock {
    pub order_id: String,
    pub return_id: String,
    /// Product ids and quantities, in the order given.
    pub items: Vec<(String, u32)>,
}

/// What the stand-in answers a restock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestockAnswer {
    /// Recorded now, or replayed for a repeated key.
    Restocked,
    /// Recorded, but the answer is "lost" (the service answers 503): the test value that makes the caller
    /// retry a restock that was done. Only the first call under a key loses its answer.
    AnswerLost,
}

/// The key was used before with another restock: `422` over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyReused;

#[derive(Debug, Default)]
struct Book {
    keys: HashMap<String, Restock>,
    restocks: Vec<Restock>,
    answers_lost: HashSet<String>,
}

#[derive(Debug, Default)]
pub struct RestockBook(Mutex<Book>);

impl RestockBook {
    /// Records `restock` under `key`, or replays what `key` was first answered.
    pub fn handle(&self, key: &str, restock: Restock) -> Result<RestockAnswer, KeyReused> {
        let mut book = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(first) = book.keys.get(key) {
            return if *first == restock {
                Ok(RestockAnswer::Restocked)
            } else {
                Err(KeyReused)
            };
        }
        let loses_answer = restock
            .items
            .iter()
            .any(|(product, _)| product.starts_with(LOST_RESTOCK_ANSWER_PREFIX));
        book.keys.insert(key.to_owned(), restock.clone());
        book.restocks.push(restock);
        if loses_answer && book.answers_lost.insert(key.to_owned()) {
            return Ok(RestockAnswer::AnswerLost);
        }
        Ok(RestockAnswer::Restocked)
    }

    /// Every restock recorded, oldest first.
    pub fn restocks(&self) -> Vec<Restock> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .restocks
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restock(quantity: u32) -> Restock {
        Restock {
            order_id: "o-1".into(),
            return_id: "r-1".into(),
            items: vec![("p-1".into(), quantity)],
        }
    }

    #[test]
    fn a_repeated_key_is_restocked_once_and_another_restock_under_it_is_refused() {
        let book = RestockBook::default();
        assert_eq!(book.handle("k", restock(2)), Ok(RestockAnswer::Restocked));
        assert_eq!(book.handle("k", restock(2)), Ok(RestockAnswer::Restocked));
        assert_eq!(book.handle("k", restock(3)), Err(KeyReused));
        assert_eq!(book.restocks(), [restock(2)]);
        assert_eq!(book.handle("k2", restock(3)), Ok(RestockAnswer::Restocked));
        assert_eq!(book.restocks().len(), 2);
    }

    #[test]
    fn the_test_product_loses_the_first_answer_only() {
        let book = RestockBook::default();
        let mut lost = restock(1);
        lost.items[0].0 = format!("{LOST_RESTOCK_ANSWER_PREFIX}-1");
        assert_eq!(
            book.handle("k", lost.clone()),
            Ok(RestockAnswer::AnswerLost)
        );
        assert_eq!(book.handle("k", lost.clone()), Ok(RestockAnswer::Restocked));
        assert_eq!(book.restocks(), [lost]);
    }
}
