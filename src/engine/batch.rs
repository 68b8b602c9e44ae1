//! The one batching verdict under minimum healthy hosts (reference §8.2):
//! for an in-place deployment over its instances, and for a blue/green
//! deployment over its replacement instances as they install and as traffic
//! is rerouted to them batch by batch (rule 8).

use super::outcomes;
use crate::model::ErrorCode;

/// Which fleet a batch runs over; they differ in one case only, a batch in
/// which nothing succeeded and nothing failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// The deployment's instances, in place. Rule 4 asks for at least one
    /// success, but with `updateOutdatedInstancesOnly` every instance may be
    /// up to date and skipped (§8.3): nothing needed doing, and nothing
    /// failed, so the deployment succeeds.
    InPlace,
    /// A blue/green deployment's replacement instances. None is ever skipped
    /// as up to date, and rerouting "succeeds if at least one is rerouted"
    /// (rule 8): no success is always a failure.
    Replacement,
}

/// Where a batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Batch {
    pub succeeded: i64,
    pub failed: i64,
    /// Started and not finished yet.
    pub in_flight: i64,
    /// Some instances have not been started yet.
    pub waiting: bool,
    pub min_healthy: i64,
    pub max_down: i64,
}

/// What a batch comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Too many failed (rule 3) or too few succeeded (rule 4).
    Failed(ErrorCode, String),
    /// Every instance is done and enough succeeded (rule 4).
    Succeeded,
    /// Still going; `room` when one more instance may start without the
    /// failed and in-flight ones exceeding the maximum down (rule 2).
    Going { room: bool },
}

/// Whether enough of a finished batch succeeded (rule 4; see [`Kind`]).
pub(super) fn enough(kind: Kind, succeeded: i64, failed: i64, min_healthy: i64) -> bool {
    let none_needed = kind == Kind::InPlace && failed == 0;
    succeeded >= min_healthy && (succeeded >= 1 || none_needed)
}

/// The verdict on a batch (rules 2-4).
pub(super) fn verdict(kind: Kind, b: &Batch) -> Verdict {
    if b.in_flight > 0 {
        let room = b.waiting && b.in_flight + b.failed < b.max_down;
        return Verdict::Going { room };
    }
    if b.waiting {
        // Nothing in flight: another may start unless too many have failed.
        if b.failed >= b.max_down {
            return failed();
        }
        return Verdict::Going { room: true };
    }
    if enough(kind, b.succeeded, b.failed, b.min_healthy) {
        Verdict::Succeeded
    } else {
        failed()
    }
}

/// HEALTH_CONSTRAINTS with the user guide's message.
fn failed() -> Verdict {
    let (code, message) = outcomes::health_constraints();
    Verdict::Failed(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch of instances, nothing left to start or in flight unless said.
    fn done(succeeded: i64, failed: i64, min_healthy: i64) -> Batch {
        Batch {
            succeeded,
            failed,
            in_flight: 0,
            waiting: false,
            min_healthy,
            max_down: 1,
        }
    }

    fn health_constraints() -> Verdict {
        let (code, message) = outcomes::health_constraints();
        Verdict::Failed(code, message)
    }

    #[test]
    fn zero_successes_fail_unless_an_in_place_batch_had_nothing_to_do() {
        // Every instance up to date and skipped: nothing failed, nothing needed doing.
        assert_eq!(verdict(Kind::InPlace, &done(0, 0, 0)), Verdict::Succeeded);
        assert_eq!(verdict(Kind::InPlace, &done(0, 1, 0)), health_constraints());
        // Rerouting must reroute at least one, failures or not (§8.2 rule 8).
        assert_eq!(
            verdict(Kind::Replacement, &done(0, 0, 0)),
            health_constraints()
        );
        assert_eq!(
            verdict(Kind::Replacement, &done(0, 1, 0)),
            health_constraints()
        );
    }

    #[test]
    fn a_finished_batch_needs_the_minimum_and_one_success() {
        for kind in [Kind::InPlace, Kind::Replacement] {
            assert_eq!(verdict(kind, &done(1, 5, 0)), Verdict::Succeeded);
            assert_eq!(verdict(kind, &done(3, 1, 3)), Verdict::Succeeded);
            assert_eq!(verdict(kind, &done(2, 1, 3)), health_constraints());
            assert!(enough(kind, 1, 0, 1) && !enough(kind, 0, 0, 1));
        }
    }

    #[test]
    fn too_many_failures_end_the_batch_once_nothing_is_in_flight() {
        for kind in [Kind::InPlace, Kind::Replacement] {
            let waiting = |failed, in_flight| Batch {
                succeeded: 1,
                failed,
                in_flight,
                waiting: true,
                min_healthy: 2,
                max_down: 2,
            };
            // Failures reach the maximum down: fail, but only once nothing runs.
            assert_eq!(verdict(kind, &waiting(2, 0)), health_constraints());
            assert_eq!(
                verdict(kind, &waiting(2, 1)),
                Verdict::Going { room: false }
            );
            // Room while failed and in flight stay under the maximum down.
            assert_eq!(verdict(kind, &waiting(1, 0)), Verdict::Going { room: true });
            assert_eq!(verdict(kind, &waiting(0, 1)), Verdict::Going { room: true });
            assert_eq!(
                verdict(kind, &waiting(1, 1)),
                Verdict::Going { room: false }
            );
            // Nothing left to start: wait for those in flight.
            let last = Batch {
                waiting: false,
                ..waiting(0, 1)
            };
            assert_eq!(verdict(kind, &last), Verdict::Going { room: false });
        }
    }
}
