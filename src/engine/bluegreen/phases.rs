//! The blue/green phase machine: Install, Ready, Reroute, Block, then the
//! termination wait or KEEP_ALIVE (the phases are listed in `mod.rs`).

use crate::engine::batch::{self, Batch, Verdict};
use crate::engine::outcomes;
use crate::engine::{Engine, DEPLOYMENT_TIMER};
use crate::model::lifecycle_event::LifecycleEventName;
use crate::model::rules;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::error::{err, ApiResult};
use crate::state::*;

/// What the blue/green scheduler reads of a deployment at one moment.
struct BgProgress {
    phase: BlueGreenPhase,
    stop: Option<StopRequest>,
    min_healthy: i64,
    max_down: i64,
    /// Targets still waiting to take traffic.
    waiting: bool,
    /// Targets running an event, on either side.
    busy: i64,
    /// Targets taking traffic running an event.
    allow_running: i64,
    /// Targets taking traffic that are installed (InProgress between events),
    /// failed, succeeded.
    installed: i64,
    allow_failed: i64,
    allow_succeeded: i64,
    /// Targets blocked that failed.
    block_failed: i64,
}

impl Engine {
    /// Moves the deployment on as far as it can: the blue/green counterpart of
    /// the in-place scheduler.
    pub(crate) fn pump_blue_green(&mut self, id: &str, at: Millis) {
        loop {
            let Some(p) = self.bg_progress(id) else {
                return;
            };
            if let Some(stop) = p.stop {
                if p.busy == 0 {
                    self.bg_finish(
                        id,
                        at,
                        DeploymentStatus::Stopped,
                        Some((stop.code, stop.message)),
                    );
                }
                return;
            }
            let more = match p.phase {
                BlueGreenPhase::Planned
                | BlueGreenPhase::Ready
                | BlueGreenPhase::TerminationWait => false,
                BlueGreenPhase::Install => self.pump_install(id, &p, at),
                BlueGreenPhase::Reroute => self.pump_reroute(id, &p, at),
                BlueGreenPhase::Block => {
                    self.pump_block(id, &p, at);
                    false
                }
            };
            if !more {
                return;
            }
        }
    }

    /// Where a blue/green deployment stands now; `None` once it has finished.
    fn bg_progress(&self, id: &str) -> Option<BgProgress> {
        let active = self.active.get(id)?;
        let run = active.rec.run.as_ref()?;
        let bg = run.blue_green.as_ref()?;
        let targets = &active.targets;
        let get = |i: &u32| targets.get(*i as usize);
        let running = |list: &[u32]| {
            list.iter()
                .filter_map(get)
                .filter(|t| t.run.due.is_some())
                .count() as i64
        };
        let count = |list: &[u32], s: TargetStatus| {
            list.iter()
                .filter_map(get)
                .filter(|t| t.status() == s)
                .count() as i64
        };
        Some(BgProgress {
            phase: bg.phase,
            stop: run.stop.clone(),
            min_healthy: run.min_healthy,
            max_down: run.max_down,
            waiting: !run.pending.is_empty(),
            busy: running(&bg.allow) + running(&bg.block),
            allow_running: running(&bg.allow),
            installed: count(&bg.allow, TargetStatus::InProgress),
            allow_failed: count(&bg.allow, TargetStatus::Failed),
            allow_succeeded: count(&bg.allow, TargetStatus::Succeeded),
            block_failed: count(&bg.block, TargetStatus::Failed),
        })
    }

    /// Install: once every replacement has finished installing, enough must
    /// have; then wait Ready or reroute. True to go on pumping.
    fn pump_install(&mut self, id: &str, p: &BgProgress, at: Millis) -> bool {
        if p.busy > 0 {
            return false;
        }
        let installed_enough = batch::enough(
            batch::Kind::Replacement,
            p.installed,
            p.allow_failed,
            p.min_healthy,
        );
        if !installed_enough {
            let (code, message) = outcomes::health_constraints();
            self.bg_fail(id, at, code, message);
            return false;
        }
        if self.bg_ready_wait_wanted(id) {
            self.begin_blue_green_ready(id, at);
            return false;
        }
        self.begin_reroute(id, at);
        true
    }

    /// Reroute: the next batch under minimum healthy hosts, and when all have
    /// taken traffic, on to blocking. True to go on pumping.
    fn pump_reroute(&mut self, id: &str, p: &BgProgress, at: Millis) -> bool {
        let reroute = Batch {
            succeeded: p.allow_succeeded,
            failed: p.allow_failed,
            in_flight: p.allow_running,
            waiting: p.waiting,
            min_healthy: p.min_healthy,
            max_down: p.max_down,
        };
        match batch::verdict(batch::Kind::Replacement, &reroute) {
            Verdict::Failed(code, message) => {
                self.bg_fail(id, at, code, message);
                false
            }
            Verdict::Succeeded => {
                self.begin_block(id, at);
                true
            }
            Verdict::Going { room: false } => false,
            Verdict::Going { room: true } => {
                let index = self
                    .active
                    .get_mut(id)
                    .and_then(|a| a.rec.run.as_mut())
                    .map(|r| r.pending.remove(0));
                if let Some(index) = index {
                    self.start_allow(id, index, at);
                }
                true
            }
        }
    }

    /// Block: once every original has finished, any failure fails the deployment.
    fn pump_block(&mut self, id: &str, p: &BgProgress, at: Millis) {
        if p.busy > 0 {
            return;
        }
        let failed = p.block_failed;
        if failed > 0 {
            return self.bg_fail(id, at, ErrorCode::HealthConstraints, format!("The deployment failed because {failed} original instance(s) failed to block traffic (deregister from the load balancer)."));
        }
        self.after_block(id, at)
    }

    fn set_phase(&mut self, id: &str, phase: BlueGreenPhase) {
        if let Some(b) = self.bg_mut(id) {
            b.phase = phase;
        }
        self.touch(id);
    }

    fn bg_ready_wait_wanted(&self, id: &str) -> bool {
        rules::waits_ready(self.bg_config(id).as_ref())
    }

    /// Sets (or clears) the deployment's own wake-up.
    fn wake_deployment_at(&mut self, id: &str, due: Option<Millis>) {
        let Some(a) = self.active.get_mut(id) else {
            return;
        };
        let seq = a.rec.seq;
        if let Some(run) = a.rec.run.as_mut() {
            run.deadline = due;
        }
        self.touch(id);
        if let Some(due) = due {
            self.schedule(due, seq, DEPLOYMENT_TIMER);
        }
    }

    /// STOP_DEPLOYMENT: installed replacement instances wait `Ready`.
    fn begin_blue_green_ready(&mut self, id: &str, at: Millis) {
        let minutes =
            rules::ready_wait_minutes(self.bg_config(id).as_ref(), &ComputePlatform::Server);
        let until = rules::wait_ends(at, minutes);
        let allow = self.bg(id).map(|b| b.allow.clone()).unwrap_or_default();
        let mut ready = Vec::new();
        if let Some(a) = self.active.get_mut(id) {
            a.rec.info.status = Some(DeploymentStatus::Ready);
            for i in &allow {
                if let Some(t) = a.targets.get_mut(*i as usize) {
                    if t.status() == TargetStatus::InProgress {
                        t.set_status(TargetStatus::Ready, at);
                        ready.push(*i);
                    }
                }
            }
        }
        for i in &ready {
            self.touch_target(id, *i);
        }
        self.set_phase(id, BlueGreenPhase::Ready);
        self.refresh_overview(id);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id} is Ready: {} replacement instance(s) installed; waiting up to {minutes} minute(s) for ContinueDeployment (READY_WAIT)", ready.len()),
        );
        self.trigger_deployment(at, id, TriggerEventType::DeploymentReady);
        for i in ready {
            self.trigger_instance(at, id, i, TriggerEventType::InstanceReady);
        }
        self.wake_deployment_at(id, Some(until));
    }

    /// Traffic moves to the installed replacement instances, in batches.
    pub(super) fn begin_reroute(&mut self, id: &str, at: Millis) {
        let allow = self.bg(id).map(|b| b.allow.clone()).unwrap_or_default();
        let pending: Vec<u32> = self
            .active
            .get(id)
            .map(|a| {
                allow
                    .iter()
                    .copied()
                    .filter(|i| {
                        a.targets.get(*i as usize).is_some_and(|t| {
                            matches!(
                                t.status(),
                                TargetStatus::Pending
                                    | TargetStatus::InProgress
                                    | TargetStatus::Ready
                            )
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        if let Some(run) = self.active.get_mut(id).and_then(|a| a.rec.run.as_mut()) {
            run.pending = pending;
        }
        self.set_phase(id, BlueGreenPhase::Reroute);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id}: rerouting traffic"),
        );
        self.check_alarms(id, at);
    }

    /// Runs the Allow events on one target (after its install, or from the start).
    fn start_allow(&mut self, id: &str, index: u32, at: Millis) {
        let Some(t) = self
            .active
            .get(id)
            .and_then(|a| a.targets.get(index as usize))
        else {
            return;
        };
        if t.status() == TargetStatus::Pending {
            return self.start_target(id, index, at);
        }
        let event = t
            .event_index(LifecycleEventName::BeforeAllowTraffic)
            .unwrap_or(0);
        if let Some(t) = self
            .active
            .get_mut(id)
            .and_then(|a| a.targets.get_mut(index as usize))
        {
            t.set_status(TargetStatus::InProgress, at);
        }
        self.refresh_overview(id);
        self.begin_event(id, index, event, at);
    }

    /// Every original (or, in a rollback, replacement) instance blocks traffic.
    fn begin_block(&mut self, id: &str, at: Millis) {
        self.set_phase(id, BlueGreenPhase::Block);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id}: traffic rerouted; blocking traffic to the other instances"),
        );
        if self.check_alarms(id, at) {
            return;
        }
        let block = self.bg(id).map(|b| b.block.clone()).unwrap_or_default();
        for index in block {
            self.start_target(id, index, at);
        }
    }

    /// Traffic is on the new side: termination wait, KEEP_ALIVE, or done.
    fn after_block(&mut self, id: &str, at: Millis) {
        if self.bg(id).is_some_and(|b| b.rollback_of.is_some()) {
            return self.bg_finish(id, at, DeploymentStatus::Succeeded, None);
        }
        let option = self
            .bg_config(id)
            .and_then(|b| b.terminate_blue_instances_on_deployment_success);
        let action = option
            .as_ref()
            .and_then(|o| o.action.clone())
            .unwrap_or(InstanceAction::Terminate);
        if action == InstanceAction::KeepAlive {
            self.log(
                at,
                Some(id),
                None,
                EventKind::Deployment,
                format!("{id}: original instances deregistered and kept running (KEEP_ALIVE)"),
            );
            return self.succeed_blue_green(id, at, false);
        }
        let minutes = rules::termination_wait_minutes(self.bg_config(id).as_ref());
        if let Some(a) = self.active.get_mut(id) {
            a.rec.info.instance_termination_wait_time_started = Some(true);
        }
        self.touch(id);
        if minutes == 0 {
            return self.succeed_blue_green(id, at, true);
        }
        self.set_phase(id, BlueGreenPhase::TerminationWait);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id}: traffic rerouted; the original instances are terminated in {minutes} minute(s)"),
        );
        self.wake_deployment_at(id, Some(rules::wait_ends(at, minutes)));
    }

    /// Success: the replacement becomes the group's fleet; the originals leave
    /// it, terminated or kept alive.
    fn succeed_blue_green(&mut self, id: &str, at: Millis, terminate: bool) {
        let Some(a) = self.active.get(id) else {
            return;
        };
        let group_id = a.rec.group_id.clone();
        let Some(bg) = a.rec.run.as_ref().and_then(|r| r.blue_green.clone()) else {
            return;
        };
        let host_of = |i: &u32| a.targets.get(*i as usize).map(|t| t.run.host.clone());
        let originals: Vec<String> = bg.block.iter().filter_map(host_of).collect();
        let replacements: Vec<String> = bg
            .allow
            .iter()
            .filter(|i| {
                a.targets
                    .get(**i as usize)
                    .is_some_and(|t| t.status() == TargetStatus::Succeeded)
            })
            .filter_map(host_of)
            .collect();
        self.wake_deployment_at(id, None);
        for host in &originals {
            self.set_membership(host, &group_id, false);
            if terminate {
                self.terminate_host(id, host, at);
            }
        }
        match &bg.copied_asg {
            Some((source, copy)) => {
                if let Some(g) = self.groups.get_mut(&group_id) {
                    for asg in g.info.auto_scaling_groups.iter_mut().flatten() {
                        if asg.name.as_deref() == Some(source.as_str()) {
                            asg.name = Some(copy.clone());
                        }
                    }
                    self.dirty.groups.insert(group_id.clone());
                }
            }
            None => {
                for host in &replacements {
                    self.set_membership(host, &group_id, true);
                }
            }
        }
        self.bg_finish(id, at, DeploymentStatus::Succeeded, None);
    }

    /// The deployment's own timer: the ready wait ran out, or the termination wait ended.
    pub(crate) fn fire_blue_green_wait(&mut self, id: &str, at: Millis) {
        match self.bg(id).map(|b| b.phase) {
            Some(BlueGreenPhase::Ready) => {
                self.wake_deployment_at(id, None);
                self.log(
                    at,
                    Some(id),
                    None,
                    EventKind::Deployment,
                    format!("{id}: no ContinueDeployment within the ready wait time"),
                );
                if let Some(run) = self.active.get_mut(id).and_then(|a| a.rec.run.as_mut()) {
                    run.stop = Some(StopRequest {
                        code: ErrorCode::Timeout,
                        message: "The deployment was stopped because ContinueDeployment was not called within the ready wait time.".into(),
                        rollback: false,
                    });
                }
                self.pump_blue_green(id, at);
            }
            Some(BlueGreenPhase::TerminationWait) => self.succeed_blue_green(id, at, true),
            _ => {}
        }
    }

    /// ContinueDeployment (and SkipWaitTimeForInstanceTermination) for
    /// deployments that wait. Anything not waiting for `wait` answers
    /// DeploymentIsNotInReadyStateException.
    pub(crate) fn continue_waiting(
        &mut self,
        id: &str,
        wait: DeploymentWaitType,
        at: Millis,
    ) -> ApiResult<()> {
        let phase = self.bg(id).map(|b| b.phase);
        match (&wait, phase) {
            (DeploymentWaitType::ReadyWait, Some(BlueGreenPhase::Ready)) => {
                self.wake_deployment_at(id, None);
                let mut resumed = Vec::new();
                if let Some(a) = self.active.get_mut(id) {
                    a.rec.info.status = Some(DeploymentStatus::InProgress);
                    for t in a.targets.iter_mut() {
                        if t.status() == TargetStatus::Ready {
                            t.set_status(TargetStatus::InProgress, at);
                            resumed.push(t.index);
                        }
                    }
                }
                for i in resumed {
                    self.touch_target(id, i);
                }
                self.refresh_overview(id);
                self.log(
                    at,
                    Some(id),
                    None,
                    EventKind::Deployment,
                    format!("{id} continues (READY_WAIT)"),
                );
                self.begin_reroute(id, at);
                self.pump_blue_green(id, at);
                Ok(())
            }
            (DeploymentWaitType::TerminationWait, Some(BlueGreenPhase::TerminationWait)) => {
                self.log(
                    at,
                    Some(id),
                    None,
                    EventKind::Deployment,
                    format!("{id}: termination wait ended early"),
                );
                self.succeed_blue_green(id, at, true);
                Ok(())
            }
            (DeploymentWaitType::TerminationWait, _) => err(
                Exception::DeploymentIsNotInReadyState,
                format!("Deployment {id} is not waiting to terminate its original instances."),
            ),
            _ => err(
                Exception::DeploymentIsNotInReadyState,
                format!("Deployment {id} is not in the Ready state: it is not waiting for ContinueDeployment (READY_WAIT)."),
            ),
        }
    }
}
