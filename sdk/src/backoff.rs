//! When a run's writer tries the server again after a failed send: exponential backoff with
//! jitter, from [`FIRST_WAIT`] doubling up to [`LONGEST_WAIT`] (so a run resumes within about
//! a second of the server coming back), each wait drawn between half and all of its cap so
//! that many clients cut off together do not come back together; a `Retry-After` from the
//! server is honoured (up to [`LONGEST_RETRY_AFTER`]) when it asks for longer.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// The wait after the first failure (before jitter).
pub const FIRST_WAIT: Duration = Duration::from_millis(100);
/// The longest wait between tries the client chooses itself.
pub const LONGEST_WAIT: Duration = Duration::from_secs(1);
/// The longest `Retry-After` honoured.
pub const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Failures in a row and when the next try is due.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
    next_try: Option<Instant>,
}

impl Backoff {
    /// Whether a try is due at `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.next_try.is_none_or(|at| now >= at)
    }

    /// A send succeeded: the next failure starts from the first wait again.
    pub fn succeeded(&mut self) {
        *self = Backoff::default();
    }

    /// A send failed at `now`; `retry_after` is what the server asked for, if anything.
    /// Answers the wait chosen.
    pub fn failed(&mut self, now: Instant, retry_after: Option<Duration>) -> Duration {
        let cap = FIRST_WAIT
            .saturating_mul(1 << self.failures.min(16))
            .min(LONGEST_WAIT);
        self.failures = self.failures.saturating_add(1);
        let wait = jittered(cap).max(retry_after.unwrap_or_default().min(LONGEST_RETRY_AFTER));
        self.next_try = Some(now + wait);
        wait
    }
}

/// A wait drawn uniformly between half of `cap` and `cap`.
fn jittered(cap: Duration) -> Duration {
    let random = RandomState::new().build_hasher().finish();
    let fraction = 0.5 + 0.5 * (random as f64 / u64::MAX as f64);
    cap.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_with_jitter_up_to_a_second_and_reset_after_a_success() {
        let now = Instant::now();
        let mut backoff = Backoff::default();
        assert!(backoff.due(now));
        let waits: Vec<Duration> = (0..8).map(|_| backoff.failed(now, None)).collect();
        for (index, wait) in waits.iter().enumerate() {
            let cap = FIRST_WAIT.saturating_mul(1 << index).min(LONGEST_WAIT);
            assert!(
                *wait >= cap / 2 && *wait <= cap,
                "wait {index}: {wait:?} against {cap:?}"
            );
        }
        assert!(!backoff.due(now));
        assert!(backoff.due(now + LONGEST_WAIT));
        backoff.succeeded();
        assert!(backoff.due(now));
        assert!(backoff.failed(now, None) <= FIRST_WAIT);
    }

    #[test]
    fn a_retry_after_longer_than_the_backoff_wins_up_to_a_minute() {
        let now = Instant::now();
        let mut backoff = Backoff::default();
        assert_eq!(
            backoff.failed(now, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            backoff.failed(now, Some(Duration::from_secs(3_600))),
            LONGEST_RETRY_AFTER
        );
        assert!(backoff.failed(now, Some(Duration::ZERO)) <= LONGEST_WAIT);
    }

    #[test]
    fn jitter_spreads_waits() {
        let draws: std::collections::BTreeSet<Duration> = (0..20).map(|_| jittered(LONGEST_WAIT)).collect();
        assert!(draws.len() > 10, "{draws:?}");
    }
}
