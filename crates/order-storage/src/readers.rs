//! The threads that run reads: as many as reads may run at once, each taking the next read from one queue and
//! running it on a connection of the pool. Under load the queue is seldom empty, so a thread goes from one read
//! to the next without sleeping. tokio's blocking pool, handed one read at a time past a semaphore, always had a
//! thread idle for it, and woke that thread for every read: a futex wake and a context switch each, which the
//! kernel's scheduling made a sixth of a get's CPU on a virtual machine (BENCHMARKS.md, fifteenth session).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use diesel::r2d2::Pool;
use order_domain::ports::RepositoryError;
use tokio::sync::oneshot;

use crate::connection::{DbConnection, Manager};
use crate::error::StorageError;
use crate::job_claim::JobClaim;

/// A read as the queue carries it: it takes a connection from the pool, runs, and answers its caller.
type Read = Box<dyn FnOnce(&Pool<Manager>) + Send>;

/// The reading threads. Dropping it lets them finish the reads already queued, then waits for them.
pub(crate) struct Readers {
    queue: Option<Sender<Read>>,
    threads: Vec<JoinHandle<()>>,
}

impl Readers {
    pub(crate) fn start(pool: &Pool<Manager>, threads: u32) -> std::io::Result<Self> {
        let (queue, reads) = crossbeam_channel::unbounded();
        let threads = (0..threads.max(1))
            .map(|n| {
                let (pool, reads) = (pool.clone(), reads.clone());
                std::thread::Builder::new()
                    .name(format!("db-reader-{n}"))
                    .spawn(move || serve(&pool, &reads))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            queue: Some(queue),
            threads,
        })
    }

    /// Reads waiting for a thread.
    pub(crate) fn queued(&self) -> usize {
        self.queue.as_ref().map_or(0, Sender::len)
    }

    /// Queues `work` and waits for its answer. A read no thread has taken by `deadline` is withdrawn, and the
    /// caller told `Unavailable`: it will never run. One already taken is waited for.
    pub(crate) async fn read<T, F>(&self, work: F, deadline: Instant) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, mut answer) = oneshot::channel();
        let claim = Arc::new(JobClaim::default());
        let taken = Arc::clone(&claim);
        let span = tracing::Span::current();
        let read: Read = Box::new(move |pool| {
            if !taken.take() {
                return;
            }
            let _entered = span.enter();
            let left = deadline.saturating_duration_since(Instant::now());
            let result = match left.is_zero() {
                true => Err(StorageError::TimedOut),
                false => pool
                    .get_timeout(left)
                    .map_err(StorageError::from)
                    .and_then(|mut conn| conn.run(work)),
            };
            // The caller may have given up waiting; then nobody needs the answer.
            let _ = reply.send(result);
        });
        self.queue
            .as_ref()
            .and_then(|queue| queue.send(read).ok())
            .ok_or_else(stopped)?;
        let answered = match tokio::time::timeout_at(deadline.into(), &mut answer).await {
            Ok(answered) => answered,
            Err(_) if claim.withdraw() => return Err(StorageError::TimedOut.into()),
            Err(_) => answer.await,
        };
        answered
            .map_err(|_| stopped())?
            .map_err(RepositoryError::from)
    }
}

impl Drop for Readers {
    fn drop(&mut self) {
        self.queue.take();
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                tracing::error!("a database reader thread panicked");
            }
        }
    }
}

fn serve(pool: &Pool<Manager>, reads: &Receiver<Read>) {
    while let Ok(read) = reads.recv() {
        // A panicking read drops its answer unsent, which fails its caller, and not the thread.
        if catch_unwind(AssertUnwindSafe(|| read(pool))).is_err() {
            tracing::error!("a database read panicked");
        }
    }
}

fn stopped() -> RepositoryError {
    RepositoryError::Unexpected("the database readers gave no answer".into())
}

#[cfg(test)]
#[path = "readers_tests.rs"]
mod tests;
