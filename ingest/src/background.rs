//! Background CPU work — a compaction's decoding, merging and encoding, hundreds of
//! milliseconds for a large tier — on one thread of its own at a lower scheduling priority.
//!
//! Never on the async workers (a merge there stalls every request those workers serve), and
//! not on tokio's blocking pool beside the graph's statements at equal priority: on a busy
//! machine the cores go to acknowledgements and reads first, and compaction takes what is
//! left (on an idle one it runs at full speed). One thread, because the work is one
//! compaction at a time.

use std::sync::mpsc;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::{Error, Result};

/// How much lower the background thread runs than the rest of the process (a nice value:
/// about a tenth of a foreground thread's share of a contended core).
const NICENESS: i32 = 10;

type Work = Box<dyn FnOnce() + Send>;

/// Runs `work` on the background thread (started on first use) and answers its result.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: Work = Box::new(move || {
        // The caller may have gone (its request was dropped); the result is then unneeded.
        let _ = answer.send(work());
    });
    queue()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .send(job)
        .map_err(|_| Error::Internal("the background thread has stopped".into()))?;
    answered
        .await
        .map_err(|_| Error::Internal("background work panicked".into()))
}

fn queue() -> &'static Mutex<mpsc::Sender<Work>> {
    static QUEUE: OnceLock<Mutex<mpsc::Sender<Work>>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (sender, jobs) = mpsc::channel::<Work>();
        std::thread::Builder::new()
            .name("rsdk-background".into())
            .spawn(move || {
                lower_priority();
                for job in jobs {
                    // A panicking job drops its answer (the caller gets an error); the thread
                    // goes on with the next one.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })
            .expect("the background thread starts");
        Mutex::new(sender)
    })
}

/// Lowers the calling thread's priority (Linux keeps a nice value per thread, and
/// `setpriority(PRIO_PROCESS, 0)` sets the caller's). Elsewhere the value is per process, so
/// nothing changes. Failing only costs latency elsewhere, so it is logged, not fatal.
fn lower_priority() {
    // Relative to the process' own (a server started under `nice` keeps its background work
    // below its requests), up to the lowest priority there is.
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::process::getpriority_process(None)
        .and_then(|own| rustix::process::setpriority_process(None, (own + NICENESS).min(19)))
    {
        tracing::warn!(%error, "the background thread keeps the process' priority");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = NICENESS;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_off_the_caller_at_a_lower_priority_and_answers() {
        let (thread, niceness) = run(|| {
            let niceness = rustix::process::getpriority_process(None).expect("a priority");
            (std::thread::current().name().map(str::to_owned), niceness)
        })
        .await
        .expect("answered");
        assert_eq!(thread.as_deref(), Some("rsdk-background"));
        let own = rustix::process::getpriority_process(None).expect("a priority");
        assert_eq!(niceness, (own + NICENESS).min(19), "the caller's stays {own}");
    }

    #[tokio::test]
    async fn a_panic_is_an_error_for_its_caller_only() {
        let failed = run(|| -> u8 { panic!("a bug in background work") }).await;
        assert!(failed.is_err());
        assert_eq!(run(|| 7).await.expect("the thread goes on"), 7);
    }
}
