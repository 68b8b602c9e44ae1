//! The polling discipline (reference §17): calls counted per minute, an
//! interval that is short while something changes and grows while nothing
//! does, and exponential backoff with jitter after throttling or an outage,
//! shown to the user rather than hidden.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::client::CallError;
use crate::model::time::Millis;
use crate::state::rng;
use crate::state::view::SourceStatus;

/// Never poll AWS itself faster than this.
pub const AWS_FLOOR: Duration = Duration::from_secs(2);
/// A custom endpoint (a local codedeck) may be polled this fast.
pub const ENDPOINT_FLOOR: Duration = Duration::from_millis(200);
/// The slowest poll while nothing changes.
pub const IDLE_CEILING: Duration = Duration::from_secs(30);
/// The longest backoff.
pub const BACKOFF_CEILING: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct Health {
    calls: VecDeque<Instant>,
    total: u64,
    by_operation: std::collections::BTreeMap<&'static str, u64>,
    /// The fastest interval (while something changes).
    base: Duration,
    /// The current interval: grows while nothing changes.
    interval: Duration,
    backoff: Option<Backoff>,
    stale_since: Option<Millis>,
    last_error: Option<String>,
}

#[derive(Debug, Clone)]
struct Backoff {
    until: Instant,
    step: Duration,
    reason: String,
}

impl Health {
    pub fn new(base: Duration) -> Health {
        Health {
            calls: VecDeque::new(),
            total: 0,
            by_operation: Default::default(),
            base,
            interval: base,
            backoff: None,
            stale_since: None,
            last_error: None,
        }
    }

    /// One call made now.
    pub fn called(&mut self, operation: &'static str) {
        self.total += 1;
        *self.by_operation.entry(operation).or_default() += 1;
        let now = Instant::now();
        self.calls.push_back(now);
        self.forget_old(now);
    }

    fn forget_old(&mut self, now: Instant) {
        while self
            .calls
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60))
        {
            self.calls.pop_front();
        }
    }

    /// Calls made since the source was created.
    pub fn total_calls(&self) -> u64 {
        self.total
    }

    /// Calls made since the source was created, by operation.
    pub fn calls_by_operation(&self) -> std::collections::BTreeMap<&'static str, u64> {
        self.by_operation.clone()
    }

    pub fn calls_per_minute(&mut self) -> usize {
        self.forget_old(Instant::now());
        self.calls.len()
    }

    /// A read went through: no backoff, fresh data; the interval shrinks to
    /// the base when something changed and grows by half when nothing did.
    pub fn succeeded(&mut self, changed: bool) {
        self.backoff = None;
        self.stale_since = None;
        self.interval = if changed {
            self.base
        } else {
            (self.interval.mul_f64(1.5)).min(IDLE_CEILING.max(self.base))
        };
    }

    /// A read failed at wall time `wall`: transient failures back off
    /// (doubling, with jitter so many watchers do not retry in step).
    pub fn failed(&mut self, err: &CallError, wall: Millis) {
        self.stale_since.get_or_insert(wall);
        self.last_error = Some(err.to_string());
        if !err.is_transient() {
            return;
        }
        let step = self
            .backoff
            .as_ref()
            .map_or(self.base.max(Duration::from_secs(1)), |b| b.step * 2)
            .min(BACKOFF_CEILING);
        // Full jitter over the upper half of the step.
        let bits = rng::mix(wall as u64 ^ self.calls.len() as u64);
        let wait = step.mul_f64(0.5 + (bits % 1000) as f64 / 2000.0);
        let reason = if err.is_throttling() {
            "throttled"
        } else {
            "unreachable"
        };
        self.backoff = Some(Backoff {
            until: Instant::now() + wait,
            step,
            reason: reason.into(),
        });
    }

    /// A problem that is not the endpoint's health (a missing permission).
    pub fn note(&mut self, err: &CallError) {
        self.last_error = Some(err.to_string());
    }

    /// How long to wait before the next read.
    pub fn next_poll(&self) -> Duration {
        match &self.backoff {
            Some(b) => b.until.saturating_duration_since(Instant::now()),
            None => self.interval,
        }
    }

    /// True while backing off (no call should be made before it ends).
    pub fn backing_off(&self) -> bool {
        self.backoff
            .as_ref()
            .is_some_and(|b| b.until > Instant::now())
    }

    pub fn status(&mut self) -> SourceStatus {
        let backoff = self.backoff.as_ref().and_then(|b| {
            let left = b.until.saturating_duration_since(Instant::now());
            (!left.is_zero()).then(|| (left.as_secs().max(1), b.reason.clone()))
        });
        SourceStatus {
            label: String::new(),
            calls_per_minute: self.calls_per_minute(),
            backoff,
            stale_since: self.stale_since,
            last_error: self.last_error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling_and_clears_on_success() {
        let mut h = Health::new(Duration::from_secs(2));
        let throttled = CallError::Throttled("Rate exceeded".into());
        h.failed(&throttled, 1_000);
        let first = h.next_poll();
        assert!(
            first >= Duration::from_secs(1) && first <= Duration::from_secs(2),
            "{first:?}"
        );
        for _ in 0..10 {
            h.failed(&throttled, 2_000);
        }
        assert!(h.next_poll() <= BACKOFF_CEILING);
        assert!(h.next_poll() >= BACKOFF_CEILING / 2);
        let s = h.status();
        assert_eq!(s.stale_since, Some(1_000), "stale since the first failure");
        assert_eq!(s.backoff.map(|b| b.1), Some("throttled".to_string()));
        h.succeeded(true);
        assert_eq!(h.next_poll(), Duration::from_secs(2));
        assert_eq!(h.status().stale_since, None);
    }

    #[test]
    fn the_interval_grows_while_nothing_changes() {
        let mut h = Health::new(Duration::from_secs(2));
        for _ in 0..20 {
            h.succeeded(false);
        }
        assert_eq!(h.next_poll(), IDLE_CEILING);
        h.succeeded(true);
        assert_eq!(h.next_poll(), Duration::from_secs(2));
    }

    #[test]
    fn a_missing_permission_does_not_back_off() {
        let mut h = Health::new(Duration::from_secs(2));
        let denied = CallError::AccessDenied {
            operation: "ListDeploymentTargets",
            message: "no".into(),
        };
        h.failed(&denied, 5);
        assert!(!h.backing_off());
        assert!(h
            .status()
            .last_error
            .is_some_and(|e| e.contains("ListDeploymentTargets")));
    }
}
