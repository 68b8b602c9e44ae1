//! The ECS waits: Ready until ContinueDeployment, and the termination wait
//! before the original task set goes.

use super::*;
use crate::model::rules;

fn event_index_of(engine: &Engine, id: &str, name: LifecycleEventName) -> Option<u32> {
    engine.active.get(id)?.targets.first()?.event_index(name)
}

impl Engine {
    pub(super) fn blue_green_config(&self, id: &str) -> Option<BlueGreenDeploymentConfiguration> {
        self.active
            .get(id)?
            .rec
            .info
            .blue_green_deployment_configuration
            .clone()
    }

    pub(super) fn ready_wait_wanted(&self, id: &str) -> bool {
        rules::waits_ready(self.blue_green_config(id).as_ref())
    }

    /// STOP_DEPLOYMENT: the replacement is installed; wait for ContinueDeployment.
    pub(super) fn begin_ready_wait(&mut self, id: &str, at: Millis) {
        let minutes =
            rules::ready_wait_minutes(self.blue_green_config(id).as_ref(), &ComputePlatform::Ecs);
        let until = Some(rules::wait_ends(at, minutes));
        if let Some(s) = self.shift_mut(id) {
            s.wait = Some(ShiftWait::Ready);
            s.wait_until = until;
        }
        self.set_shift_status(id, DeploymentStatus::Ready, TargetStatus::Ready, at);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id} is Ready: waiting for ContinueDeployment (READY_WAIT)"),
        );
        self.trigger_deployment(at, id, TriggerEventType::DeploymentReady);
        self.wake_at(id, until);
    }

    /// ContinueDeployment for a Lambda or ECS deployment.
    pub(crate) fn continue_shift(
        &mut self,
        id: &str,
        wait: DeploymentWaitType,
        at: Millis,
    ) -> Result<(), String> {
        let current = self.shift(id).and_then(|s| s.wait);
        match (wait, current) {
            (DeploymentWaitType::ReadyWait, Some(ShiftWait::Ready)) => {
                let Some(next) = event_index_of(self, id, LifecycleEventName::BeforeAllowTraffic)
                else {
                    return Err(format!("Deployment {id} has no BeforeAllowTraffic event."));
                };
                self.end_wait(id);
                self.set_shift_status(
                    id,
                    DeploymentStatus::InProgress,
                    TargetStatus::InProgress,
                    at,
                );
                self.log(
                    at,
                    Some(id),
                    None,
                    EventKind::Deployment,
                    format!("{id} continues: rerouting production traffic"),
                );
                self.run_shift_event(id, next, at);
                Ok(())
            }
            (DeploymentWaitType::TerminationWait, Some(ShiftWait::Termination)) => {
                self.end_wait(id);
                self.terminate_original(id, at);
                Ok(())
            }
            (DeploymentWaitType::ReadyWait, _) => Err(format!(
                "Deployment {id} is not waiting Ready for ContinueDeployment."
            )),
            _ => Err(format!("Deployment {id} is not in its termination wait.")),
        }
    }

    pub(super) fn end_wait(&mut self, id: &str) {
        if let Some(s) = self.shift_mut(id) {
            s.wait = None;
            s.wait_until = None;
        }
        self.wake_at(id, None);
    }

    /// Every event succeeded: Lambda is done; ECS waits, then removes the
    /// original (a rollback has no replacement, so nothing to remove).
    pub(super) fn shift_events_done(&mut self, id: &str, at: Millis) {
        if !self.is_ecs(id) || !self.has_replacement(id) {
            return self.succeed_shift(id, at);
        }
        let minutes = rules::termination_wait_minutes(self.blue_green_config(id).as_ref());
        if minutes == 0 {
            return self.terminate_original(id, at);
        }
        let until = rules::wait_ends(at, minutes);
        if let Some(s) = self.shift_mut(id) {
            s.wait = Some(ShiftWait::Termination);
            s.wait_until = Some(until);
        }
        if let Some(a) = self.active.get_mut(id) {
            a.rec.info.instance_termination_wait_time_started = Some(true);
        }
        // The original keeps running, without traffic (ACTIVE), until then.
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!(
                "{id}: traffic shifted; the original task set is removed in {minutes} minute(s)"
            ),
        );
        self.wake_at(id, Some(until));
    }

    /// ECS: the original task set is deleted (DRAINING in the target); the
    /// replacement, PRIMARY since it took all traffic, is the service's only one.
    pub(super) fn terminate_original(&mut self, id: &str, at: Millis) {
        let Some(key) = self.service_key(id) else {
            return;
        };
        if let Some(svc) = self.services.get_mut(&key) {
            svc.task_sets
                .retain(|t| t.info.task_set_label == Some(TargetLabel::Green));
        }
        self.mirror_task_sets(id, at);
        self.succeed_shift(id, at);
    }

    /// No ContinueDeployment within waitTimeInMinutes: the deployment stops.
    pub(super) fn stop_ready_timeout(&mut self, id: &str, at: Millis) {
        let stop = StopRequest {
            code: ErrorCode::Timeout,
            message: "The deployment was stopped because ContinueDeployment was not called within the ready wait time.".into(),
            rollback: false,
        };
        self.stop_shift(id, at, stop);
    }
}

impl Engine {
    /// The deployment waits Ready (or goes on InProgress), its one target with it.
    fn set_shift_status(
        &mut self,
        id: &str,
        deployment: DeploymentStatus,
        target: TargetStatus,
        at: Millis,
    ) {
        if let Some(a) = self.active.get_mut(id) {
            a.rec.info.status = Some(deployment);
            if let Some(t) = a.targets.get_mut(0) {
                t.set_status(target, at);
            }
        }
        self.refresh_overview(id);
    }
}
