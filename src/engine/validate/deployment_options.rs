//! CreateDeployment's per-deployment options, targetInstances among them.

use super::group_members::non_empty;
use super::group_settings::{
    alarm_configuration, auto_rollback_configuration, auto_scaling_group_names,
};
use super::names::description;
use super::tagging::{ec2_tag_filters, tag_set_size};
use crate::model::*;
use crate::state::error::{err, ApiError, ApiResult};

/// CreateDeployment's per-deployment options.
pub fn create_deployment_flags(
    input: &CreateDeploymentInput,
    platform: &ComputePlatform,
) -> ApiResult<()> {
    description(input.description.as_deref())?;
    file_exists_behavior(input.file_exists_behavior.as_ref())?;
    if let Some(a) = &input.auto_rollback_configuration {
        auto_rollback_configuration(a)?;
    }
    if let Some(a) = &input.override_alarm_configuration {
        alarm_configuration(a)?;
    }
    if *platform != ComputePlatform::Server {
        if input.ignore_application_stop_failures == Some(true) {
            return err(
                Exception::InvalidIgnoreApplicationStopFailuresValue,
                format!("ignoreApplicationStopFailures must be false for {platform} deployments."),
            );
        }
        if input.update_outdated_instances_only == Some(true) {
            return err(
                Exception::InvalidUpdateOutdatedInstancesOnlyValue,
                format!("updateOutdatedInstancesOnly must be false for {platform} deployments."),
            );
        }
        if input.target_instances.is_some() {
            return err(
                Exception::InvalidTargetInstances,
                format!("targetInstances does not apply to {platform} deployments."),
            );
        }
    }
    input
        .target_instances
        .as_ref()
        .map(target_instances)
        .transpose()?;
    Ok(())
}

pub fn file_exists_behavior(b: Option<&FileExistsBehavior>) -> ApiResult<()> {
    match b {
        Some(b) if !b.is_known() => err(
            Exception::InvalidFileExistsBehavior,
            format!("'{b}' is not DISALLOW, OVERWRITE or RETAIN."),
        ),
        _ => Ok(()),
    }
}

/// Tags one targetInstances may name, in tagFilters or across its ec2TagSet
/// (the model's InvalidTargetInstancesException: "The limit of 10 tags for a
/// tag type was exceeded"; reference §5: 10 tags in a deployment group).
const TARGET_INSTANCE_TAGS: usize = 10;

/// The shape of CreateDeployment's targetInstances (reference §8.3): tagFilters
/// or ec2TagSet, not both; at most 10 tags; at most 3 tag groups (§5);
/// well-formed filters and Auto Scaling group names. CreateDeployment declares
/// neither InvalidEC2TagException nor TagSetListLimitExceededException, so a
/// bad tag or too many groups is InvalidTargetInstancesException, the
/// operation's error for "the target instance configuration is invalid"
/// (UNCONFIRMED which of its causes AWS names). Whether what it names exists is
/// the engine's check at create time (discover.rs, `check_replacements`).
fn target_instances(t: &TargetInstances) -> ApiResult<()> {
    let invalid = |e: ApiError| ApiError::new(Exception::InvalidTargetInstances, e.message);
    if non_empty(t.tag_filters.as_ref()) && t.ec2_tag_set.is_some() {
        return err(
            Exception::InvalidTargetInstances,
            "targetInstances takes tagFilters or ec2TagSet, not both.",
        );
    }
    let groups = t
        .ec2_tag_set
        .as_ref()
        .and_then(|s| s.ec2_tag_set_list.as_deref())
        .unwrap_or_default();
    tag_set_size(groups.len()).map_err(invalid)?;
    let tags =
        t.tag_filters.as_ref().map_or(0, Vec::len) + groups.iter().map(Vec::len).sum::<usize>();
    if tags > TARGET_INSTANCE_TAGS {
        return err(
            Exception::InvalidTargetInstances,
            format!("The limit of {TARGET_INSTANCE_TAGS} tags for a tag type was exceeded: targetInstances names {tags}."),
        );
    }
    t.tag_filters
        .as_ref()
        .map(|f| ec2_tag_filters(f))
        .transpose()
        .map_err(invalid)?;
    groups
        .iter()
        .try_for_each(|g| ec2_tag_filters(g))
        .map_err(invalid)?;
    t.auto_scaling_groups
        .as_ref()
        .map(|a| auto_scaling_group_names(a))
        .transpose()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::validate::exc;

    #[test]
    fn deployment_flags() {
        let lambda = CreateDeploymentInput {
            ignore_application_stop_failures: Some(true),
            ..Default::default()
        };
        assert_eq!(
            exc(create_deployment_flags(&lambda, &ComputePlatform::Lambda)),
            Exception::InvalidIgnoreApplicationStopFailuresValue
        );
        assert!(create_deployment_flags(&lambda, &ComputePlatform::Server).is_ok());
    }
}
