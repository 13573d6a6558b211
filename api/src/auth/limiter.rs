//! Failed sign-ins are limited per account and per client address: past the limit within
//! the window, further attempts are refused (`RATE_LIMITED`, with the seconds to wait)
//! before any password is checked. Counts live in this process; each replica counts its own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How far back failures count.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed per account within the window.
pub const PER_ACCOUNT: usize = 10;
/// Failures allowed per client address within the window.
pub const PER_ADDRESS: usize = 30;

/// Recent failures by key (`account:<email>`, `address:<ip>`).
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// Refuses when the account or the address is over its limit.
    pub fn check(&self, account: &str, address: &str) -> graph::Result<()> {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, limit) in [
            (account_key(account), PER_ACCOUNT),
            (address_key(address), PER_ADDRESS),
        ] {
            let Some(times) = failures.get_mut(&key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|first| now.duration_since(*first) > WINDOW)
            {
                times.pop_front();
            }
            if times.len() >= limit {
                let oldest = times.front().copied().unwrap_or(now);
                let wait = WINDOW.saturating_sub(now.duration_since(oldest));
                return Err(graph::Error::RateLimited {
                    retry_after_seconds: wait.as_secs().max(1),
                });
            }
        }
        Ok(())
    }

    /// Counts a failed sign-in against the account and the address.
    pub fn failed(&self, account: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for key in [account_key(account), address_key(address)] {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the account's failures.
    pub fn succeeded(&self, account: &str) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        failures.remove(&account_key(account));
    }
}

fn account_key(account: &str) -> String {
    format!("account:{}", account.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_limited_after_its_failures_and_cleared_by_success() {
        let limiter = LoginLimiter::default();
        for _ in 0..PER_ACCOUNT {
            limiter.check("A@x.org", "10.0.0.1").expect("under the limit");
            limiter.failed("a@x.org", "10.0.0.1");
        }
        let error = limiter.check("a@x.org", "10.0.0.2").expect_err("limited");
        assert!(
            matches!(error, graph::Error::RateLimited { retry_after_seconds } if retry_after_seconds > 0)
        );
        limiter
            .check("b@x.org", "10.0.0.1")
            .expect("another account from that address is still fine");
        limiter.succeeded("a@x.org");
        limiter.check("a@x.org", "10.0.0.2").expect("cleared");
    }

    #[test]
    fn an_address_is_limited_across_accounts() {
        let limiter = LoginLimiter::default();
        for i in 0..PER_ADDRESS {
            limiter.failed(&format!("user{i}@x.org"), "10.0.0.9");
        }
        assert!(limiter.check("new@x.org", "10.0.0.9").is_err());
        assert!(limiter.check("new@x.org", "10.0.0.8").is_ok());
    }
}
