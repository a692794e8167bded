//! Threads that run blocking database work, never the async executor: a fixed few, each taking the next piece of
//! work from one queue and running it on a connection of the pool. The store has two sets, one for reads (as
//! many as may run at once) and one for the rest of its work on Postgres (as many as the pool has connections).
//! Under load a queue is seldom empty, so a thread goes from one piece of work to the next without sleeping.
//! tokio's blocking pool, handed one piece at a time past a semaphore, always had a thread idle for it, and woke
//! that thread every time (a futex wake and a context switch, and another for the answer): taking that out
//! halved a get's CPU on a virtual machine whose context switches are dear (BENCHMARKS.md, fifteenth session).

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

/// Work as the queue carries it: it takes a connection from the pool, runs, and answers its caller.
type Work = Box<dyn FnOnce(&Pool<Manager>) + Send>;

/// One set of threads and their queue. Dropping it lets them finish the work already queued, then waits for them.
pub(crate) struct DbThreads {
    queue: Option<Sender<Work>>,
    threads: Vec<JoinHandle<()>>,
}

impl DbThreads {
    /// `threads` threads named `<name>-<n>`.
    pub(crate) fn start(pool: &Pool<Manager>, threads: u32, name: &str) -> std::io::Result<Self> {
        let (sender, receiver) = crossbeam_channel::unbounded();
        let threads = (0..threads.max(1))
            .map(|n| {
                let (pool, queue) = (pool.clone(), receiver.clone());
                std::thread::Builder::new()
                    .name(format!("{name}-{n}"))
                    .spawn(move || serve(&pool, &queue))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            queue: Some(sender),
            threads,
        })
    }

    /// Work waiting for a thread.
    pub(crate) fn queued(&self) -> usize {
        self.queue.as_ref().map_or(0, Sender::len)
    }

    /// Queues `work` and waits for its answer. Work no thread has taken by `deadline` is withdrawn, and the
    /// caller told `Unavailable`: it will never run. Work already taken is waited for.
    pub(crate) async fn run<T, F>(&self, work: F, deadline: Instant) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, mut answer) = oneshot::channel();
        let claim = Arc::new(JobClaim::default());
        let taken = Arc::clone(&claim);
        let span = tracing::Span::current();
        let job: Work = Box::new(move |pool| {
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
            .and_then(|queue| queue.send(job).ok())
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

impl Drop for DbThreads {
    fn drop(&mut self) {
        self.queue.take();
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                tracing::error!("a database thread panicked");
            }
        }
    }
}

fn serve(pool: &Pool<Manager>, queue: &Receiver<Work>) {
    while let Ok(job) = queue.recv() {
        // Work that panics drops its answer unsent, which fails its caller, and not the thread.
        if catch_unwind(AssertUnwindSafe(|| job(pool))).is_err() {
            tracing::error!("database work panicked");
        }
    }
}

fn stopped() -> RepositoryError {
    RepositoryError::Unexpected("the database threads gave no answer".into())
}

#[cfg(test)]
#[path = "db_threads_tests.rs"]
mod tests;
