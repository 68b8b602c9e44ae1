//! Input validation (reference §14), as pure functions: each failure answers
//! with the exact AWS exception and a message naming the member and value.

use std::collections::BTreeMap;

use crate::model::time::Millis;
use crate::model::*;
use crate::state::error::{err, ApiError, ApiResult};

const NAME_CHARS: &str = "[A-Za-z0-9+=,.@_-]";

fn name_ok(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// A required name: missing or empty -> `required`, malformed -> `invalid`.
fn name<'a>(
    value: Option<&'a str>,
    what: &str,
    required: Exception,
    invalid: Exception,
) -> ApiResult<&'a str> {
    match value {
        None | Some("") => err(required, format!("The {what} name is required.")),
        Some(s) if !name_ok(s) => err(
            invalid,
            format!("The {what} name '{s}' is not 1 to 100 characters of {NAME_CHARS}."),
        ),
        Some(s) => Ok(s),
    }
}

pub fn application_name(n: Option<&str>) -> ApiResult<&str> {
    name(
        n,
        "application",
        Exception::ApplicationNameRequired,
        Exception::InvalidApplicationName,
    )
}

pub fn deployment_group_name(n: Option<&str>) -> ApiResult<&str> {
    name(
        n,
        "deployment group",
        Exception::DeploymentGroupNameRequired,
        Exception::InvalidDeploymentGroupName,
    )
}

pub fn deployment_config_name(n: Option<&str>) -> ApiResult<&str> {
    name(
        n,
        "deployment configuration",
        Exception::DeploymentConfigNameRequired,
        Exception::InvalidDeploymentConfigName,
    )
}

/// A new custom configuration's name: not in the reserved `CodeDeployDefault.` space.
pub fn custom_config_name(n: Option<&str>) -> ApiResult<&str> {
    let n = deployment_config_name(n)?;
    if n.starts_with(super::configs::PREDEFINED_PREFIX) {
        return err(Exception::InvalidDeploymentConfigName, format!("'{n}': names starting with CodeDeployDefault. are reserved for predefined configurations."));
    }
    Ok(n)
}

pub fn instance_name(n: Option<&str>) -> ApiResult<&str> {
    name(
        n,
        "instance",
        Exception::InstanceNameRequired,
        Exception::InvalidInstanceName,
    )
}

pub fn deployment_id(id: Option<&str>) -> ApiResult<&str> {
    match id {
        None | Some("") => err(
            Exception::DeploymentIdRequired,
            "A deployment ID is required.",
        ),
        Some(s) if !crate::model::ids::is_deployment_id(s) => err(
            Exception::InvalidDeploymentId,
            format!("'{s}' is not a deployment ID (d- followed by 9 characters of [A-Z0-9])."),
        ),
        Some(s) => Ok(s),
    }
}

/// Server when absent (UNCONFIRMED default, reference §14).
pub fn compute_platform(p: Option<&ComputePlatform>) -> ApiResult<ComputePlatform> {
    match p {
        None => Ok(ComputePlatform::Server),
        Some(p) if p.is_known() => Ok(p.clone()),
        Some(p) => err(
            Exception::InvalidComputePlatform,
            format!("'{p}' is not a compute platform (Server, Lambda or ECS)."),
        ),
    }
}

pub fn description(d: Option<&str>) -> ApiResult<()> {
    match d {
        Some(d) if d.chars().count() > 256 => err(
            Exception::DescriptionTooLong,
            format!(
                "The description is {} characters; the limit is 256.",
                d.chars().count()
            ),
        ),
        _ => Ok(()),
    }
}

/// `arn:<partition>:<service>:<region>:<12-digit account>:<resource prefix><more>`.
fn arn_shape(arn: &str, service: &str, region_required: bool, resource: &str) -> bool {
    let p: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == 6
        && p[0] == "arn"
        && matches!(p[1], "aws" | "aws-cn" | "aws-us-gov")
        && p[2] == service
        && (!region_required || !p[3].is_empty())
        && p[4].len() == 12
        && p[4].bytes().all(|b| b.is_ascii_digit())
        && p[5].len() > resource.len()
        && p[5].starts_with(resource)
}

pub fn service_role_arn(arn: Option<&str>, required: bool) -> ApiResult<()> {
    match arn {
        None | Some("") if required => err(Exception::RoleRequired, "serviceRoleArn is required."),
        None => Ok(()),
        Some(a) if !arn_shape(a, "iam", false, "role/") => err(
            Exception::InvalidRole,
            format!("'{a}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)."),
        ),
        Some(_) => Ok(()),
    }
}

/// Resource tags: key 1-128, value at most 256, at most 50 tags.
pub fn tags_to_add(tags: &[Tag]) -> ApiResult<()> {
    if tags.len() > 50 {
        return err(
            Exception::InvalidTagsToAdd,
            format!(
                "{} tags were given; a resource may have at most 50.",
                tags.len()
            ),
        );
    }
    for t in tags {
        match t.key.as_deref() {
            None | Some("") => {
                return err(
                    Exception::InvalidTagsToAdd,
                    "Every tag needs a non-empty Key.",
                )
            }
            Some(k) if k.len() > 128 => {
                return err(
                    Exception::InvalidTagsToAdd,
                    format!("Tag key '{k}' is longer than 128 characters."),
                )
            }
            _ => {}
        }
        if t.value.as_deref().is_some_and(|v| v.len() > 256) {
            return err(
                Exception::InvalidTagsToAdd,
                "A tag value is longer than 256 characters.",
            );
        }
    }
    Ok(())
}

/// One tag filter, whatever its shape: (key, value, type).
fn filter(
    key: Option<&str>,
    value: Option<&str>,
    kind: Option<&str>,
    known: bool,
    bad: Exception,
) -> ApiResult<()> {
    let shown = format!(
        "{{Key={}, Value={}, Type={}}}",
        key.unwrap_or(""),
        value.unwrap_or(""),
        kind.unwrap_or("")
    );
    let need = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            err(bad, format!("Tag filter {shown}: {what}."))
        }
    };
    need(known, "Type must be KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE")?;
    let has_key = key.is_some_and(|k| !k.is_empty());
    let has_value = value.is_some_and(|v| !v.is_empty());
    match kind {
        Some("KEY_ONLY") => need(has_key, "KEY_ONLY needs a Key")?,
        Some("VALUE_ONLY") => need(has_value, "VALUE_ONLY needs a Value")?,
        Some("KEY_AND_VALUE") => need(
            has_key && has_value,
            "KEY_AND_VALUE needs a Key and a Value",
        )?,
        _ => need(has_key || has_value, "a Key or a Value is required")?,
    }
    need(
        key.is_none_or(|k| k.len() <= 128) && value.is_none_or(|v| v.len() <= 256),
        "keys are at most 128 characters and values at most 256",
    )
}

pub fn ec2_tag_filters(filters: &[EC2TagFilter]) -> ApiResult<()> {
    for f in filters {
        let kind = f.r#type.as_ref();
        filter(
            f.key.as_deref(),
            f.value.as_deref(),
            kind.map(|k| k.as_str()),
            kind.is_none_or(|k| k.is_known()),
            Exception::InvalidEC2Tag,
        )?;
    }
    Ok(())
}

pub fn tag_filters(filters: &[TagFilter]) -> ApiResult<()> {
    for f in filters {
        let kind = f.r#type.as_ref();
        filter(
            f.key.as_deref(),
            f.value.as_deref(),
            kind.map(|k| k.as_str()),
            kind.is_none_or(|k| k.is_known()),
            Exception::InvalidTag,
        )?;
    }
    Ok(())
}

fn tag_set_size(n: usize) -> ApiResult<()> {
    if n > 3 {
        return err(
            Exception::TagSetListLimitExceeded,
            format!("A tag set holds at most 3 tag groups; {n} were given."),
        );
    }
    Ok(())
}

pub fn ec2_tag_set(set: &EC2TagSet) -> ApiResult<()> {
    let groups = set.ec2_tag_set_list.as_deref().unwrap_or_default();
    tag_set_size(groups.len())?;
    groups.iter().try_for_each(|g| ec2_tag_filters(g))
}

pub fn on_premises_tag_set(set: &OnPremisesTagSet) -> ApiResult<()> {
    let groups = set.on_premises_tag_set_list.as_deref().unwrap_or_default();
    tag_set_size(groups.len())?;
    groups.iter().try_for_each(|g| tag_filters(g))
}

pub fn alarm_configuration(cfg: &AlarmConfiguration) -> ApiResult<()> {
    let enabled = cfg.enabled == Some(true);
    let alarms = cfg.alarms.as_deref();
    if enabled && alarms.is_none_or(|a| a.is_empty()) {
        return err(
            Exception::InvalidAlarmConfig,
            "An enabled alarm configuration needs at least one alarm.",
        );
    }
    let alarms = alarms.unwrap_or_default();
    if alarms.len() > 10 {
        return err(
            Exception::AlarmsLimitExceeded,
            format!(
                "A deployment group may watch at most 10 alarms; {} were given.",
                alarms.len()
            ),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for a in alarms {
        match a.name.as_deref() {
            None | Some("") => {
                return err(Exception::InvalidAlarmConfig, "Every alarm needs a name.")
            }
            Some(n) if n.len() > 255 => {
                return err(
                    Exception::InvalidAlarmConfig,
                    format!("Alarm name '{n}' is longer than 255 characters."),
                )
            }
            Some(n) if !seen.insert(n) => {
                return err(
                    Exception::InvalidAlarmConfig,
                    format!("Alarm '{n}' is listed twice."),
                )
            }
            _ => {}
        }
    }
    Ok(())
}

pub fn auto_rollback_configuration(cfg: &AutoRollbackConfiguration) -> ApiResult<()> {
    let events = cfg.events.as_deref().unwrap_or_default();
    if let Some(bad) = events.iter().find(|e| !e.is_known()) {
        return err(Exception::InvalidAutoRollbackConfig, format!("'{bad}' is not a rollback event (DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST)."));
    }
    if cfg.enabled == Some(true) && events.is_empty() {
        return err(
            Exception::InvalidAutoRollbackConfig,
            "Automatic rollback is enabled but names no events.",
        );
    }
    Ok(())
}

pub fn trigger_configurations(triggers: &[TriggerConfig]) -> ApiResult<()> {
    if triggers.len() > 10 {
        return err(
            Exception::TriggerTargetsLimitExceeded,
            format!(
                "A deployment group may have at most 10 triggers; {} were given.",
                triggers.len()
            ),
        );
    }
    let mut names = std::collections::BTreeSet::new();
    for t in triggers {
        let name = t.trigger_name.as_deref().unwrap_or_default();
        let bad = |why: &str| {
            err(
                Exception::InvalidTriggerConfig,
                format!("Trigger '{name}': {why}."),
            )
        };
        if name.is_empty() {
            return bad("a triggerName is required");
        }
        if !names.insert(name) {
            return bad("the name is used twice");
        }
        if !t
            .trigger_target_arn
            .as_deref()
            .is_some_and(|a| arn_shape(a, "sns", true, ""))
        {
            return bad("triggerTargetArn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)");
        }
        let events = t.trigger_events.as_deref().unwrap_or_default();
        if events.is_empty() {
            return bad("at least one trigger event is required");
        }
        if let Some(e) = events.iter().find(|e| !e.is_known()) {
            return bad(&format!("'{e}' is not a trigger event"));
        }
    }
    Ok(())
}

pub fn minimum_healthy_hosts(m: &MinimumHealthyHosts) -> ApiResult<()> {
    let bad = |why: String| err(Exception::InvalidMinimumHealthyHostValue, why);
    match (&m.r#type, m.value) {
        (Some(MinimumHealthyHostsType::HostCount), Some(v)) if v >= 0 => Ok(()),
        (Some(MinimumHealthyHostsType::FleetPercent), Some(v)) if (0..=99).contains(&v) => Ok(()),
        (Some(MinimumHealthyHostsType::HostCount), Some(v)) => {
            bad(format!("HOST_COUNT {v} must be 0 or more."))
        }
        (Some(MinimumHealthyHostsType::FleetPercent), Some(v)) => {
            bad(format!("FLEET_PERCENT {v} must be within 0 to 99."))
        }
        (Some(t @ MinimumHealthyHostsType::UnknownValue(_)), _) => {
            bad(format!("'{t}' is not HOST_COUNT or FLEET_PERCENT."))
        }
        (None, _) => bad("minimumHealthyHosts needs a type (HOST_COUNT or FLEET_PERCENT).".into()),
        (_, None) => bad("minimumHealthyHosts needs a value.".into()),
    }
}

pub fn traffic_routing_config(cfg: &TrafficRoutingConfig) -> ApiResult<()> {
    let bad = |why: &str| {
        err(
            Exception::InvalidTrafficRoutingConfiguration,
            why.to_string(),
        )
    };
    let pct_ok = |p: Option<i32>| p.is_some_and(|p| (1..=99).contains(&p));
    let minutes_ok = |i: Option<i32>| i.is_some_and(|i| (1..=2880).contains(&i));
    match &cfg.r#type {
        Some(TrafficRoutingType::AllAtOnce) => {
            if cfg.time_based_canary.is_some() || cfg.time_based_linear.is_some() {
                return bad("AllAtOnce takes neither timeBasedCanary nor timeBasedLinear.");
            }
        }
        Some(TrafficRoutingType::TimeBasedCanary) => {
            let Some(c) = &cfg.time_based_canary else {
                return bad("TimeBasedCanary needs timeBasedCanary.");
            };
            if cfg.time_based_linear.is_some() {
                return bad("TimeBasedCanary does not take timeBasedLinear.");
            }
            if !pct_ok(c.canary_percentage) || !minutes_ok(c.canary_interval) {
                return bad(
                    "canaryPercentage must be 1 to 99 and canaryInterval 1 to 2880 minutes.",
                );
            }
        }
        Some(TrafficRoutingType::TimeBasedLinear) => {
            let Some(l) = &cfg.time_based_linear else {
                return bad("TimeBasedLinear needs timeBasedLinear.");
            };
            if cfg.time_based_canary.is_some() {
                return bad("TimeBasedLinear does not take timeBasedCanary.");
            }
            let (Some(p), Some(i)) = (l.linear_percentage, l.linear_interval) else {
                return bad("timeBasedLinear needs linearPercentage and linearInterval.");
            };
            if !pct_ok(Some(p)) || i < 1 {
                return bad(
                    "linearPercentage must be 1 to 99 and linearInterval at least 1 minute.",
                );
            }
            let shifts = (100 + p - 1) / p;
            if (shifts - 1) as i64 * i as i64 > 2880 {
                return bad("Traffic shifting may take at most 2880 minutes from the first shift to the last.");
            }
        }
        Some(other) => {
            return bad(&format!(
                "'{other}' is not TimeBasedCanary, TimeBasedLinear or AllAtOnce."
            ))
        }
        None => return bad("trafficRoutingConfig needs a type."),
    }
    Ok(())
}

pub fn zonal_config(cfg: &ZonalConfig) -> ApiResult<()> {
    let bad = |why: &str| {
        err(
            Exception::InvalidZonalDeploymentConfiguration,
            why.to_string(),
        )
    };
    if cfg
        .first_zone_monitor_duration_in_seconds
        .is_some_and(|d| d < 0)
        || cfg.monitor_duration_in_seconds.is_some_and(|d| d < 0)
    {
        return bad("Monitor durations must be 0 seconds or more.");
    }
    if let Some(m) = &cfg.minimum_healthy_hosts_per_zone {
        let ok = match (&m.r#type, m.value) {
            (Some(MinimumHealthyHostsPerZoneType::HostCount), Some(v)) => v >= 0,
            (Some(MinimumHealthyHostsPerZoneType::FleetPercent), Some(v)) => (0..=99).contains(&v),
            _ => false,
        };
        if !ok {
            return bad("minimumHealthyHostsPerZone needs HOST_COUNT (0 or more) or FLEET_PERCENT (0 to 99) and a value.");
        }
    }
    Ok(())
}

/// Validates CreateDeploymentConfig and returns its platform.
pub fn create_deployment_config(input: &CreateDeploymentConfigInput) -> ApiResult<ComputePlatform> {
    custom_config_name(input.deployment_config_name.as_deref())?;
    let platform = compute_platform(input.compute_platform.as_ref())?;
    if platform == ComputePlatform::Server {
        if input.traffic_routing_config.is_some() {
            return err(
                Exception::InvalidTrafficRoutingConfiguration,
                "Server configurations use minimumHealthyHosts, not trafficRoutingConfig.",
            );
        }
        let Some(m) = &input.minimum_healthy_hosts else {
            return err(
                Exception::InvalidMinimumHealthyHostValue,
                "Server configurations need minimumHealthyHosts.",
            );
        };
        minimum_healthy_hosts(m)?;
        if let Some(z) = &input.zonal_config {
            zonal_config(z)?;
        }
    } else {
        if input.minimum_healthy_hosts.is_some() {
            return err(
                Exception::InvalidMinimumHealthyHostValue,
                format!(
                    "{platform} configurations use trafficRoutingConfig, not minimumHealthyHosts."
                ),
            );
        }
        if input.zonal_config.is_some() {
            return err(
                Exception::InvalidZonalDeploymentConfiguration,
                "zonalConfig applies only to Server configurations.",
            );
        }
        let Some(t) = &input.traffic_routing_config else {
            return err(
                Exception::InvalidTrafficRoutingConfiguration,
                format!("{platform} configurations need trafficRoutingConfig."),
            );
        };
        traffic_routing_config(t)?;
    }
    Ok(platform)
}

pub fn deployment_style(style: &DeploymentStyle) -> ApiResult<()> {
    if style
        .deployment_type
        .as_ref()
        .is_some_and(|t| !t.is_known())
        || style
            .deployment_option
            .as_ref()
            .is_some_and(|o| !o.is_known())
    {
        return err(Exception::InvalidDeploymentStyle, "deploymentType must be IN_PLACE or BLUE_GREEN and deploymentOption WITH_TRAFFIC_CONTROL or WITHOUT_TRAFFIC_CONTROL.");
    }
    Ok(())
}

pub fn load_balancer_info(lb: &LoadBalancerInfo) -> ApiResult<()> {
    let bad = |why: &str| err(Exception::InvalidLoadBalancerInfo, why.to_string());
    let elbs = lb.elb_info_list.as_deref().unwrap_or_default();
    let tgs = lb.target_group_info_list.as_deref().unwrap_or_default();
    if elbs.len() > 10 || tgs.len() > 10 {
        return bad("loadBalancerInfo holds at most 10 load balancers and 10 target groups.");
    }
    if elbs
        .iter()
        .any(|e| e.name.as_deref().is_none_or(str::is_empty))
        || tgs
            .iter()
            .any(|t| t.name.as_deref().is_none_or(str::is_empty))
    {
        return bad("Every load balancer and target group needs a name.");
    }
    let pairs = lb
        .target_group_pair_info_list
        .as_deref()
        .unwrap_or_default();
    let pair_bad = |why: &str| err(Exception::InvalidTargetGroupPair, why.to_string());
    if pairs.len() > 1 {
        return pair_bad("targetGroupPairInfoList holds exactly one pair.");
    }
    for p in pairs {
        let groups = p.target_groups.as_deref().unwrap_or_default();
        if groups.len() != 2
            || groups
                .iter()
                .any(|g| g.name.as_deref().is_none_or(str::is_empty))
        {
            return pair_bad("A target group pair needs exactly 2 named target groups.");
        }
        let prod = p
            .prod_traffic_route
            .as_ref()
            .and_then(|r| r.listener_arns.as_deref())
            .unwrap_or_default();
        if prod.len() != 1 {
            return pair_bad("prodTrafficRoute needs exactly 1 listener ARN.");
        }
        if let Some(test) = &p.test_traffic_route {
            if test.listener_arns.as_deref().unwrap_or_default().len() != 1 {
                return pair_bad("testTrafficRoute needs exactly 1 listener ARN.");
            }
        }
    }
    Ok(())
}

/// Blue/green options. Waits are capped at 2880 minutes for termination and
/// 7200 (ECS's 120 hours) for readiness; EC2's tighter 48 h applies at run time.
pub fn blue_green_configuration(cfg: &BlueGreenDeploymentConfiguration) -> ApiResult<()> {
    let bad = |why: &str| {
        err(
            Exception::InvalidBlueGreenDeploymentConfiguration,
            why.to_string(),
        )
    };
    if let Some(t) = &cfg.terminate_blue_instances_on_deployment_success {
        if t.action.as_ref().is_some_and(|a| !a.is_known()) {
            return bad(
                "terminateBlueInstancesOnDeploymentSuccess.action must be TERMINATE or KEEP_ALIVE.",
            );
        }
        if t.termination_wait_time_in_minutes
            .is_some_and(|m| !(0..=2880).contains(&m))
        {
            return bad("terminationWaitTimeInMinutes must be within 0 to 2880.");
        }
    }
    if let Some(r) = &cfg.deployment_ready_option {
        if r.action_on_timeout.as_ref().is_some_and(|a| !a.is_known()) {
            return bad("deploymentReadyOption.actionOnTimeout must be CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT.");
        }
        if r.wait_time_in_minutes
            .is_some_and(|m| !(0..=7200).contains(&m))
        {
            return bad("waitTimeInMinutes must be within 0 to 7200.");
        }
    }
    if let Some(g) = &cfg.green_fleet_provisioning_option {
        if g.action.as_ref().is_some_and(|a| !a.is_known()) {
            return bad("greenFleetProvisioningOption.action must be DISCOVER_EXISTING or COPY_AUTO_SCALING_GROUP.");
        }
    }
    Ok(())
}

pub fn auto_scaling_group_names(names: &[String]) -> ApiResult<()> {
    if names.len() > 10 {
        return err(
            Exception::InvalidAutoScalingGroup,
            format!(
                "A deployment group may use at most 10 Auto Scaling groups; {} were given.",
                names.len()
            ),
        );
    }
    if names.iter().any(|n| n.is_empty()) {
        return err(
            Exception::InvalidAutoScalingGroup,
            "An Auto Scaling group name is empty.",
        );
    }
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

/// A revision location, for the application's platform.
pub fn revision(rev: &RevisionLocation, platform: &ComputePlatform) -> ApiResult<()> {
    let server = *platform == ComputePlatform::Server;
    match &rev.revision_type {
        None => err(
            Exception::RevisionRequired,
            "revision.revisionType is required.",
        ),
        Some(RevisionLocationType::S3) => s3_revision(rev, platform),
        Some(RevisionLocationType::GitHub) => {
            if !server {
                return bad_revision(format!(
                    "GitHub revisions are for Server applications, not {platform}."
                ));
            }
            github_revision(rev)
        }
        Some(RevisionLocationType::String) => {
            if *platform != ComputePlatform::Lambda {
                return bad_revision(format!(
                    "String revisions are for Lambda applications, not {platform}."
                ));
            }
            if rev
                .string
                .as_ref()
                .and_then(|s| s.content.as_deref())
                .is_none_or(str::is_empty)
            {
                return bad_revision("A String revision needs string.content.".into());
            }
            Ok(())
        }
        Some(RevisionLocationType::AppSpecContent) => {
            if server {
                return bad_revision(
                    "AppSpecContent revisions are for Lambda and ECS applications.".into(),
                );
            }
            if rev
                .app_spec_content
                .as_ref()
                .and_then(|s| s.content.as_deref())
                .is_none_or(str::is_empty)
            {
                return bad_revision(
                    "An AppSpecContent revision needs appSpecContent.content.".into(),
                );
            }
            Ok(())
        }
        Some(other) => bad_revision(format!(
            "'{other}' is not a revision type (S3, GitHub, String, AppSpecContent)."
        )),
    }
}

fn bad_revision(why: String) -> ApiResult<()> {
    err(Exception::InvalidRevision, why)
}

/// An S3 revision: bucket, key, and a bundle type the platform reads.
fn s3_revision(rev: &RevisionLocation, platform: &ComputePlatform) -> ApiResult<()> {
    let server = *platform == ComputePlatform::Server;
    let Some(s3) = &rev.s3_location else {
        return bad_revision("An S3 revision needs s3Location.".into());
    };
    if s3.bucket.as_deref().is_none_or(str::is_empty) || s3.key.as_deref().is_none_or(str::is_empty)
    {
        return bad_revision("s3Location needs a bucket and a key.".into());
    }
    match (&s3.bundle_type, server) {
        (None, true) => Ok(()),
        (Some(BundleType::Tar | BundleType::Tgz | BundleType::Zip), true) => Ok(()),
        (Some(BundleType::Yaml | BundleType::Json), false) => Ok(()),
        (b, _) => bad_revision(format!(
            "bundleType {} is not valid for {platform}: use {}.",
            b.as_ref()
                .map(|b| b.to_string())
                .unwrap_or_else(|| "(none)".into()),
            if server {
                "tar, tgz or zip"
            } else {
                "YAML or JSON"
            }
        )),
    }
}

/// A GitHub revision: repository "account/repo" and a commit.
fn github_revision(rev: &RevisionLocation) -> ApiResult<()> {
    let gh = rev.git_hub_location.as_ref();
    let repo_ok = gh
        .and_then(|g| g.repository.as_deref())
        .is_some_and(|r| r.split('/').filter(|p| !p.is_empty()).count() == 2);
    if !repo_ok
        || gh
            .and_then(|g| g.commit_id.as_deref())
            .is_none_or(str::is_empty)
    {
        return bad_revision(
            "gitHubLocation needs repository \"account/repo\" and commitId.".into(),
        );
    }
    Ok(())
}

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

fn non_empty<T>(v: Option<&Vec<T>>) -> bool {
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

/// Parsed ListDeploymentTargets filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetFilters {
    pub statuses: Vec<TargetStatus>,
    pub labels: Vec<TargetLabel>,
}

pub fn target_filters(filters: &BTreeMap<String, Vec<String>>) -> ApiResult<TargetFilters> {
    let mut out = TargetFilters::default();
    for (key, values) in filters {
        match key.as_str() {
            "TargetStatus" => {
                for v in values {
                    let s = TargetStatus::parse(v);
                    if !s.is_known() {
                        return err(
                            Exception::InvalidInstanceStatus,
                            format!("'{v}' is not a target status."),
                        );
                    }
                    out.statuses.push(s);
                }
            }
            "ServerInstanceLabel" => {
                for v in values {
                    let l = TargetLabel::parse(v);
                    if !l.is_known() {
                        return err(
                            Exception::InvalidInstanceType,
                            format!("'{v}' is not a server instance label (Blue or Green)."),
                        );
                    }
                    out.labels.push(l);
                }
            }
            other => {
                return err(
                    Exception::InvalidTargetFilterName,
                    format!(
                        "'{other}' is not a target filter (TargetStatus or ServerInstanceLabel)."
                    ),
                )
            }
        }
    }
    Ok(out)
}

/// A createTimeRange as inclusive millisecond bounds.
pub fn time_range(r: &TimeRange) -> ApiResult<(Option<Millis>, Option<Millis>)> {
    let (start, end) = (r.start.map(|t| t.0), r.end.map(|t| t.0));
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return err(
                Exception::InvalidTimeRange,
                "createTimeRange.start is after createTimeRange.end.",
            );
        }
    }
    Ok((start, end))
}

pub fn deployment_statuses(s: &[DeploymentStatus]) -> ApiResult<()> {
    match s.iter().find(|s| !s.is_known()) {
        Some(bad) => err(
            Exception::InvalidDeploymentStatus,
            format!("'{bad}' is not a deployment status."),
        ),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exc<T: std::fmt::Debug>(r: ApiResult<T>) -> Exception {
        r.unwrap_err().exception
    }

    #[test]
    fn names() {
        assert_eq!(
            application_name(Some("my-app_1.@=+,")).unwrap(),
            "my-app_1.@=+,"
        );
        assert_eq!(
            exc(application_name(None)),
            Exception::ApplicationNameRequired
        );
        assert_eq!(
            exc(application_name(Some(""))),
            Exception::ApplicationNameRequired
        );
        assert_eq!(
            exc(application_name(Some("a b"))),
            Exception::InvalidApplicationName
        );
        assert_eq!(
            exc(application_name(Some(&"a".repeat(101)))),
            Exception::InvalidApplicationName
        );
        assert_eq!(
            exc(deployment_group_name(Some("x/y"))),
            Exception::InvalidDeploymentGroupName
        );
        assert_eq!(
            exc(custom_config_name(Some("CodeDeployDefault.Mine"))),
            Exception::InvalidDeploymentConfigName
        );
        assert_eq!(
            exc(deployment_id(Some("d-abc"))),
            Exception::InvalidDeploymentId
        );
        assert_eq!(exc(deployment_id(None)), Exception::DeploymentIdRequired);
        assert!(deployment_id(Some("d-ABCDEF123")).is_ok());
    }

    #[test]
    fn roles_and_platforms() {
        assert!(
            service_role_arn(Some("arn:aws:iam::000000000000:role/codedeploy-role"), true).is_ok()
        );
        assert_eq!(exc(service_role_arn(None, true)), Exception::RoleRequired);
        assert_eq!(
            exc(service_role_arn(Some("role"), true)),
            Exception::InvalidRole
        );
        assert!(service_role_arn(None, false).is_ok());
        assert_eq!(compute_platform(None).unwrap(), ComputePlatform::Server);
        assert_eq!(
            exc(compute_platform(Some(&ComputePlatform::parse(
                "Kubernetes"
            )))),
            Exception::InvalidComputePlatform
        );
        assert_eq!(
            exc(description(Some(&"x".repeat(257)))),
            Exception::DescriptionTooLong
        );
    }

    #[test]
    fn tag_filters_and_sets() {
        let f = |k: Option<&str>, v: Option<&str>, t: &str| EC2TagFilter {
            key: k.map(Into::into),
            value: v.map(Into::into),
            r#type: Some(EC2TagFilterType::parse(t)),
        };
        assert!(ec2_tag_filters(&[f(Some("Name"), Some("web"), "KEY_AND_VALUE")]).is_ok());
        assert_eq!(
            exc(ec2_tag_filters(&[f(Some("Name"), None, "KEY_AND_VALUE")])),
            Exception::InvalidEC2Tag
        );
        assert_eq!(
            exc(ec2_tag_filters(&[f(Some("Name"), None, "BOGUS")])),
            Exception::InvalidEC2Tag
        );
        assert_eq!(
            exc(ec2_tag_filters(&[f(None, None, "VALUE_ONLY")])),
            Exception::InvalidEC2Tag
        );
        let set = EC2TagSet {
            ec2_tag_set_list: Some(vec![vec![f(Some("a"), None, "KEY_ONLY")]; 4]),
        };
        assert_eq!(exc(ec2_tag_set(&set)), Exception::TagSetListLimitExceeded);
        let both = CreateDeploymentGroupInput {
            ec2_tag_filters: Some(vec![f(Some("a"), None, "KEY_ONLY")]),
            ec2_tag_set: Some(EC2TagSet {
                ec2_tag_set_list: Some(vec![vec![f(Some("a"), None, "KEY_ONLY")]]),
            }),
            ..Default::default()
        };
        assert_eq!(
            exc(deployment_group_members(
                &GroupMembers::from(&both),
                &ComputePlatform::Server,
                false
            )),
            Exception::InvalidEC2TagCombination
        );
    }

    #[test]
    fn alarms_rollback_triggers() {
        let alarm = |n: &str| Alarm {
            name: Some(n.into()),
        };
        let cfg = |enabled, alarms: Vec<Alarm>| AlarmConfiguration {
            enabled: Some(enabled),
            ignore_poll_alarm_failure: None,
            alarms: Some(alarms),
        };
        assert!(alarm_configuration(&cfg(true, vec![alarm("a")])).is_ok());
        assert_eq!(
            exc(alarm_configuration(&cfg(true, vec![]))),
            Exception::InvalidAlarmConfig
        );
        assert_eq!(
            exc(alarm_configuration(&cfg(
                false,
                vec![alarm("a"), alarm("a")]
            ))),
            Exception::InvalidAlarmConfig
        );
        assert_eq!(
            exc(alarm_configuration(&cfg(
                false,
                (0..11).map(|i| alarm(&i.to_string())).collect()
            ))),
            Exception::AlarmsLimitExceeded
        );
        let rb = AutoRollbackConfiguration {
            enabled: Some(true),
            events: Some(vec![]),
        };
        assert_eq!(
            exc(auto_rollback_configuration(&rb)),
            Exception::InvalidAutoRollbackConfig
        );
        let t = TriggerConfig {
            trigger_name: Some("t".into()),
            trigger_target_arn: Some("arn:aws:sns:us-east-1:000000000000:topic".into()),
            trigger_events: Some(vec![TriggerEventType::DeploymentStart]),
        };
        assert!(trigger_configurations(std::slice::from_ref(&t)).is_ok());
        assert_eq!(
            exc(trigger_configurations(&[t.clone(), t.clone()])),
            Exception::InvalidTriggerConfig
        );
        assert_eq!(
            exc(trigger_configurations(&vec![t; 11])),
            Exception::TriggerTargetsLimitExceeded
        );
    }

    #[test]
    fn configs() {
        let mhh = |t: &str, v| MinimumHealthyHosts {
            r#type: Some(MinimumHealthyHostsType::parse(t)),
            value: Some(v),
        };
        assert!(minimum_healthy_hosts(&mhh("FLEET_PERCENT", 99)).is_ok());
        assert_eq!(
            exc(minimum_healthy_hosts(&mhh("FLEET_PERCENT", 100))),
            Exception::InvalidMinimumHealthyHostValue
        );
        assert_eq!(
            exc(minimum_healthy_hosts(&mhh("HOST_COUNT", -1))),
            Exception::InvalidMinimumHealthyHostValue
        );
        let linear = |p, i| TrafficRoutingConfig {
            r#type: Some(TrafficRoutingType::TimeBasedLinear),
            time_based_linear: Some(TimeBasedLinear {
                linear_percentage: Some(p),
                linear_interval: Some(i),
            }),
            time_based_canary: None,
        };
        assert!(traffic_routing_config(&linear(10, 320)).is_ok());
        assert_eq!(
            exc(traffic_routing_config(&linear(10, 321))),
            Exception::InvalidTrafficRoutingConfiguration
        );
        assert_eq!(
            exc(traffic_routing_config(&linear(100, 1))),
            Exception::InvalidTrafficRoutingConfiguration
        );
        let server_with_routing = CreateDeploymentConfigInput {
            deployment_config_name: Some("x".into()),
            traffic_routing_config: Some(linear(10, 1)),
            ..Default::default()
        };
        assert_eq!(
            exc(create_deployment_config(&server_with_routing)),
            Exception::InvalidTrafficRoutingConfiguration
        );
        let lambda_no_routing = CreateDeploymentConfigInput {
            deployment_config_name: Some("x".into()),
            compute_platform: Some(ComputePlatform::Lambda),
            ..Default::default()
        };
        assert_eq!(
            exc(create_deployment_config(&lambda_no_routing)),
            Exception::InvalidTrafficRoutingConfiguration
        );
    }

    #[test]
    fn revisions_per_platform() {
        let s3 = |b: Option<BundleType>| RevisionLocation {
            revision_type: Some(RevisionLocationType::S3),
            s3_location: Some(S3Location {
                bucket: Some("b".into()),
                key: Some("k".into()),
                bundle_type: b,
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(revision(&s3(Some(BundleType::Zip)), &ComputePlatform::Server).is_ok());
        assert_eq!(
            exc(revision(
                &s3(Some(BundleType::Yaml)),
                &ComputePlatform::Server
            )),
            Exception::InvalidRevision
        );
        assert!(revision(&s3(Some(BundleType::Yaml)), &ComputePlatform::Lambda).is_ok());
        let content = RevisionLocation {
            revision_type: Some(RevisionLocationType::AppSpecContent),
            app_spec_content: Some(AppSpecContent {
                content: Some("x".into()),
                sha256: None,
            }),
            ..Default::default()
        };
        assert_eq!(
            exc(revision(&content, &ComputePlatform::Server)),
            Exception::InvalidRevision
        );
        assert_eq!(
            exc(revision(
                &RevisionLocation::default(),
                &ComputePlatform::Server
            )),
            Exception::RevisionRequired
        );
    }

    #[test]
    fn deployment_flags_and_filters() {
        let lambda = CreateDeploymentInput {
            ignore_application_stop_failures: Some(true),
            ..Default::default()
        };
        assert_eq!(
            exc(create_deployment_flags(&lambda, &ComputePlatform::Lambda)),
            Exception::InvalidIgnoreApplicationStopFailuresValue
        );
        assert!(create_deployment_flags(&lambda, &ComputePlatform::Server).is_ok());
        let mut f = BTreeMap::new();
        f.insert("TargetStatus".to_string(), vec!["Failed".to_string()]);
        assert_eq!(
            target_filters(&f).unwrap().statuses,
            vec![TargetStatus::Failed]
        );
        f.insert("Bogus".to_string(), vec![]);
        assert_eq!(exc(target_filters(&f)), Exception::InvalidTargetFilterName);
        assert_eq!(
            exc(time_range(&TimeRange {
                start: Some(Timestamp(2)),
                end: Some(Timestamp(1))
            })),
            Exception::InvalidTimeRange
        );
    }
}
