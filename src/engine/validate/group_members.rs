//! CreateDeploymentGroup and UpdateDeploymentGroup: the members together,
//! per compute platform (which may select instances, which need a load
//! balancer or ECS services).

use super::group_settings::{
    alarm_configuration, auto_rollback_configuration, auto_scaling_group_names,
    blue_green_configuration, deployment_style, load_balancer_info, trigger_configurations,
};
use super::tagging::{ec2_tag_filters, ec2_tag_set, on_premises_tag_set, tag_filters};
use crate::model::*;
use crate::state::error::{err, ApiResult};

/// The members CreateDeploymentGroup and UpdateDeploymentGroup share.
#[derive(Debug, Clone, Copy, Default)]
pub struct GroupMembers<'a> {
    pub ec2_tag_filters: Option<&'a Vec<EC2TagFilter>>,
    pub on_premises_instance_tag_filters: Option<&'a Vec<TagFilter>>,
    pub ec2_tag_set: Option<&'a EC2TagSet>,
    pub on_premises_tag_set: Option<&'a OnPremisesTagSet>,
    pub auto_scaling_groups: Option<&'a Vec<String>>,
    pub trigger_configurations: Option<&'a Vec<TriggerConfig>>,
    pub alarm_configuration: Option<&'a AlarmConfiguration>,
    pub auto_rollback_configuration: Option<&'a AutoRollbackConfiguration>,
    pub outdated_instances_strategy: Option<&'a OutdatedInstancesStrategy>,
    pub deployment_style: Option<&'a DeploymentStyle>,
    pub blue_green_deployment_configuration: Option<&'a BlueGreenDeploymentConfiguration>,
    pub load_balancer_info: Option<&'a LoadBalancerInfo>,
    pub ecs_services: Option<&'a Vec<ECSService>>,
}

macro_rules! group_members_from {
    ($t:ty) => {
        impl<'a> From<&'a $t> for GroupMembers<'a> {
            fn from(i: &'a $t) -> Self {
                GroupMembers {
                    ec2_tag_filters: i.ec2_tag_filters.as_ref(),
                    on_premises_instance_tag_filters: i.on_premises_instance_tag_filters.as_ref(),
                    ec2_tag_set: i.ec2_tag_set.as_ref(),
                    on_premises_tag_set: i.on_premises_tag_set.as_ref(),
                    auto_scaling_groups: i.auto_scaling_groups.as_ref(),
                    trigger_configurations: i.trigger_configurations.as_ref(),
                    alarm_configuration: i.alarm_configuration.as_ref(),
                    auto_rollback_configuration: i.auto_rollback_configuration.as_ref(),
                    outdated_instances_strategy: i.outdated_instances_strategy.as_ref(),
                    deployment_style: i.deployment_style.as_ref(),
                    blue_green_deployment_configuration: i
                        .blue_green_deployment_configuration
                        .as_ref(),
                    load_balancer_info: i.load_balancer_info.as_ref(),
                    ecs_services: i.ecs_services.as_ref(),
                }
            }
        }
    };
}

group_members_from!(CreateDeploymentGroupInput);

group_members_from!(UpdateDeploymentGroupInput);

pub(super) fn non_empty<T>(v: Option<&Vec<T>>) -> bool {
    v.is_some_and(|v| !v.is_empty())
}

pub fn deployment_group_members(
    m: &GroupMembers,
    platform: &ComputePlatform,
    strict: bool,
) -> ApiResult<()> {
    let selectors = instance_selectors(m)?;
    member_settings(m)?;
    let blue_green = m.deployment_style.and_then(|s| s.deployment_type.as_ref())
        == Some(&DeploymentType::BlueGreen);
    let traffic = m
        .deployment_style
        .and_then(|s| s.deployment_option.as_ref())
        == Some(&DeploymentOption::WithTrafficControl);
    match platform {
        ComputePlatform::Lambda | ComputePlatform::Ecs => {
            if selectors {
                return err(Exception::InvalidInput, format!("{platform} deployment groups do not select instances (no tag filters, tag sets or Auto Scaling groups)."));
            }
            if m.deployment_style.is_some() && !(blue_green && traffic) {
                return err(
                    Exception::InvalidDeploymentStyle,
                    format!(
                        "{platform} deployment groups use BLUE_GREEN with WITH_TRAFFIC_CONTROL."
                    ),
                );
            }
            if *platform == ComputePlatform::Ecs {
                ecs_members(m, strict)?;
            } else if non_empty(m.ecs_services) {
                return err(
                    Exception::InvalidInput,
                    "Lambda deployment groups do not take ecsServices.",
                );
            }
        }
        _ => server_members(m, blue_green, traffic)?,
    }
    Ok(())
}

/// Tag filters, tag sets and Auto Scaling groups, each valid and not combined
/// with its alternative. True when any selects instances.
fn instance_selectors(m: &GroupMembers) -> ApiResult<bool> {
    let ec2_set = m
        .ec2_tag_set
        .is_some_and(|s| non_empty(s.ec2_tag_set_list.as_ref()));
    let op_set = m
        .on_premises_tag_set
        .is_some_and(|s| non_empty(s.on_premises_tag_set_list.as_ref()));
    if non_empty(m.ec2_tag_filters) && ec2_set {
        return err(
            Exception::InvalidEC2TagCombination,
            "Use ec2TagFilters or ec2TagSet, not both.",
        );
    }
    if non_empty(m.on_premises_instance_tag_filters) && op_set {
        return err(
            Exception::InvalidOnPremisesTagCombination,
            "Use onPremisesInstanceTagFilters or onPremisesTagSet, not both.",
        );
    }
    m.ec2_tag_filters.map(|f| ec2_tag_filters(f)).transpose()?;
    m.on_premises_instance_tag_filters
        .map(|f| tag_filters(f))
        .transpose()?;
    m.ec2_tag_set.map(ec2_tag_set).transpose()?;
    m.on_premises_tag_set.map(on_premises_tag_set).transpose()?;
    let filters = m.ec2_tag_filters.map_or(0, Vec::len)
        + m.on_premises_instance_tag_filters.map_or(0, Vec::len);
    if filters > 10 {
        return err(
            Exception::InvalidTag,
            format!("A deployment group may use at most 10 tag filters; {filters} were given."),
        );
    }
    m.auto_scaling_groups
        .map(|a| auto_scaling_group_names(a))
        .transpose()?;
    Ok(non_empty(m.ec2_tag_filters)
        || non_empty(m.on_premises_instance_tag_filters)
        || ec2_set
        || op_set
        || non_empty(m.auto_scaling_groups))
}

/// Each of the group's other settings, on its own.
fn member_settings(m: &GroupMembers) -> ApiResult<()> {
    m.trigger_configurations
        .map(|t| trigger_configurations(t))
        .transpose()?;
    m.alarm_configuration.map(alarm_configuration).transpose()?;
    m.auto_rollback_configuration
        .map(auto_rollback_configuration)
        .transpose()?;
    if let Some(s) = m.outdated_instances_strategy.filter(|s| !s.is_known()) {
        return err(
            Exception::InvalidInput,
            format!("'{s}' is not an outdatedInstancesStrategy (UPDATE or IGNORE)."),
        );
    }
    m.deployment_style.map(deployment_style).transpose()?;
    m.load_balancer_info.map(load_balancer_info).transpose()?;
    m.blue_green_deployment_configuration
        .map(blue_green_configuration)
        .transpose()?;
    Ok(())
}

/// A Server group: no ECS services; blue/green and traffic control need a
/// load balancer.
fn server_members(m: &GroupMembers, blue_green: bool, traffic: bool) -> ApiResult<()> {
    if non_empty(m.ecs_services) {
        return err(
            Exception::InvalidInput,
            "Server deployment groups do not take ecsServices.",
        );
    }
    let has_lb = m.load_balancer_info.is_some_and(|lb| {
        non_empty(lb.elb_info_list.as_ref()) || non_empty(lb.target_group_info_list.as_ref())
    });
    if blue_green {
        if !traffic {
            return err(
                Exception::InvalidDeploymentStyle,
                "Blue/green deployments need WITH_TRAFFIC_CONTROL.",
            );
        }
        if !has_lb {
            return err(
                Exception::InvalidLoadBalancerInfo,
                "Blue/green deployments need a load balancer (elbInfoList or targetGroupInfoList).",
            );
        }
        if m.blue_green_deployment_configuration.is_none() {
            return err(
                Exception::InvalidBlueGreenDeploymentConfiguration,
                "Blue/green deployments need blueGreenDeploymentConfiguration.",
            );
        }
    } else if traffic && !has_lb {
        return err(
            Exception::InvalidLoadBalancerInfo,
            "WITH_TRAFFIC_CONTROL needs a load balancer (elbInfoList or targetGroupInfoList).",
        );
    }
    Ok(())
}

fn ecs_members(m: &GroupMembers, strict: bool) -> ApiResult<()> {
    let services = m.ecs_services.map(Vec::as_slice).unwrap_or_default();
    if services.len() != 1
        || services.iter().any(|s| {
            s.cluster_name.as_deref().is_none_or(str::is_empty)
                || s.service_name.as_deref().is_none_or(str::is_empty)
        })
    {
        return err(Exception::InvalidECSService, "An ECS deployment group needs exactly one ecsServices entry with clusterName and serviceName.");
    }
    if strict {
        let has_pair = m
            .load_balancer_info
            .is_some_and(|lb| non_empty(lb.target_group_pair_info_list.as_ref()));
        if !has_pair {
            return err(
                Exception::InvalidTargetGroupPair,
                "An ECS deployment group needs loadBalancerInfo.targetGroupPairInfoList.",
            );
        }
        if m.blue_green_deployment_configuration.is_none() {
            return err(
                Exception::InvalidBlueGreenDeploymentConfiguration,
                "An ECS deployment group needs blueGreenDeploymentConfiguration.",
            );
        }
    }
    Ok(())
}
