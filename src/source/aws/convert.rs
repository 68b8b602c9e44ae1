//! The one place SDK types become the project's model types (and, for the
//! calls the dashboard makes, back). Enums go through their wire strings, so
//! a value the model does not know still arrives as `UnknownValue`.

use aws_sdk_codedeploy::types as sdk;
use aws_smithy_types::DateTime;

use crate::model::time::{Millis, Timestamp};
use crate::model::*;

/// A model enum from the SDK's, by wire name.
macro_rules! wire {
    ($ty:ident, $v:expr) => {
        $v.map(|v| $ty::parse(v.as_str()))
    };
}

/// Epoch milliseconds of an SDK time. The wire carries seconds with a
/// millisecond fraction as a float, so the nearest millisecond is the one sent.
pub fn millis(t: &DateTime) -> Millis {
    (t.as_secs_f64() * 1000.0).round() as Millis
}

fn ts(t: Option<&DateTime>) -> Option<Timestamp> {
    t.map(|t| Timestamp(millis(t)))
}

fn text(s: Option<&str>) -> Option<String> {
    s.map(String::from)
}

pub fn application(a: &sdk::ApplicationInfo) -> ApplicationInfo {
    ApplicationInfo {
        application_id: text(a.application_id()),
        application_name: text(a.application_name()),
        create_time: ts(a.create_time()),
        linked_to_git_hub: Some(a.linked_to_git_hub()),
        git_hub_account_name: text(a.git_hub_account_name()),
        compute_platform: wire!(ComputePlatform, a.compute_platform()),
    }
}

pub fn group(g: &sdk::DeploymentGroupInfo) -> DeploymentGroupInfo {
    DeploymentGroupInfo {
        application_name: text(g.application_name()),
        deployment_group_id: text(g.deployment_group_id()),
        deployment_group_name: text(g.deployment_group_name()),
        deployment_config_name: text(g.deployment_config_name()),
        service_role_arn: text(g.service_role_arn()),
        target_revision: g.target_revision().map(revision),
        alarm_configuration: g.alarm_configuration().map(|a| AlarmConfiguration {
            enabled: Some(a.enabled()),
            ignore_poll_alarm_failure: Some(a.ignore_poll_alarm_failure()),
            alarms: Some(
                a.alarms()
                    .iter()
                    .map(|x| Alarm {
                        name: text(x.name()),
                    })
                    .collect(),
            ),
        }),
        deployment_style: g.deployment_style().map(style),
        blue_green_deployment_configuration: g
            .blue_green_deployment_configuration()
            .map(blue_green),
        last_successful_deployment: g.last_successful_deployment().map(last),
        last_attempted_deployment: g.last_attempted_deployment().map(last),
        compute_platform: wire!(ComputePlatform, g.compute_platform()),
        ..Default::default()
    }
}

fn last(l: &sdk::LastDeploymentInfo) -> LastDeploymentInfo {
    LastDeploymentInfo {
        deployment_id: text(l.deployment_id()),
        status: wire!(DeploymentStatus, l.status()),
        end_time: ts(l.end_time()),
        create_time: ts(l.create_time()),
    }
}

fn style(s: &sdk::DeploymentStyle) -> DeploymentStyle {
    DeploymentStyle {
        deployment_type: wire!(DeploymentType, s.deployment_type()),
        deployment_option: wire!(DeploymentOption, s.deployment_option()),
    }
}

fn blue_green(b: &sdk::BlueGreenDeploymentConfiguration) -> BlueGreenDeploymentConfiguration {
    BlueGreenDeploymentConfiguration {
        terminate_blue_instances_on_deployment_success: b
            .terminate_blue_instances_on_deployment_success()
            .map(|t| BlueInstanceTerminationOption {
                action: wire!(InstanceAction, t.action()),
                termination_wait_time_in_minutes: Some(t.termination_wait_time_in_minutes()),
            }),
        deployment_ready_option: b.deployment_ready_option().map(|r| DeploymentReadyOption {
            action_on_timeout: wire!(DeploymentReadyAction, r.action_on_timeout()),
            wait_time_in_minutes: Some(r.wait_time_in_minutes()),
        }),
        green_fleet_provisioning_option: b.green_fleet_provisioning_option().map(|g| {
            GreenFleetProvisioningOption {
                action: wire!(GreenFleetProvisioningAction, g.action()),
            }
        }),
    }
}

pub fn deployment(d: &sdk::DeploymentInfo) -> DeploymentInfo {
    DeploymentInfo {
        application_name: text(d.application_name()),
        deployment_group_name: text(d.deployment_group_name()),
        deployment_config_name: text(d.deployment_config_name()),
        deployment_id: text(d.deployment_id()),
        previous_revision: d.previous_revision().map(revision),
        revision: d.revision().map(revision),
        status: wire!(DeploymentStatus, d.status()),
        error_information: d.error_information().map(|e| ErrorInformation {
            code: wire!(ErrorCode, e.code()),
            message: text(e.message()),
        }),
        create_time: ts(d.create_time()),
        start_time: ts(d.start_time()),
        complete_time: ts(d.complete_time()),
        deployment_overview: d.deployment_overview().map(|o| DeploymentOverview {
            pending: Some(o.pending()),
            in_progress: Some(o.in_progress()),
            succeeded: Some(o.succeeded()),
            failed: Some(o.failed()),
            skipped: Some(o.skipped()),
            ready: Some(o.ready()),
        }),
        description: text(d.description()),
        creator: wire!(DeploymentCreator, d.creator()),
        ignore_application_stop_failures: Some(d.ignore_application_stop_failures()),
        rollback_info: d.rollback_info().map(|r| RollbackInfo {
            rollback_deployment_id: text(r.rollback_deployment_id()),
            rollback_triggering_deployment_id: text(r.rollback_triggering_deployment_id()),
            rollback_message: text(r.rollback_message()),
        }),
        deployment_style: d.deployment_style().map(style),
        instance_termination_wait_time_started: Some(d.instance_termination_wait_time_started()),
        blue_green_deployment_configuration: d
            .blue_green_deployment_configuration()
            .map(blue_green),
        compute_platform: wire!(ComputePlatform, d.compute_platform()),
        external_id: text(d.external_id()),
        ..Default::default()
    }
}

// String revisions are deprecated but old deployments still carry them.
#[allow(deprecated)]
pub fn revision(r: &sdk::RevisionLocation) -> RevisionLocation {
    RevisionLocation {
        revision_type: wire!(RevisionLocationType, r.revision_type()),
        s3_location: r.s3_location().map(|s| S3Location {
            bucket: text(s.bucket()),
            key: text(s.key()),
            bundle_type: wire!(BundleType, s.bundle_type()),
            version: text(s.version()),
            e_tag: text(s.e_tag()),
        }),
        git_hub_location: r.git_hub_location().map(|g| GitHubLocation {
            repository: text(g.repository()),
            commit_id: text(g.commit_id()),
        }),
        string: r.string().map(|s| RawString {
            content: text(s.content()),
            sha256: text(s.sha256()),
        }),
        app_spec_content: r.app_spec_content().map(|a| AppSpecContent {
            content: text(a.content()),
            sha256: text(a.sha256()),
        }),
    }
}

pub fn config(c: &sdk::DeploymentConfigInfo) -> DeploymentConfigInfo {
    DeploymentConfigInfo {
        deployment_config_id: text(c.deployment_config_id()),
        deployment_config_name: text(c.deployment_config_name()),
        minimum_healthy_hosts: c.minimum_healthy_hosts().map(|m| MinimumHealthyHosts {
            r#type: wire!(MinimumHealthyHostsType, m.r#type()),
            value: Some(m.value()),
        }),
        create_time: ts(c.create_time()),
        compute_platform: wire!(ComputePlatform, c.compute_platform()),
        traffic_routing_config: c.traffic_routing_config().map(|t| TrafficRoutingConfig {
            r#type: wire!(TrafficRoutingType, t.r#type()),
            time_based_canary: t.time_based_canary().map(|c| TimeBasedCanary {
                canary_percentage: Some(c.canary_percentage()),
                canary_interval: Some(c.canary_interval()),
            }),
            time_based_linear: t.time_based_linear().map(|l| TimeBasedLinear {
                linear_percentage: Some(l.linear_percentage()),
                linear_interval: Some(l.linear_interval()),
            }),
        }),
        zonal_config: None,
    }
}

pub fn target(t: &sdk::DeploymentTarget) -> DeploymentTarget {
    DeploymentTarget {
        deployment_target_type: wire!(DeploymentTargetType, t.deployment_target_type()),
        instance_target: t.instance_target().map(|i| InstanceTarget {
            deployment_id: text(i.deployment_id()),
            target_id: text(i.target_id()),
            target_arn: text(i.target_arn()),
            status: wire!(TargetStatus, i.status()),
            last_updated_at: ts(i.last_updated_at()),
            lifecycle_events: Some(i.lifecycle_events().iter().map(event).collect()),
            instance_label: wire!(TargetLabel, i.instance_label()),
        }),
        lambda_target: t.lambda_target().map(|l| LambdaTarget {
            deployment_id: text(l.deployment_id()),
            target_id: text(l.target_id()),
            target_arn: text(l.target_arn()),
            status: wire!(TargetStatus, l.status()),
            last_updated_at: ts(l.last_updated_at()),
            lifecycle_events: Some(l.lifecycle_events().iter().map(event).collect()),
            lambda_function_info: l.lambda_function_info().map(|f| LambdaFunctionInfo {
                function_name: text(f.function_name()),
                function_alias: text(f.function_alias()),
                current_version: text(f.current_version()),
                target_version: text(f.target_version()),
                target_version_weight: Some(f.target_version_weight()),
            }),
        }),
        ecs_target: t.ecs_target().map(ecs),
        cloud_formation_target: None,
    }
}

fn ecs(e: &sdk::EcsTarget) -> ECSTarget {
    ECSTarget {
        deployment_id: text(e.deployment_id()),
        target_id: text(e.target_id()),
        target_arn: text(e.target_arn()),
        last_updated_at: ts(e.last_updated_at()),
        lifecycle_events: Some(e.lifecycle_events().iter().map(event).collect()),
        status: wire!(TargetStatus, e.status()),
        task_sets_info: Some(
            e.task_sets_info()
                .iter()
                .map(|s| ECSTaskSet {
                    identifer: text(s.identifer()),
                    desired_count: Some(s.desired_count()),
                    pending_count: Some(s.pending_count()),
                    running_count: Some(s.running_count()),
                    status: text(s.status()),
                    traffic_weight: Some(s.traffic_weight()),
                    target_group: s.target_group().map(|g| TargetGroupInfo {
                        name: text(g.name()),
                    }),
                    task_set_label: wire!(TargetLabel, s.task_set_label()),
                })
                .collect(),
        ),
    }
}

fn event(e: &sdk::LifecycleEvent) -> LifecycleEvent {
    LifecycleEvent {
        lifecycle_event_name: text(e.lifecycle_event_name()),
        diagnostics: e.diagnostics().map(|d| Diagnostics {
            error_code: wire!(LifecycleErrorCode, d.error_code()),
            script_name: text(d.script_name()),
            message: text(d.message()),
            log_tail: text(d.log_tail()),
        }),
        start_time: ts(e.start_time()),
        end_time: ts(e.end_time()),
        status: wire!(LifecycleEventStatus, e.status()),
    }
}

/// A revision as the SDK takes it (CreateDeployment).
#[allow(deprecated)]
pub fn sdk_revision(r: &RevisionLocation) -> sdk::RevisionLocation {
    let mut b = sdk::RevisionLocation::builder().set_revision_type(
        r.revision_type
            .as_ref()
            .map(|t| sdk::RevisionLocationType::from(t.as_str())),
    );
    if let Some(s) = &r.s3_location {
        b = b.s3_location(
            sdk::S3Location::builder()
                .set_bucket(s.bucket.clone())
                .set_key(s.key.clone())
                .set_bundle_type(s.bundle_type.as_ref().map(|t| t.as_str().into()))
                .set_version(s.version.clone())
                .set_e_tag(s.e_tag.clone())
                .build(),
        );
    }
    if let Some(g) = &r.git_hub_location {
        b = b.git_hub_location(
            sdk::GitHubLocation::builder()
                .set_repository(g.repository.clone())
                .set_commit_id(g.commit_id.clone())
                .build(),
        );
    }
    if let Some(s) = &r.string {
        b = b.string(
            sdk::RawString::builder()
                .set_content(s.content.clone())
                .set_sha256(s.sha256.clone())
                .build(),
        );
    }
    if let Some(a) = &r.app_spec_content {
        b = b.app_spec_content(
            sdk::AppSpecContent::builder()
                .set_content(a.content.clone())
                .set_sha256(a.sha256.clone())
                .build(),
        );
    }
    b.build()
}

/// The automatic rollback override of a CreateDeployment, as the SDK takes it.
pub fn sdk_auto_rollback(c: &AutoRollbackConfiguration) -> sdk::AutoRollbackConfiguration {
    sdk::AutoRollbackConfiguration::builder()
        .set_enabled(c.enabled)
        .set_events(
            c.events
                .as_ref()
                .map(|es| es.iter().map(|e| e.as_str().into()).collect()),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_unknown_enums_survive() {
        let t = DateTime::from_millis(1_700_000_000_123);
        assert_eq!(millis(&t), 1_700_000_000_123);
        let d = sdk::DeploymentInfo::builder()
            .deployment_id("d-ABCDEFGHI")
            .status(sdk::DeploymentStatus::from("Teleporting"))
            .create_time(t)
            .build();
        let m = deployment(&d);
        assert_eq!(
            m.status,
            Some(DeploymentStatus::UnknownValue("Teleporting".into()))
        );
        assert_eq!(m.create_time, Some(Timestamp(1_700_000_000_123)));
    }

    #[test]
    fn revisions_go_both_ways() {
        let r = crate::model::labels::parse_revision("s3://bucket/app.tgz").expect("rev");
        assert_eq!(revision(&sdk_revision(&r)), r);
    }
}
