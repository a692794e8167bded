use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::BreakerSettings;

/// A circuit breaker: closed until `failure_threshold` consecutive failures, then open (calls rejected at
/// once) for `cool_down`, then half-open: one probe goes through; its success closes the circuit, its failure
/// opens it again.
#[derive(Debug)]
pub(crate) struct Breaker {
    service: &'static str,
    settings: BreakerSettings,
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// Leave to make one attempt; report how it went with `succeeded` or `failed`. Dropped unreported, a probe
/// hands its turn to the next call.
#[must_use]
pub(crate) struct Ticket<'a> {
    breaker: &'a Breaker,
    probe: bool,
    reported: bool,
}

impl Breaker {
    pub(crate) fn new(service: &'static str, settings: BreakerSettings) -> Self {
        gauge(service, State::Closed { failures: 0 });
        Self {
            service,
            settings,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// A ticket, or how long the circuit stays open.
    pub(crate) fn admit(&self) -> Result<Ticket<'_>, Duration> {
        let mut state = self.lock();
        let now = Instant::now();
        let probe = match *state {
            State::Closed { .. } => false,
            State::Open { until } if now < until => return Err(until - now),
            State::Open { .. } => {
                self.set(&mut state, State::HalfOpen);
                true
            }
            // A probe is on its way; it decides within one attempt's time.
            State::HalfOpen => return Err(self.settings.cool_down),
        };
        Ok(Ticket {
            breaker: self,
            probe,
            reported: false,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a plain value, valid whatever a panicking holder did.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn open(&self, state: &mut State) {
        self.set(
            state,
            State::Open {
                until: Instant::now() + self.settings.cool_down,
            },
        );
    }

    /// Every change of state goes through here: it is logged and shown in the state gauge.
    fn set(&self, state: &mut State, new: State) {
        let was = *state;
        *state = new;
        if was.name() == new.name() {
            return;
        }
        match new {
            State::Open { .. } => tracing::warn!(
                service = self.service,
                cool_down = ?self.settings.cool_down,
                "circuit opened"
            ),
            State::HalfOpen => tracing::info!(service = self.service, "circuit half-open"),
            State::Closed { .. } => tracing::info!(service = self.service, "circuit closed"),
        }
        gauge(self.service, new);
    }
}

/// `gateway_circuit_state{service}`: 0 closed, 1 open, 2 half-open.
pub const CIRCUIT_STATE: &str = "gateway_circuit_state";

fn gauge(service: &'static str, state: State) {
    let value = match state {
        State::Closed { .. } => 0.0,
        State::Open { .. } => 1.0,
        State::HalfOpen => 2.0,
    };
    metrics::gauge!(CIRCUIT_STATE, "service" => service).set(value);
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Closed { .. } => "closed",
            State::Open { .. } => "open",
            State::HalfOpen => "half-open",
        }
    }
}

impl Ticket<'_> {
    pub(crate) fn succeeded(mut self) {
        self.reported = true;
        let mut state = self.breaker.lock();
        match *state {
            // Opened by others while this call ran: the open circuit stands.
            State::Open { .. } if !self.probe => {}
            _ => self.breaker.set(&mut state, State::Closed { failures: 0 }),
        }
    }

    pub(crate) fn failed(mut self) {
        self.reported = true;
        let mut state = self.breaker.lock();
        match *state {
            State::Closed { failures }
                if failures + 1 < self.breaker.settings.failure_threshold =>
            {
                *state = State::Closed {
                    failures: failures + 1,
                };
            }
            State::Closed { .. } | State::HalfOpen => self.breaker.open(&mut state),
            State::Open { .. } => {}
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.probe && !self.reported {
            let mut state = self.breaker.lock();
            if *state == State::HalfOpen {
                self.breaker.set(
                    &mut state,
                    State::Open {
                        until: Instant::now(),
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(cool_down_ms: u64) -> Breaker {
        Breaker::new(
            "test",
            BreakerSettings {
                failure_threshold: 3,
                cool_down: Duration::from_millis(cool_down_ms),
            },
        )
    }

    fn fail(breaker: &Breaker, times: u32) {
        for _ in 0..times {
            breaker
                .admit()
                .unwrap_or_else(|d| panic!("rejected for {d:?}"))
                .failed();
        }
    }

    #[test]
    fn the_circuit_opens_after_the_threshold_of_consecutive_failures() {
        let breaker = breaker(60_000);
        fail(&breaker, 2);
        assert!(breaker.admit().is_ok());
        fail(&breaker, 1);
        let remaining = breaker.admit().err();
        assert!(
            remaining.is_some_and(|d| d > Duration::from_secs(59)),
            "{remaining:?}"
        );
    }

    #[test]
    fn a_success_resets_the_count_of_failures() {
        let breaker = breaker(60_000);
        fail(&breaker, 2);
        breaker
            .admit()
            .unwrap_or_else(|d| panic!("{d:?}"))
            .succeeded();
        fail(&breaker, 2);
        assert!(breaker.admit().is_ok());
    }

    #[test]
    fn after_the_cool_down_one_probe_passes_and_its_success_closes_the_circuit() {
        let breaker = breaker(20);
        fail(&breaker, 3);
        std::thread::sleep(Duration::from_millis(30));
        let probe = breaker.admit().unwrap_or_else(|d| panic!("{d:?}"));
        assert!(
            breaker.admit().is_err(),
            "a second call passed the half-open circuit"
        );
        probe.succeeded();
        assert!(breaker.admit().is_ok());
        assert!(breaker.admit().is_ok());
    }

    #[test]
    fn a_failed_probe_opens_the_circuit_again() {
        let breaker = breaker(20);
        fail(&breaker, 3);
        std::thread::sleep(Duration::from_millis(30));
        fail(&breaker, 1);
        assert!(breaker.admit().is_err());
    }

    #[test]
    fn an_abandoned_probe_lets_the_next_call_probe() {
        let breaker = breaker(20);
        fail(&breaker, 3);
        std::thread::sleep(Duration::from_millis(30));
        drop(breaker.admit().unwrap_or_else(|d| panic!("{d:?}")));
        assert!(breaker.admit().is_ok());
    }
}
