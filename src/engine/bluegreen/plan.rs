//! Starting a blue/green deployment: both fleets resolved, the targets of the
//! side that takes traffic and of the side blocked, the health limits.

use std::collections::BTreeMap;

use super::provision::check_fleets;
use crate::engine::configs;
use crate::engine::lifecycle;
use crate::engine::outcomes;
use crate::engine::selection::Candidate;
use crate::engine::Engine;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::*;

/// One side's hosts, the events they run and their label.
pub(super) struct Hosts<'a> {
    hosts: &'a [String],
    events: &'static [crate::model::lifecycle_event::LifecycleEventName],
    label: TargetLabel,
}

impl<'a> Hosts<'a> {
    pub(super) fn new(
        hosts: &'a [String],
        events: &'static [crate::model::lifecycle_event::LifecycleEventName],
        label: TargetLabel,
    ) -> Self {
        Hosts {
            hosts,
            events,
            label,
        }
    }
}

impl Engine {
    /// Starts an EC2 blue/green deployment: resolves both fleets (launching the
    /// copy of the Auto Scaling group if asked), then installs on the replacement.
    pub(crate) fn start_blue_green(&mut self, id: &str, group: &GroupRecord, at: Millis) {
        let Some(active) = self.active.get(id) else {
            return;
        };
        let info = active.rec.info.clone();
        let roles = active
            .rec
            .run
            .as_ref()
            .and_then(|r| r.blue_green.as_ref())
            .and_then(|b| b.rollback_of.clone());
        if let Some(roles) = roles {
            return self.start_blue_green_rollback(id, group, roles, at);
        }
        let blue: Vec<Candidate> = self
            .group_candidates(group)
            .into_iter()
            .filter(|c| !c.on_premises)
            .collect();
        let (green, copied) = match self.green_fleet(id, group, &info, at) {
            Ok(fleet) => fleet,
            Err((code, message)) => return self.bg_fail(id, at, code, message),
        };
        let blue = match check_fleets(blue, &green) {
            Ok(blue) => blue,
            Err((code, message)) => return self.bg_fail(id, at, code, message),
        };
        let green_n = green.len();
        let ok = self.plan_sides(
            id,
            Hosts::new(
                &green,
                &lifecycle::SERVER_BLUE_GREEN_GREEN,
                TargetLabel::Green,
            ),
            Hosts::new(&blue, &lifecycle::SERVER_BLUE_GREEN_BLUE, TargetLabel::Blue),
            BlueGreenRun {
                phase: BlueGreenPhase::Install,
                copied_asg: copied,
                ..Default::default()
            },
            at,
        );
        if !ok {
            return;
        }
        for index in 0..green_n as u32 {
            self.start_target(id, index, at);
        }
        self.pump_blue_green(id, at);
    }

    /// Plans the deployment's targets: the side taking traffic first, then the
    /// side blocked. False when planning failed the deployment.
    pub(super) fn plan_sides(
        &mut self,
        id: &str,
        allow: Hosts,
        block: Hosts,
        mut run: BlueGreenRun,
        at: Millis,
    ) -> bool {
        let n = allow.hosts.len() as u32;
        let targets: Vec<TargetRecord> = [&allow, &block]
            .into_iter()
            .flat_map(|side| side.hosts.iter().map(move |h| (h, side)))
            .enumerate()
            .map(|(i, (h, side))| {
                self.labelled_target(id, i as u32, h, side.events, side.label.clone(), at)
            })
            .collect();
        run.allow = (0..n).collect();
        run.block = (n..targets.len() as u32).collect();
        self.install_plan(id, targets, run, at)
    }

    fn labelled_target(
        &self,
        id: &str,
        index: u32,
        host: &str,
        events: &[crate::model::lifecycle_event::LifecycleEventName],
        label: TargetLabel,
        at: Millis,
    ) -> TargetRecord {
        let c = Candidate {
            id: host.to_string(),
            on_premises: false,
            tags: BTreeMap::new(),
        };
        let mut t = self.new_target(id, index, &c, events, false, at);
        if let Some(i) = t.target.instance_target.as_mut() {
            i.instance_label = Some(label);
        }
        t
    }

    /// Stores the targets and the plan, checks the health limits of the side that
    /// takes traffic, and the alarms. False when the deployment already ended.
    fn install_plan(
        &mut self,
        id: &str,
        targets: Vec<TargetRecord>,
        plan: BlueGreenRun,
        at: Millis,
    ) -> bool {
        let Some(active) = self.active.get(id) else {
            return false;
        };
        let config = self.config_info(
            active
                .rec
                .info
                .deployment_config_name
                .as_deref()
                .unwrap_or(configs::DEFAULT_SERVER_CONFIG),
        );
        let n = plan.allow.len() as i64;
        let (min_healthy, max_down) = configs::health_limits(
            config
                .as_ref()
                .and_then(|c| c.minimum_healthy_hosts.as_ref()),
            n,
        );
        let (greens, blues) = (plan.allow.len(), plan.block.len());
        if let Some(a) = self.active.get_mut(id) {
            for t in &targets {
                self.dirty.targets.insert((id.to_string(), t.index));
            }
            a.targets = targets;
            if let Some(run) = a.rec.run.as_mut() {
                run.min_healthy = min_healthy;
                run.max_down = max_down;
                run.pending = vec![];
                run.deadline = None;
                run.blue_green = Some(plan);
            }
        }
        self.refresh_overview(id);
        self.log(
            at,
            Some(id),
            None,
            EventKind::Deployment,
            format!("{id}: {greens} instance(s) to take traffic, {blues} to block; minimum healthy {min_healthy}, at most {max_down} rerouted at once"),
        );
        if max_down <= 0 {
            // reference §8.2 rules 1 and 8: the user guide's wording (outcomes.rs).
            let (code, message) = outcomes::health_constraints_invalid();
            self.bg_fail(id, at, code, message);
            return false;
        }
        !self.check_alarms(id, at)
    }
}
