//! Who has a queued job: still the queue, the thread that runs it, or nobody (its caller gave up first). The
//! writer's jobs and the readers' reads are queued for threads of their own; a caller that stops waiting takes
//! its job back if no thread has taken it, so that work nobody waits for never starts.

use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Default)]
pub(crate) struct JobClaim(AtomicU8);

const QUEUED: u8 = 0;
const TAKEN: u8 = 1;
const WITHDRAWN: u8 = 2;

impl JobClaim {
    /// The running thread's side: true if the job is still wanted, and from now on it is the thread's.
    pub(crate) fn take(&self) -> bool {
        self.0
            .compare_exchange(QUEUED, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The caller's side: true if no thread had taken the job, which now none ever will.
    pub(crate) fn withdraw(&self) -> bool {
        self.0
            .compare_exchange(QUEUED, WITHDRAWN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}
