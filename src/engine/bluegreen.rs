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
//!   `lifecycle::ready_wait_minutes`). Timing out stops the deployment with
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

use std::collections::{BTreeMap, BTreeSet};

use super::batch::{self, Batch, Verdict};
use super::configs;
use super::deployment::revision_key;
use super::host_events::{AfterEvent, EventEnd};
use super::lifecycle;
use super::outcomes;
use super::selection::{self, Candidate};
use super::world;
use super::{Engine, DEPLOYMENT_TIMER};
use crate::model::ids;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::error::{err, ApiResult};
use crate::state::fleet::Host;
use crate::state::*;

use crate::model::time::MINUTE;

/// A healthy member of an Auto Scaling group: running, not stopped. Copies of a
/// group count only these (reference §10).
fn running(h: &Host) -> bool {
    h.behaviour.state.as_deref() != Some("stopped")
}

/// A failure for want of instances.
fn no_instances(what: &str) -> (ErrorCode, String) {
    (ErrorCode::NoInstances, what.to_string())
}

/// The replacement instances and the Auto Scaling group copied for them.
type GreenFleet = (Vec<String>, Option<(String, String)>);

/// Checks both fleets and returns the originals: the group's instances that
/// are not replacements.
fn check_fleets(
    blue: Vec<Candidate>,
    green: &[String],
) -> Result<Vec<String>, (ErrorCode, String)> {
    if green.is_empty() {
        return Err(no_instances("The deployment failed because no instances matched targetInstances: the replacement environment must exist before a DISCOVER_EXISTING deployment starts."));
    }
    let blue: Vec<String> = blue
        .into_iter()
        .map(|c| c.id)
        .filter(|h| !green.contains(h))
        .collect();
    if blue.is_empty() {
        return Err(no_instances("The deployment failed because no instances were found in the original environment. Check the deployment group's tags and Auto Scaling groups."));
    }
    if green.len() > 1000 {
        return Err((ErrorCode::OverMaxInstances, format!("The deployment failed because it targets {} replacement instances; a deployment can target at most 1000.", green.len())));
    }
    Ok(blue)
}

/// Which side of a blue/green deployment a target is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Allow,
    Block,
}

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

/// One side's hosts, the events they run and their label.
struct Hosts<'a> {
    hosts: &'a [String],
    events: &'static [&'static str],
    label: TargetLabel,
}

impl<'a> Hosts<'a> {
    fn new(hosts: &'a [String], events: &'static [&'static str], label: TargetLabel) -> Self {
        Hosts {
            hosts,
            events,
            label,
        }
    }
}

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

    // ---- the world: launched, terminated and regrouped hosts -------------------

    /// Adds the instances blue/green deployments launched to the simulated world
    /// and takes out the terminated ones (called whenever the fleet is resolved).
    pub(crate) fn sync_blue_green_hosts(&mut self) {
        let defaults = self.fleet.defaults.clone();
        for rec in self.hosts.values() {
            if rec.terminated.is_some() {
                self.fleet_hosts.remove(&rec.id);
                continue;
            }
            let Some(l) = &rec.launched else {
                continue;
            };
            let base = l
                .origin_asg
                .as_ref()
                .and_then(|name| {
                    self.fleet
                        .auto_scaling_groups
                        .iter()
                        .find(|a| &a.name == name)
                })
                .map(|spec| spec.behaviour.over(&defaults))
                .unwrap_or_else(|| defaults.clone());
            self.fleet_hosts.insert(
                rec.id.clone(),
                Host {
                    id: rec.id.clone(),
                    tags: l.tags.clone(),
                    asg: Some(l.asg.clone()),
                    availability_zone: l.availability_zone.clone(),
                    root: None,
                    install_to_system: false,
                    behaviour: world::tag_faults(&l.tags, base),
                },
            );
        }
    }

    /// The instances a deployment group reaches now: its tags and Auto Scaling
    /// groups, plus the replacement instances blue/green deployments added,
    /// minus the originals they removed. In ID order.
    pub(crate) fn group_candidates(&self, group: &GroupRecord) -> Vec<Candidate> {
        let gid = group.id();
        let member = |host: &str| {
            self.hosts
                .get(host)
                .and_then(|h| h.groups.get(gid))
                .and_then(|s| s.member)
        };
        let mut out: BTreeMap<String, Candidate> =
            selection::resolve(&group.info, &self.fleet_hosts, &self.instances)
                .into_iter()
                .filter(|c| member(&c.id) != Some(false))
                .map(|c| (c.id.clone(), c))
                .collect();
        for rec in self.hosts.values() {
            if member(&rec.id) != Some(true) {
                continue;
            }
            if let Some(host) = self.fleet_hosts.get(&rec.id) {
                out.entry(rec.id.clone()).or_insert_with(|| Candidate {
                    id: host.id.clone(),
                    on_premises: false,
                    tags: host.tags.clone(),
                });
            }
        }
        out.into_values().collect()
    }

    fn set_membership(&mut self, host: &str, group_id: &str, member: bool) {
        self.host_in_group(host, group_id).member = Some(member);
    }

    /// Every Auto Scaling group name the world knows.
    pub(crate) fn known_asgs(&self) -> BTreeSet<String> {
        self.fleet
            .auto_scaling_groups
            .iter()
            .map(|a| a.name.clone())
            .chain(self.fleet_hosts.values().filter_map(|h| h.asg.clone()))
            .collect()
    }

    /// COPY_AUTO_SCALING_GROUP: launches `CodeDeploy_<group>_<deployment>` with as
    /// many instances as `source` has running now. Returns the new instances' IDs.
    fn copy_auto_scaling_group(
        &mut self,
        id: &str,
        group_name: &str,
        source: &str,
        at: Millis,
    ) -> (String, Vec<String>) {
        let copy = format!("CodeDeploy_{group_name}_{id}");
        let originals: Vec<Host> = self
            .fleet_hosts
            .values()
            .filter(|h| h.asg.as_deref() == Some(source) && running(h))
            .cloned()
            .collect();
        let mut launched = Vec::new();
        for original in originals {
            let new_id = loop {
                let candidate = ids::ec2_instance_id(self.next_bits("instance"));
                if !self.fleet_hosts.contains_key(&candidate)
                    && !self.hosts.contains_key(&candidate)
                {
                    break candidate;
                }
            };
            let mut tags = original.tags.clone();
            if tags.contains_key("aws:autoscaling:groupName") {
                tags.insert("aws:autoscaling:groupName".into(), copy.clone());
            }
            let origin_asg = self
                .hosts
                .get(&original.id)
                .and_then(|h| h.launched.as_ref())
                .map(|l| l.origin_asg.clone())
                .unwrap_or_else(|| Some(source.to_string()));
            self.hosts.insert(
                new_id.clone(),
                HostRecord {
                    id: new_id.clone(),
                    launched: Some(LaunchedHost {
                        asg: copy.clone(),
                        tags,
                        availability_zone: original.availability_zone.clone(),
                        origin_asg,
                        deployment_id: id.to_string(),
                        launched_at: at,
                    }),
                    ..Default::default()
                },
            );
            self.dirty.hosts.insert(new_id.clone());
            launched.push(new_id);
        }
        self.sync_blue_green_hosts();
        self.log(
            at,
            Some(id),
            None,
            EventKind::World,
            format!(
                "Auto Scaling group {copy} created from {source} with {} instance(s)",
                launched.len()
            ),
        );
        (copy, launched)
    }

    fn terminate_host(&mut self, id: &str, host: &str, at: Millis) {
        self.host_mut(host).terminated = Some(at);
        self.fleet_hosts.remove(host);
        self.log(
            at,
            Some(id),
            Some(host),
            EventKind::World,
            format!("{host}: terminated"),
        );
    }

    // ---- start ----------------------------------------------------------------

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

    /// Health of a host on the side that takes traffic, in the deployment's group.
    fn note_allow_health(&mut self, id: &str, host: &str, healthy: bool) {
        let Some(group_id) = self.active.get(id).map(|a| a.rec.group_id.clone()) else {
            return;
        };
        self.host_in_group(host, &group_id).healthy = healthy;
    }

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

    /// The replacement instances, as the group provisions them, and the Auto
    /// Scaling group copied for them (source, copy) if any.
    fn green_fleet(
        &mut self,
        id: &str,
        group: &GroupRecord,
        info: &DeploymentInfo,
        at: Millis,
    ) -> Result<GreenFleet, (ErrorCode, String)> {
        let action = info
            .blue_green_deployment_configuration
            .as_ref()
            .and_then(|b| b.green_fleet_provisioning_option.as_ref())
            .and_then(|g| g.action.clone())
            .unwrap_or(GreenFleetProvisioningAction::DiscoverExisting);
        if action == GreenFleetProvisioningAction::CopyAutoScalingGroup {
            self.copy_green_fleet(id, group, at)
        } else {
            Ok((self.discover_green_fleet(info)?, None))
        }
    }

    /// COPY_AUTO_SCALING_GROUP: launches a copy of the group's Auto Scaling group.
    fn copy_green_fleet(
        &mut self,
        id: &str,
        group: &GroupRecord,
        at: Millis,
    ) -> Result<GreenFleet, (ErrorCode, String)> {
        let Some(source) = group
            .info
            .auto_scaling_groups
            .iter()
            .flatten()
            .find_map(|a| a.name.clone())
        else {
            return Err((ErrorCode::AutoScalingConfiguration, "The deployment failed because COPY_AUTO_SCALING_GROUP needs the deployment group to list an Auto Scaling group to copy.".into()));
        };
        if !self.known_asgs().contains(&source) {
            return Err((ErrorCode::AutoScalingConfiguration, format!("The deployment failed because Auto Scaling group {source} of the deployment group does not exist.")));
        }
        if !self
            .fleet_hosts
            .values()
            .any(|h| h.asg.as_deref() == Some(source.as_str()) && running(h))
        {
            return Err(no_instances(&format!("The deployment failed because Auto Scaling group {source} has no running instances to copy into the replacement environment.")));
        }
        let (copy, hosts) = self.copy_auto_scaling_group(id, group.name(), &source, at);
        Ok((hosts, Some((source, copy))))
    }

    /// DISCOVER_EXISTING: the instances the deployment's targetInstances select.
    fn discover_green_fleet(
        &self,
        info: &DeploymentInfo,
    ) -> Result<Vec<String>, (ErrorCode, String)> {
        let Some(ti) = info.target_instances.as_ref() else {
            return Err(no_instances("The deployment failed because DISCOVER_EXISTING needs targetInstances (tagFilters, ec2TagSet or autoScalingGroups) to find the replacement instances."));
        };
        // The same resolution CreateDeployment checked (discover.rs).
        self.replacements(ti).map_err(|missing| {
            (ErrorCode::AutoScalingConfiguration, format!("The deployment failed because Auto Scaling group {missing} named in targetInstances does not exist."))
        })
    }

    /// A rollback of a blue/green deployment: the originals take traffic back,
    /// then the replacements are blocked (reference §7.2).
    fn start_blue_green_rollback(
        &mut self,
        id: &str,
        group: &GroupRecord,
        roles: BlueGreenRoles,
        at: Millis,
    ) {
        let exists = |h: &String| self.fleet_hosts.contains_key(h);
        // The failed deployment may have ended before it resolved either fleet
        // (no replacement found, nothing to copy): traffic never left the group's
        // instances, and they are the originals to route it back to.
        let originals: Vec<String> = if roles.originals.is_empty() && roles.replacements.is_empty()
        {
            self.group_candidates(group)
                .into_iter()
                .filter(|c| !c.on_premises)
                .map(|c| c.id)
                .collect()
        } else {
            roles.originals.clone()
        };
        let originals: Vec<String> = originals.into_iter().filter(|h| exists(h)).collect();
        let replacements: Vec<String> = roles
            .replacements
            .iter()
            .filter(|h| exists(h))
            .cloned()
            .collect();
        if originals.is_empty() {
            return self.bg_fail(id, at, ErrorCode::NoInstances, "The rollback failed because none of the original instances exist any more: traffic cannot be routed back to them.".into());
        }
        let ok = self.plan_sides(
            id,
            Hosts::new(
                &originals,
                &lifecycle::SERVER_BLUE_GREEN_ALLOW,
                TargetLabel::Blue,
            ),
            Hosts::new(
                &replacements,
                &lifecycle::SERVER_BLUE_GREEN_BLUE,
                TargetLabel::Green,
            ),
            BlueGreenRun {
                rollback_of: Some(roles),
                ..Default::default()
            },
            at,
        );
        if ok {
            self.begin_reroute(id, at);
            self.pump_blue_green(id, at);
        }
    }

    /// Plans the deployment's targets: the side taking traffic first, then the
    /// side blocked. False when planning failed the deployment.
    fn plan_sides(
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
        events: &[&str],
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

    // ---- running --------------------------------------------------------------

    fn side(&self, id: &str, index: u32) -> Side {
        match self.bg(id) {
            Some(b) if b.block.contains(&index) => Side::Block,
            _ => Side::Allow,
        }
    }

    /// A lifecycle event of a blue/green target ended (its timer fired).
    pub(crate) fn fire_blue_green_target(&mut self, id: &str, index: u32, at: Millis) {
        self.end_target_event(id, index, at, EventEnd::Timer);
    }

    /// How a blue/green target goes on after an event ended.
    pub(super) fn blue_green_after_event(
        &mut self,
        id: &str,
        index: u32,
        at: Millis,
        after: Option<AfterEvent>,
    ) {
        if after.is_some() {
            // Blue/green targets report progress event by event.
            if let Some(t) = self
                .active
                .get_mut(id)
                .and_then(|a| a.targets.get_mut(index as usize))
            {
                t.touch(at);
            }
        }
        match after {
            Some(AfterEvent::Fail) => {
                self.end_blue_green_target(id, index, TargetStatus::Failed, at)
            }
            Some(AfterEvent::Succeed) => {
                self.end_blue_green_target(id, index, TargetStatus::Succeeded, at)
            }
            Some(AfterEvent::Next { event, ended, host }) if ended == "ValidateService" => {
                self.installed(id, index, event, &host, at);
                self.pump_blue_green(id, at);
            }
            Some(AfterEvent::Next { event, .. }) => self.begin_event(id, index, event, at),
            None => {}
        }
    }

    /// A replacement instance has the revision installed; it waits for rerouting.
    fn installed(&mut self, id: &str, index: u32, next: u32, host: &str, at: Millis) {
        let Some(a) = self.active.get_mut(id) else {
            return;
        };
        let group_id = a.rec.group_id.clone();
        let rev_key = a.rec.info.revision.as_ref().map(revision_key);
        if let Some(t) = a.targets.get_mut(index as usize) {
            t.run.event = next;
        }
        let state = self.host_in_group(host, &group_id);
        state.healthy = true;
        state.revision = rev_key;
        self.touch_target(id, index);
        self.log(
            at,
            Some(id),
            Some(host),
            EventKind::Target,
            format!("{host}: revision installed, waiting to take traffic"),
        );
    }

    fn end_blue_green_target(&mut self, id: &str, index: u32, status: TargetStatus, at: Millis) {
        let side = self.side(id, index);
        let rollback = self.bg(id).is_some_and(|b| b.rollback_of.is_some());
        let Some(t) = self
            .active
            .get_mut(id)
            .and_then(|a| a.targets.get_mut(index as usize))
        else {
            return;
        };
        t.run.due = None;
        let host = t.run.host.clone();
        t.set_status(status.clone(), at);
        t.skip_unfinished_events();
        self.touch_target(id, index);
        self.refresh_overview(id);
        let ok = status == TargetStatus::Succeeded;
        // Health follows the side that serves traffic: the replacement (or, in a
        // rollback, the original) instances. Blocking does not change a host's health.
        if side == Side::Allow && (!ok || rollback) {
            self.note_allow_health(id, &host, ok);
        }
        let (word, event) = if ok {
            ("succeeded", TriggerEventType::InstanceSuccess)
        } else {
            ("failed", TriggerEventType::InstanceFailure)
        };
        self.log(
            at,
            Some(id),
            Some(&host),
            EventKind::Target,
            format!("{host}: deployment {word}"),
        );
        self.trigger_instance(at, id, index, event);
        self.pump_blue_green(id, at);
    }

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

    fn bg_config(&self, id: &str) -> Option<BlueGreenDeploymentConfiguration> {
        self.active
            .get(id)?
            .rec
            .info
            .blue_green_deployment_configuration
            .clone()
    }

    fn bg_ready_wait_wanted(&self, id: &str) -> bool {
        self.bg_config(id)
            .and_then(|b| b.deployment_ready_option)
            .and_then(|r| r.action_on_timeout)
            == Some(DeploymentReadyAction::StopDeployment)
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
        let wait = self
            .bg_config(id)
            .and_then(|b| b.deployment_ready_option)
            .and_then(|r| r.wait_time_in_minutes);
        let minutes = lifecycle::ready_wait_minutes(wait, lifecycle::EC2_READY_WAIT_MAX_MINUTES);
        let until = at + minutes * MINUTE;
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
    fn begin_reroute(&mut self, id: &str, at: Millis) {
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
            .events()
            .iter()
            .position(|e| e.lifecycle_event_name.as_deref() == Some("BeforeAllowTraffic"))
            .unwrap_or(0) as u32;
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
        let minutes = option
            .as_ref()
            .and_then(|o| o.termination_wait_time_in_minutes)
            .unwrap_or(0)
            .max(0);
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
        self.wake_deployment_at(id, Some(at + i64::from(minutes) * MINUTE));
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

    /// Called as a rollback deployment is created: remembers which hosts were the
    /// original and which the replacement instances, for the swap.
    pub(crate) fn plan_blue_green_rollback(&mut self, from: &str, rollback: &str) {
        let Some(a) = self.active.get(from) else {
            return;
        };
        let hosts = |label: TargetLabel| -> Vec<String> {
            a.targets
                .iter()
                .filter(|t| {
                    t.target
                        .instance_target
                        .as_ref()
                        .and_then(|i| i.instance_label.as_ref())
                        == Some(&label)
                })
                .map(|t| t.run.host.clone())
                .collect()
        };
        let info = &a.rec.info;
        let blue_green = info
            .deployment_style
            .as_ref()
            .and_then(|s| s.deployment_type.as_ref())
            == Some(&DeploymentType::BlueGreen);
        let server = matches!(info.compute_platform, None | Some(ComputePlatform::Server));
        if !(blue_green && server) {
            return;
        }
        let roles = BlueGreenRoles {
            originals: hosts(TargetLabel::Blue),
            replacements: hosts(TargetLabel::Green),
        };
        if let Some(run) = self
            .active
            .get_mut(rollback)
            .and_then(|a| a.rec.run.as_mut())
        {
            run.blue_green = Some(BlueGreenRun {
                rollback_of: Some(roles),
                ..Default::default()
            });
        }
        self.touch(rollback);
    }
}
