//! EC2 blue/green deployments (reference §7.2, §8.2.8, §10, §11).
//!
//! Phases (`BlueGreenRun::phase`):
//! 1. Install: every replacement (Green) instance runs ApplicationStop ..
//!    ValidateService at once. At least the config's minimum healthy hosts of
//!    the replacement fleet (and at least one) must install.
//! 2. Ready (only with `STOP_DEPLOYMENT`): deployment and installed instances
//!    `Ready` until ContinueDeployment(READY_WAIT), or `Stopped` after
//!    `waitTimeInMinutes`.
//! 3. Reroute: BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic in batches
//!    under minimum healthy hosts (§8 rules applied to the replacement fleet).
//! 4. Block: every original (Blue) instance runs BeforeBlockTraffic,
//!    BlockTraffic, AfterBlockTraffic at once; any failure fails the deployment.
//! 5. TERMINATE: `instanceTerminationWaitTimeStarted`, the deployment stays
//!    InProgress for `terminationWaitTimeInMinutes`, then the originals are
//!    terminated; KEEP_ALIVE: the originals leave the group but keep running.
//!
//! A rollback deployment swaps the roles: the originals run the three Allow
//! events (phase Reroute), then the replacements the three Block events.
//!
//! Decisions where the reference is silent (UNCONFIRMED, kept consistent here):
//! * Install runs on all replacement instances at once; only rerouting is batched.
//! * Blocking runs on all original instances at once.
//! * A host matched both as original and as replacement counts as replacement only.
//! * No original instances, or no replacement instances: the deployment fails
//!   with NO_INSTANCES. On-premises instances never take part. CreateDeployment
//!   already refuses targetInstances that find no replacement (discover.rs); the
//!   start can still find none when the world changed in between.
//! * The ready wait without `waitTimeInMinutes` (or 0) lasts the 48-hour maximum;
//!   longer values are capped at 48 hours (ECS: 120 hours,
//!   `model::rules::ready_wait_minutes`). Timing out stops the deployment with
//!   `TIMEOUT` and no rollback (nothing was rerouted), as for ECS.
//! * No `terminateBlueInstancesOnDeploymentSuccess`: TERMINATE with no wait.
//!   TERMINATE with a wait of 0 still sets `instanceTerminationWaitTimeStarted`.
//! * On success the replacement instances join the group: with
//!   COPY_AUTO_SCALING_GROUP the group's Auto Scaling group becomes the copy;
//!   with DISCOVER_EXISTING they are added to the group's selection. The
//!   originals are removed from it (terminated ones leave the world).
//! * Replacement instances are left running after a failure or a rollback.
//! * There is no 8-hour overall limit for blue/green (waits alone may last days).
//! * COPY_AUTO_SCALING_GROUP copies the source group's running instances only
//!   ("as many as it has healthy"); stopped ones are not counted.
//! * `ignoreApplicationStopFailures` does not forgive a stopped instance: it never
//!   ran ApplicationStop or BeforeBlockTraffic, and stopped instances fail (§8.2).
//! * A rollback of a deployment that ended before it resolved either fleet (no
//!   replacement found, nothing to copy) routes traffic to the group's current
//!   instances and blocks nothing: traffic never left them.
//! * Alarms are not polled while the deployment is `Ready` (nothing moves); they
//!   are checked again when ContinueDeployment resumes it.
//! * StopDeployment while `Ready` ends it at once (`Stopped`, installed instances
//!   `Failed` with their traffic events `Skipped`, as at the ready timeout: see
//!   `bg_finish`). During the termination wait it ends it `Stopped` with nothing
//!   terminated and the group unchanged; with rollback, the rollback routes
//!   traffic back to the originals.
//!
//! Files: `provision.rs` provisions and changes the world (both fleets, the
//! copied Auto Scaling group, terminations); `plan.rs` plans the targets of
//! both sides; `phases.rs` is the phase machine; `sides.rs` moves a target on
//! after an event, by its side; `rollback_swap.rs` plans and starts a rollback.

mod phases;
mod plan;
mod provision;
mod rollback_swap;
mod sides;

use super::Engine;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::*;

impl Engine {
    pub(crate) fn is_blue_green(&self, id: &str) -> bool {
        self.bg(id).is_some()
    }

    fn bg(&self, id: &str) -> Option<&BlueGreenRun> {
        self.active.get(id)?.rec.run.as_ref()?.blue_green.as_ref()
    }

    fn bg_mut(&mut self, id: &str) -> Option<&mut BlueGreenRun> {
        self.active
            .get_mut(id)?
            .rec
            .run
            .as_mut()?
            .blue_green
            .as_mut()
    }

    fn bg_config(&self, id: &str) -> Option<BlueGreenDeploymentConfiguration> {
        self.active
            .get(id)?
            .rec
            .info
            .blue_green_deployment_configuration
            .clone()
    }

    fn bg_fail(&mut self, id: &str, at: Millis, code: ErrorCode, message: String) {
        self.bg_finish(id, at, DeploymentStatus::Failed, Some((code, message)));
    }

    /// Ends the deployment. Replacement instances still `Ready` (installed,
    /// waiting for traffic) end `Failed`: AWS documents only the deployment's
    /// `Stopped` for a ready wait that runs out (and for a stop), and its
    /// InstanceStatus values leave three choices. `Skipped` says the deployment
    /// never attempted the instance, and `Succeeded` that its deployment
    /// succeeded, yet it never took traffic; `Failed` is what codedeck reports
    /// for every instance a stop cuts short (in place, and the ECS replacement
    /// at its ready timeout). Their install events stay `Succeeded` and the
    /// traffic events become `Skipped`, which is what happened to them.
    fn bg_finish(
        &mut self,
        id: &str,
        at: Millis,
        status: DeploymentStatus,
        error: Option<(ErrorCode, String)>,
    ) {
        let mut cut_short = Vec::new();
        if let Some(a) = self.active.get_mut(id) {
            for t in a.targets.iter_mut() {
                if t.status() == TargetStatus::Ready {
                    t.set_status(TargetStatus::Failed, at);
                    t.skip_unfinished_events();
                    cut_short.push((t.index, t.run.host.clone()));
                }
            }
        }
        for (index, host) in cut_short {
            self.touch_target(id, index);
            self.note_allow_health(id, &host, false);
            self.log(
                at,
                Some(id),
                Some(&host),
                EventKind::Target,
                format!("{host}: installed, but the deployment ended before it took traffic"),
            );
            self.trigger_instance(at, id, index, TriggerEventType::InstanceFailure);
        }
        self.refresh_overview(id);
        self.finish(id, at, status, error);
    }
}
