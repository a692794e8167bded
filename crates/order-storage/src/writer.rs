//! SQLite group commit. One thread does every write: it takes the write jobs that are waiting (at most
//! `MAX_BATCH`), runs each in its own savepoint inside one `BEGIN IMMEDIATE` transaction and commits once, so
//! one fsync covers them all. A job that fails is rolled back to its savepoint alone; the others commit. Each
//! caller gets its own result only after the COMMIT (or the batch's failure if the COMMIT fails). A job whose
//! savepoint cannot be taken, let go or rolled back to fails the whole batch: nothing half-done is committed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::r2d2::Pool;
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};
use order_domain::ports::RepositoryError;
use tokio::sync::oneshot;

use crate::connection::{transaction, DbConnection, Manager};
use crate::error::StorageError;
use crate::job_claim::JobClaim;

/// The most jobs one transaction commits: bounds a batch's latency and the work lost to a failed COMMIT.
const MAX_BATCH: usize = 64;

/// The write thread. Dropping it lets the thread finish the jobs already sent, then waits for it.
pub(crate) struct Writer {
    jobs: Option<Sender<Box<dyn Job>>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(crate) fn start(pool: Pool<Manager>) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || serve(&pool, &queue))?;
        Ok(Self {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Queues `work` for the next batch and waits until that batch has committed (or failed). A job the
    /// writer has not taken up by `deadline` is withdrawn, and the caller told `Unavailable`: it will never run.
    /// A job already taken is waited for, so that an answer never contradicts what was written.
    pub(crate) async fn write<T, F>(&self, work: F, deadline: Instant) -> Result<T, RepositoryError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        let (job, mut answer, claim) = job(work);
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.send(job).ok())
            .ok_or_else(stopped)?;
        match tokio::time::timeout_at(deadline.into(), &mut answer).await {
            Ok(answered) => answered.map_err(|_| stopped())?,
            Err(_) if claim.withdraw() => Err(StorageError::TimedOut.into()),
            Err(_) => answer.await.map_err(|_| stopped())?,
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the SQLite writer thread panicked");
            }
        }
    }
}

fn stopped() -> RepositoryError {
    RepositoryError::Unexpected("the SQLite writer gave no answer".into())
}

fn serve(pool: &Pool<Manager>, queue: &Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter().take(MAX_BATCH - 1));
        // A panic fails the callers of its batch, whose answers are dropped unsent, and not the writer: the
        // connection goes back to the pool inside its transaction, so the pool closes it, rolling that back.
        match catch_unwind(AssertUnwindSafe(|| commit(pool, &mut batch))) {
            Ok(committed) => batch.into_iter().for_each(|job| job.answer(&committed)),
            Err(_) => tracing::error!(writes = batch.len(), "a batch of writes panicked"),
        }
    }
}

/// Runs every job of the batch in one transaction. `Err` is why the transaction as a whole failed.
fn commit(pool: &Pool<Manager>, batch: &mut [Box<dyn Job>]) -> Result<(), Arc<StorageError>> {
    let mut conn = pool.get().map_err(|error| Arc::new(error.into()))?;
    conn.run(|conn| {
        transaction(conn, |conn| {
            batch.iter_mut().try_for_each(|job| job.run(conn))
        })
    })
    .map_err(Arc::new)
}

/// A write as a job for the queue, where its answer will come, and who has it.
fn job<T, F>(work: F) -> (Box<dyn Job>, Answer<T>, Arc<JobClaim>)
where
    F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    let claim = Arc::new(JobClaim::default());
    let job = Box::new(Pending {
        work: Some(work),
        outcome: None,
        reply,
        claim: Arc::clone(&claim),
        span: tracing::Span::current(),
    });
    (job, answer, claim)
}

type Answer<T> = oneshot::Receiver<Result<T, RepositoryError>>;

/// A caller's write, type-erased so that one queue carries writes of any result type.
trait Job: Send {
    /// Runs the work in its own savepoint and keeps its outcome. `Err`: the savepoint failed, and with it the
    /// batch.
    fn run(&mut self, conn: &mut DbConnection) -> Result<(), StorageError>;
    /// Answers the caller: its kept outcome if the batch committed, else why the batch failed.
    fn answer(self: Box<Self>, committed: &Result<(), Arc<StorageError>>);
}

struct Pending<T, F> {
    work: Option<F>,
    outcome: Option<Result<T, StorageError>>,
    reply: oneshot::Sender<Result<T, RepositoryError>>,
    claim: Arc<JobClaim>,
    span: tracing::Span,
}

impl<T, F> Job for Pending<T, F>
where
    F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send,
    T: Send,
{
    fn run(&mut self, conn: &mut DbConnection) -> Result<(), StorageError> {
        if !self.claim.take() {
            // Its caller has been told it timed out: it must not be written.
            return Ok(());
        }
        let Some(work) = self.work.take() else {
            return Ok(());
        };
        let _entered = self.span.enter();
        Savepoint::Take.run(conn)?;
        let outcome = work(conn);
        if outcome.is_err() {
            Savepoint::RollBack.run(conn)?;
        }
        Savepoint::Release.run(conn)?;
        self.outcome = Some(outcome);
        Ok(())
    }

    fn answer(self: Box<Self>, committed: &Result<(), Arc<StorageError>>) {
        let result = match (self.outcome, committed) {
            // A job that failed was rolled back to its savepoint whatever became of the batch.
            (Some(Err(error)), _) => Err(error.into()),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(failure)) => Err(StorageError::batch_failure(failure)),
            (None, Ok(())) => Err(stopped()),
        };
        // The caller may have given up waiting; then nobody needs the answer.
        let _ = self.reply.send(result);
    }
}

/// A job's savepoint, as statements kept prepared. diesel's nested transaction sends its `SAVEPOINT` and
/// `RELEASE` as text that SQLite parses again for every job: about 10,000 instructions a create, on this one
/// thread (`bench/profile create`).
#[derive(Clone, Copy)]
enum Savepoint {
    Take,
    Release,
    RollBack,
}

impl Savepoint {
    fn run(self, conn: &mut DbConnection) -> Result<(), StorageError> {
        match conn {
            DbConnection::Sqlite(conn) => self.execute(conn).map(drop).map_err(Into::into),
            DbConnection::Postgres(_) => Err(StorageError::Corrupt(
                "the writer serves SQLite only".into(),
            )),
        }
    }
}

impl QueryFragment<Sqlite> for Savepoint {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql(match self {
            Savepoint::Take => "SAVEPOINT job",
            Savepoint::Release => "RELEASE job",
            Savepoint::RollBack => "ROLLBACK TO job",
        });
        Ok(())
    }
}

/// Kept prepared by its text.
impl QueryId for Savepoint {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Conn> RunQueryDsl<Conn> for Savepoint {}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
