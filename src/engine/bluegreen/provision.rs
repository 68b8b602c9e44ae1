//! Blue/green fleet provisioning: the replacement (Green) fleet, found or
//! copied from an Auto Scaling group, the originals, and the world they
//! change (launched, terminated and regrouped hosts; reference §10).

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::host_behaviour;
use crate::engine::selection::{self, Candidate};
use crate::engine::Engine;
use crate::model::ids;
use crate::model::time::Millis;
use crate::model::*;
use crate::state::fleet::Host;
use crate::state::*;

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
pub(super) fn check_fleets(
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

impl Engine {
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
                    behaviour: host_behaviour::tag_faults(&l.tags, base),
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

    pub(super) fn set_membership(&mut self, host: &str, group_id: &str, member: bool) {
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

    pub(super) fn terminate_host(&mut self, id: &str, host: &str, at: Millis) {
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

    /// The replacement instances, as the group provisions them, and the Auto
    /// Scaling group copied for them (source, copy) if any.
    pub(super) fn green_fleet(
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
}
