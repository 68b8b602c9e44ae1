//! DISCOVER_EXISTING's replacement fleet: the EC2 instances a blue/green
//! deployment's `targetInstances` select (reference §8.3, §10). One resolution
//! serves both moments it is looked at:
//! * CreateDeployment refuses what cannot work (`check_replacements`): an Auto
//!   Scaling group that does not exist is InvalidAutoScalingGroupException (the
//!   model: "specified in an invalid format or does not exist"); a tag no
//!   instance carries, or a selection that finds no instance, is
//!   InvalidTargetInstancesException (the model: "A specified tag is not
//!   currently applied to any instances").
//! * The start resolves it again (`replacements`, bluegreen/provision.rs): a queued
//!   deployment starts later, and the world may have changed since (originals
//!   terminated by the deployment before it). A missing group then fails the
//!   deployment with AUTO_SCALING_CONFIGURATION, an empty fleet with NO_INSTANCES.
//!
//! Decisions where the documents are silent (UNCONFIRMED):
//! * The tag check is per filter, over every simulated EC2 instance (stopped
//!   ones carry their tags too); on-premises instances never take part (§7.2).
//! * A selection that finds nothing although each tag is applied somewhere (a
//!   tag set whose groups no one instance satisfies together) or that names
//!   only empty Auto Scaling groups is refused at create time as well, so what
//!   would fail at the start with NO_INSTANCES fails at the front door instead.

use std::collections::BTreeMap;

use super::selection::{self, Filter};
use super::Engine;
use crate::model::*;
use crate::state::error::{err, ApiResult};

/// A filter as the caller wrote it, for messages.
fn shown((key, value, kind): Filter) -> String {
    let mut parts = Vec::new();
    if let Some(k) = key {
        parts.push(format!("Key={k}"));
    }
    if let Some(v) = value {
        parts.push(format!("Value={v}"));
    }
    if let Some(t) = kind {
        parts.push(format!("Type={t}"));
    }
    parts.join(",")
}

/// Every tag filter `ti` names: its tagFilters and each group of its ec2TagSet.
fn all_filters(ti: &TargetInstances) -> Vec<Filter<'_>> {
    let list = ti.tag_filters.as_deref().unwrap_or_default();
    let groups = ti
        .ec2_tag_set
        .as_ref()
        .and_then(|s| s.ec2_tag_set_list.as_deref())
        .unwrap_or_default();
    selection::ec2_filters(list)
        .into_iter()
        .chain(groups.iter().flat_map(|g| selection::ec2_filters(g)))
        .collect()
}

impl Engine {
    /// The instances `ti` selects now, in ID order; `Err` names the first Auto
    /// Scaling group it lists that does not exist.
    pub(crate) fn replacements(&self, ti: &TargetInstances) -> Result<Vec<String>, String> {
        let known = self.known_asgs();
        if let Some(missing) = ti
            .auto_scaling_groups
            .iter()
            .flatten()
            .find(|n| !known.contains(*n))
        {
            return Err(missing.clone());
        }
        let selector = DeploymentGroupInfo {
            ec2_tag_filters: ti.tag_filters.clone(),
            ec2_tag_set: ti.ec2_tag_set.clone(),
            auto_scaling_groups: ti.auto_scaling_groups.as_ref().map(|names| {
                names
                    .iter()
                    .map(|n| AutoScalingGroup {
                        name: Some(n.clone()),
                        ..Default::default()
                    })
                    .collect()
            }),
            ..Default::default()
        };
        Ok(
            selection::resolve(&selector, &self.fleet_hosts, &BTreeMap::new())
                .into_iter()
                .map(|c| c.id)
                .collect(),
        )
    }

    /// CreateDeployment's check of a DISCOVER_EXISTING deployment's
    /// targetInstances against the world (reference §8.3; module comment).
    pub(crate) fn check_replacements(&self, ti: &TargetInstances) -> ApiResult<()> {
        let found = match self.replacements(ti) {
            Ok(found) => found,
            Err(missing) => {
                return err(
                    Exception::InvalidAutoScalingGroup,
                    format!(
                        "The Auto Scaling group {missing} named in targetInstances does not exist."
                    ),
                )
            }
        };
        let unapplied = all_filters(ti).into_iter().find(|f| {
            !self
                .fleet_hosts
                .values()
                .any(|h| selection::tag_matches(&h.tags, *f))
        });
        if let Some(f) = unapplied {
            return err(
                Exception::InvalidTargetInstances,
                format!(
                    "A specified tag is not currently applied to any instances: {} in targetInstances.",
                    shown(f)
                ),
            );
        }
        if found.is_empty() {
            return err(
                Exception::InvalidTargetInstances,
                "No instances match targetInstances: the replacement environment must exist before a DISCOVER_EXISTING deployment is created.",
            );
        }
        Ok(())
    }
}
