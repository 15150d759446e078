//! Retries of one HTTP exchange, shared by the GitHub client
//! ([`crate::github`]), the CVE record fetches ([`crate::cverecords`]) and
//! hook deliveries ([`crate::hooks`]), so all follow one rule set:
//!
//! 1. The caller makes one attempt and says what came of it ([`Attempt`])
//!    to a [`Retrier`]:
//!    done, a permanent failure, a transient one (the caller decides which:
//!    a transport error or a 5xx for every caller), or the server's request
//!    to wait (a rate limit with its reset time; [`retry_after`] reads the
//!    `Retry-After` header for every caller).
//! 2. A transient failure is retried at most [`Policy::retries`] times.
//!    Before retry *n* the helper sleeps [`Policy::backoff`] × 2^(*n*−1):
//!    1 s, 2 s, 4 s with the defaults.
//! 3. A server's request to wait is honoured without using up a retry, as
//!    long as all such waits together stay within [`Policy::max_wait`] and
//!    there are at most [`Policy::max_waits`] of them; one more ends the
//!    exchange at once with the error the caller gave. Every wait lasts at
//!    least [`MIN_WAIT`], so a server that asks for none cannot make the
//!    exchange spin, and is counted at most as [`Policy::max_wait`] +
//!    [`MIN_WAIT`], so no number a server sends can overflow the total.
//! 4. Every retry and every wait is logged at WARN, with the caller's label
//!    for the exchange (and, for a retry, the error's full chain).
//!
//! This module owns the rules, the delays and the sleeping. It does not
//! decide what is transient, and it never sends a request itself. (The
//! `backon` crate was not used: it counts every wait as a retry and has no
//! budget for the waits a server asks for, which rule 3 needs; and its
//! closure-driven loop cannot lend the caller's state, such as the request
//! counters, to each attempt.)

use std::error::Error;
use std::fmt::{self, Display};
use std::ops::ControlFlow;
use std::time::Duration;

use reqwest::header::{self, HeaderMap};

use crate::error::Chain;

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Retries of a transient failure, after the first attempt.
    pub retries: u32,
    /// Sleep before the first retry; it doubles with each further one.
    pub backoff: Duration,
    /// Longest total of the waits servers ask for.
    pub max_wait: Duration,
    /// Most waits a server may ask for in one exchange.
    pub max_waits: u32,
}

/// The default bound on the waits of one exchange ([`Policy::max_waits`]).
pub const DEFAULT_MAX_WAITS: u32 = 10;

/// The shortest wait honoured: a server asking for less (`Retry-After: 0`)
/// is waited for this long.
pub const MIN_WAIT: Duration = Duration::from_secs(1);

/// The wait taken for a `429 Too Many Requests` that does not say how long.
pub const UNSTATED_WAIT: Duration = Duration::from_secs(60);

/// The wait a response's `Retry-After` asks for, when it is a number of
/// seconds (`Retry-After: 120`); `None` when there is none, or it is
/// something else (an HTTP date is not read). It is what the server sent,
/// for errors to report: a [`Retrier`] clamps every wait it is handed to
/// its budget ([`Policy::honoured`]), whatever its size.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_secs)
}

impl Policy {
    /// The sleep before retry `n` (1-based): `backoff × 2^(n−1)`.
    pub fn delay(&self, n: u32) -> Duration {
        self.backoff
            .saturating_mul(2u32.saturating_pow(n.saturating_sub(1)))
    }

    /// The wait honoured when a server asks for `asked`: at least
    /// [`MIN_WAIT`], and at most [`Policy::max_wait`] + [`MIN_WAIT`] (still
    /// past the budget, so it ends the exchange, but a number that adds up
    /// without overflow whatever the server sent).
    pub fn honoured(&self, asked: Duration) -> Duration {
        asked.clamp(MIN_WAIT, self.max_wait.saturating_add(MIN_WAIT))
    }
}

/// What one attempt came to.
#[derive(Debug)]
pub enum Attempt<T, E> {
    /// Success.
    Done(T),
    /// A failure that retrying cannot help.
    Fail(E),
    /// A failure that may pass: retry while retries remain.
    Transient(E),
    /// The server asked to wait this long before asking again; the error is
    /// the result if that wait exceeds what is left of the budget.
    Wait(Duration, E),
}

/// The state of one exchange's retries. The caller loops: it numbers an
/// attempt with [`Retrier::next_attempt`], makes it, and hands what came of
/// it to [`Retrier::settle`], which sleeps and continues, or breaks with
/// the result.
pub struct Retrier<'a> {
    policy: Policy,
    label: &'a (dyn Display + Sync),
    attempts: u32,
    retries: u32,
    waits: u32,
    waited: Duration,
}

impl fmt::Debug for Retrier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retrier")
            .field("exchange", &self.label.to_string())
            .field("attempts", &self.attempts)
            .field("retries", &self.retries)
            .field("waits", &self.waits)
            .field("waited", &self.waited)
            .finish()
    }
}

impl<'a> Retrier<'a> {
    /// Retries under `policy` of the exchange `label` names in log lines
    /// (it must not hold a secret).
    pub fn new(policy: Policy, label: &'a (dyn Display + Sync)) -> Retrier<'a> {
        Retrier {
            policy,
            label,
            attempts: 0,
            retries: 0,
            waits: 0,
            waited: Duration::ZERO,
        }
    }

    /// How long the waits servers asked for have lasted so far.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// Start an attempt: its number, from 1.
    pub fn next_attempt(&mut self) -> u32 {
        self.attempts += 1;
        self.attempts
    }

    /// Apply the rules to what an attempt came to: sleep and continue, or
    /// break with the result of the exchange.
    pub async fn settle<T, E>(&mut self, attempt: Attempt<T, E>) -> ControlFlow<Result<T, E>>
    where
        E: Error + 'static,
    {
        match attempt {
            Attempt::Done(value) => ControlFlow::Break(Ok(value)),
            Attempt::Fail(e) => ControlFlow::Break(Err(e)),
            Attempt::Transient(e) if self.retries >= self.policy.retries => {
                ControlFlow::Break(Err(e))
            }
            Attempt::Transient(e) => {
                self.retries += 1;
                let delay = self.policy.delay(self.retries);
                tracing::warn!(
                    exchange = %self.label,
                    attempt = self.attempts,
                    error = %Chain(&e),
                    "failed; retrying in {delay:?}"
                );
                tokio::time::sleep(delay).await;
                ControlFlow::Continue(())
            }
            Attempt::Wait(wait, e)
                if self.waits >= self.policy.max_waits
                    || self.waited.saturating_add(self.policy.honoured(wait))
                        > self.policy.max_wait =>
            {
                ControlFlow::Break(Err(e))
            }
            Attempt::Wait(wait, _) => {
                let wait = self.policy.honoured(wait);
                self.waits += 1;
                self.waited = self.waited.saturating_add(wait);
                tracing::warn!(
                    exchange = %self.label,
                    attempt = self.attempts,
                    "the server asks to wait; asking again in {wait:?}"
                );
                tokio::time::sleep(wait).await;
                ControlFlow::Continue(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("attempt {0} failed")]
    struct Failed(u32);

    fn policy(retries: u32, max_wait_ms: u64) -> Policy {
        Policy {
            retries,
            backoff: Duration::from_millis(1),
            max_wait: Duration::from_millis(max_wait_ms),
            max_waits: u32::MAX,
        }
    }

    #[test]
    fn delays_double() {
        let p = Policy {
            retries: 3,
            backoff: Duration::from_secs(1),
            max_wait: Duration::ZERO,
            max_waits: 0,
        };
        let delays: Vec<u64> = (1..=3).map(|n| p.delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4]);
        // Saturates instead of overflowing.
        assert_eq!(p.delay(200), Duration::from_secs(u64::from(u32::MAX)));
    }

    /// Run attempts made by `make` until the retrier breaks; also the
    /// attempt numbers seen.
    async fn exchange<T>(
        p: Policy,
        mut make: impl FnMut(u32) -> Attempt<T, Failed>,
    ) -> (Result<T, Failed>, Vec<u32>) {
        let mut retrier = Retrier::new(p, &"test");
        let mut seen = Vec::new();
        loop {
            let n = retrier.next_attempt();
            seen.push(n);
            if let ControlFlow::Break(r) = retrier.settle(make(n)).await {
                return (r, seen);
            }
        }
    }

    #[tokio::test]
    async fn transient_failures_use_up_the_retries() {
        let (r, seen) = exchange(policy(2, 0), |n| Attempt::<(), _>::Transient(Failed(n))).await;
        assert_eq!(r.unwrap_err().0, 3);
        assert_eq!(seen, [1, 2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn waits_spend_the_budget_not_the_retries() {
        // Three waits (each at least MIN_WAIT) fit a 3 s budget with no
        // retries left; the fourth does not.
        let wait = |n| Attempt::<u32, _>::Wait(Duration::from_millis(1), Failed(n));
        let (r, _) = exchange(policy(0, 3000), wait).await;
        assert_eq!(r.unwrap_err().0, 4);
        let (r, _) = exchange(policy(0, 3000), |n| {
            if n < 3 { wait(n) } else { Attempt::Done(n) }
        })
        .await;
        assert_eq!(r.unwrap(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_asks_for_no_wait_is_waited_for_and_counted() {
        // `Retry-After: 0` forever: each wait lasts MIN_WAIT, and the count
        // bound ends the exchange even though the time budget is large.
        let start = tokio::time::Instant::now();
        let mut p = policy(0, 3_600_000);
        p.max_waits = 5;
        let (r, seen) = exchange(p, |n| Attempt::<(), _>::Wait(Duration::ZERO, Failed(n))).await;
        assert_eq!(r.unwrap_err().0, 6);
        assert_eq!(seen.len(), 6);
        assert_eq!(start.elapsed(), MIN_WAIT * 5);
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_wait_after_a_short_one_ends_the_exchange_without_overflow() {
        // `Retry-After: 1`, then `Retry-After: 18446744073709551615`.
        let start = tokio::time::Instant::now();
        let (r, seen) = exchange(policy(0, 60_000), |n| {
            let secs = if n == 1 { 1 } else { u64::MAX };
            Attempt::<(), _>::Wait(Duration::from_secs(secs), Failed(n))
        })
        .await;
        assert_eq!(r.unwrap_err().0, 2);
        assert_eq!(seen, [1, 2]);
        assert_eq!(start.elapsed(), MIN_WAIT);
        let p = policy(0, 60_000);
        assert_eq!(p.honoured(Duration::MAX), Duration::from_secs(61));
        assert_eq!(p.honoured(Duration::ZERO), MIN_WAIT);
        let mut unbounded = p;
        unbounded.max_wait = Duration::MAX;
        assert_eq!(unbounded.honoured(Duration::MAX), Duration::MAX);
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        let of = |value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::RETRY_AFTER, header::HeaderValue::from_static(value));
            retry_after(&h)
        };
        assert_eq!(of("120"), Some(Duration::from_secs(120)));
        assert_eq!(of(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            of("18446744073709551615"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(of("18446744073709551616"), None);
        assert_eq!(of("-1"), None);
        assert_eq!(of("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[tokio::test]
    async fn a_permanent_failure_is_not_retried() {
        let (r, seen) = exchange(policy(5, 0), |n| Attempt::<(), _>::Fail(Failed(n))).await;
        assert_eq!(r.unwrap_err().0, 1);
        assert_eq!(seen, [1]);
    }
}
