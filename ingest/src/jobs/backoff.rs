//! Retry delays: exponential, capped, with jitter so a burst of failures does not retry in
//! lockstep.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

/// How long a failed job waits before its next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling after the first failed attempt; it doubles with each further one.
    pub base: Duration,
    /// The largest ceiling.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The ceiling after failed attempt `attempt` (1-based): `base · 2^(attempt−1)`, at most `max`.
    pub fn ceiling(&self, attempt: i64) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1).max(0)).unwrap_or(u32::MAX);
        let factor = 1_u32.checked_shl(doublings);
        factor
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.max, |delay| delay.min(self.max))
    }

    /// The delay after failed attempt `attempt`, given a `jitter` in `[0, 1]` ("equal
    /// jitter"): between half the ceiling (jitter 0) and the whole ceiling (jitter 1).
    /// For a fixed jitter it never shrinks as attempts grow, and never exceeds `max`.
    pub fn delay(&self, attempt: i64, jitter: f64) -> Duration {
        let ceiling = self.ceiling(attempt).as_nanos();
        let half = ceiling / 2;
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        // Float only for the jittered half; the result is floored, so it stays <= ceiling.
        let spread = ((ceiling - half) as f64 * jitter) as u128;
        let nanos = (half + spread).min(ceiling);
        let seconds = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
        Duration::new(seconds, (nanos % 1_000_000_000) as u32)
    }

    /// [`Backoff::delay`] with a random jitter.
    pub fn random_delay(&self, attempt: i64) -> Duration {
        self.delay(attempt, random_fraction())
    }
}

/// A random number in `[0, 1)`: std's per-instance random hash keys, so no RNG dependency
/// for what only needs to spread retries apart.
fn random_fraction() -> f64 {
    let bits = RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> impl Strategy<Value = Backoff> {
        (1_u64..60_000, 1_u64..3_600_000).prop_map(|(base, max)| Backoff {
            base: Duration::from_millis(base),
            max: Duration::from_millis(max),
        })
    }

    proptest! {
        #[test]
        fn delays_never_shrink_as_attempts_grow(policy in policy(), first in -2_i64..200, more in 0_i64..200, jitter in 0.0..=1.0_f64) {
            prop_assert!(policy.delay(first, jitter) <= policy.delay(first + more, jitter));
            prop_assert!(policy.ceiling(first) <= policy.ceiling(first + more));
        }

        #[test]
        fn delays_are_capped_and_jittered_within_half_to_full_ceiling(policy in policy(), attempt in -2_i64..i64::MAX, jitter in proptest::num::f64::ANY) {
            let ceiling = policy.ceiling(attempt);
            let delay = policy.delay(attempt, jitter);
            prop_assert!(ceiling <= policy.max);
            prop_assert!(delay <= ceiling);
            prop_assert!(delay >= ceiling / 2);
        }

        #[test]
        fn random_delays_stay_within_bounds(policy in policy(), attempt in 1_i64..100) {
            let delay = policy.random_delay(attempt);
            prop_assert!(delay <= policy.ceiling(attempt) && delay >= policy.ceiling(attempt) / 2);
        }
    }

    #[test]
    fn the_ceiling_doubles_from_the_base_until_the_cap() {
        let policy = Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(10),
        };
        let ceilings: Vec<u64> = (1..=6).map(|attempt| policy.ceiling(attempt).as_secs()).collect();
        assert_eq!(ceilings, vec![1, 2, 4, 8, 10, 10]);
        assert_eq!(policy.delay(3, 0.0), Duration::from_secs(2));
        assert_eq!(policy.delay(3, 1.0), Duration::from_secs(4));
    }
}
