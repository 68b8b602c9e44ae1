//! Faults the API can inject, for anyone testing a client against a flaky
//! or locked-down CodeDeploy (`codedeck serve --throttle 0.3 --drop 0.1
//! --deny ListDeploymentTargets`): a share of requests answered
//! `ThrottlingException`, a share whose connection is cut in the middle of
//! the reply, and operations refused with `AccessDeniedException` as IAM
//! would. Shares are decided by a hashed counter, so a run is repeatable.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::state::rng;

#[derive(Debug, Default)]
pub struct Faults {
    /// Share of requests answered `ThrottlingException` (0.0..=1.0).
    pub throttle: f64,
    /// Share of requests whose connection is dropped mid-reply (0.0..=1.0).
    pub drop: f64,
    /// Operations answered `AccessDeniedException`.
    pub deny: Vec<String>,
    count: AtomicU64,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    Throttle,
    Drop,
    Deny,
}

impl Faults {
    pub fn new(throttle: f64, drop: f64, deny: Vec<String>) -> Faults {
        Faults {
            throttle: throttle.clamp(0.0, 1.0),
            drop: drop.clamp(0.0, 1.0),
            deny,
            count: AtomicU64::new(0),
        }
    }

    pub fn is_off(&self) -> bool {
        self.throttle <= 0.0 && self.drop <= 0.0 && self.deny.is_empty()
    }

    /// The fault for the next request, an `operation`.
    pub fn next(&self, operation: &str) -> Fault {
        if self.is_off() {
            return Fault::None;
        }
        if self.deny.iter().any(|d| d == operation) {
            return Fault::Deny;
        }
        let n = self.count.fetch_add(1, Ordering::Relaxed);
        let roll = (rng::mix(n ^ 0xfa_u64.rotate_left(40)) % 10_000) as f64 / 10_000.0;
        if roll < self.throttle {
            Fault::Throttle
        } else if roll < self.throttle + self.drop {
            Fault::Drop
        } else {
            Fault::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_close_to_the_rates() {
        let f = Faults::new(0.3, 0.1, vec!["ListDeploymentTargets".into()]);
        let mut throttled = 0;
        let mut dropped = 0;
        for _ in 0..10_000 {
            match f.next("GetDeployment") {
                Fault::Throttle => throttled += 1,
                Fault::Drop => dropped += 1,
                Fault::None | Fault::Deny => {}
            }
        }
        assert!((2_700..3_300).contains(&throttled), "{throttled}");
        assert!((700..1_300).contains(&dropped), "{dropped}");
        assert_eq!(f.next("ListDeploymentTargets"), Fault::Deny);
        assert_eq!(Faults::default().next("GetDeployment"), Fault::None);
    }
}
