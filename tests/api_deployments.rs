//! CreateDeployment, GetDeployment, BatchGetDeployments, ListDeployments,
//! StopDeployment, ContinueDeployment, SkipWaitTimeForInstanceTermination and
//! PutLifecycleEventHookExecutionStatus through the AWS SDK for Rust against
//! an in-process codedeck server: the success path, the typical errors,
//! queueing, automatic rollback, pagination.
//!
//! Deployments run on the sample fleet (`assets/fleet.toml`) at 1000x or more;
//! tests poll GetDeployment in bounded loops and never assert on timing.

// Deprecated operations and the InstanceStatus enum are part of the API
// under test.
#![allow(deprecated)]

mod common_api;

use std::collections::BTreeSet;

use aws_sdk_codedeploy::primitives::DateTime;
use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use codedeck::runtime::RuntimeOptions;
use common_api::*;

/// web-app with its prod group (Name=web: the three WEB hosts).
async fn web_app_prod(c: &Client) {
    create_app(c, "web-app", ComputePlatform::Server).await;
    ec2_group(c, "web-app", "prod", "Name", "web", None).await;
}

fn rev1() -> RevisionLocation {
    s3("releases", "web/app-1.zip")
}

fn rev2() -> RevisionLocation {
    s3("releases", "web/app-2.zip")
}

/// The first release to web-app/prod (rev1, described), run to its end.
async fn first_release(s: &ApiServer, c: &Client) -> (String, DeploymentInfo) {
    let d1 = c
        .create_deployment()
        .application_name("web-app")
        .deployment_group_name("prod")
        .revision(rev1())
        .description("first release")
        .send()
        .await
        .expect("CreateDeployment")
        .deployment_id()
        .expect("deploymentId")
        .to_string();
    let info = s.wait_deployment(c, &d1).await;
    (d1, info)
}

/// The second release to web-app/prod (rev2, AllAtOnce), run to its end.
async fn second_release(s: &ApiServer, c: &Client) -> (String, DeploymentInfo) {
    let d2 = deploy_with(c, "web-app", "prod", rev2(), "CodeDeployDefault.AllAtOnce").await;
    let info2 = s.wait_deployment(c, &d2).await;
    (d2, info2)
}

/// web-app/prod after both releases: the first's ID and info, the second's ID.
async fn two_releases(s: &ApiServer, c: &Client) -> (String, DeploymentInfo, String) {
    web_app_prod(c).await;
    let (d1, info) = first_release(s, c).await;
    let (d2, _) = second_release(s, c).await;
    (d1, info, d2)
}

/// A staging group (Name=web-staging) and rev1 deployed to it, run to its end.
async fn staging_release(s: &ApiServer, c: &Client) -> String {
    ec2_group(c, "web-app", "staging", "Name", "web-staging", None).await;
    let d3 = deploy(c, "web-app", "staging", rev1()).await;
    s.wait_deployment(c, &d3).await;
    d3
}

/// ListDeployments' IDs as a set.
fn id_set(
    out: &aws_sdk_codedeploy::operation::list_deployments::ListDeploymentsOutput,
) -> BTreeSet<&str> {
    out.deployments().iter().map(String::as_str).collect()
}

/// A deployment runs to success and GetDeployment reports what was deployed,
/// how and when.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_runs_to_success_and_get_deployment_reports_it() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_prod(&c).await;
    let (d1, info) = first_release(&s, &c).await;
    assert!(codedeck::model::ids::is_deployment_id(&d1), "{d1}");
    assert_eq!(
        info.status(),
        Some(&DeploymentStatus::Succeeded),
        "{info:?}"
    );
    assert_eq!(info.deployment_id(), Some(d1.as_str()));
    assert_eq!(info.application_name(), Some("web-app"));
    assert_eq!(info.deployment_group_name(), Some("prod"));
    assert_eq!(
        info.deployment_config_name(),
        Some("CodeDeployDefault.OneAtATime")
    );
    assert_eq!(info.creator(), Some(&DeploymentCreator::User));
    assert_eq!(info.description(), Some("first release"));
    assert_eq!(info.compute_platform(), Some(&ComputePlatform::Server));
    assert_eq!(info.revision(), Some(&rev1()));
    assert!(info.previous_revision().is_none());
    assert!(info.error_information().is_none());
    let o = info.deployment_overview().expect("deploymentOverview");
    assert_eq!(
        (
            o.succeeded(),
            o.failed(),
            o.pending(),
            o.in_progress(),
            o.skipped()
        ),
        (3, 0, 0, 0, 0)
    );
    let (created, started, completed) = (
        info.create_time().expect("createTime").as_secs_f64(),
        info.start_time().expect("startTime").as_secs_f64(),
        info.complete_time().expect("completeTime").as_secs_f64(),
    );
    assert!(created <= started && started <= completed);
    assert_eq!(
        info.deployment_style().and_then(|s| s.deployment_type()),
        Some(&DeploymentType::InPlace)
    );
    s.stop().await;
}

/// After a success the group targets its revision and remembers it as both
/// the last successful and the last attempted deployment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_successful_deployment_becomes_the_groups_target_and_last_success() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_prod(&c).await;
    let (d1, _) = first_release(&s, &c).await;
    let g = group_info(&c, "web-app", "prod").await;
    assert_eq!(g.target_revision(), Some(&rev1()));
    let last = g
        .last_successful_deployment()
        .expect("lastSuccessfulDeployment");
    assert_eq!(last.deployment_id(), Some(d1.as_str()));
    assert_eq!(last.status(), Some(&DeploymentStatus::Succeeded));
    assert_eq!(
        g.last_attempted_deployment()
            .and_then(|l| l.deployment_id()),
        Some(d1.as_str())
    );
    s.stop().await;
}

/// A second deployment records the previous revision and its own config.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_deployment_records_the_previous_revision() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_prod(&c).await;
    first_release(&s, &c).await;
    let (_, info2) = second_release(&s, &c).await;
    assert_eq!(info2.status(), Some(&DeploymentStatus::Succeeded));
    assert_eq!(info2.previous_revision(), Some(&rev1()));
    assert_eq!(
        info2.deployment_config_name(),
        Some("CodeDeployDefault.AllAtOnce")
    );
    s.stop().await;
}

/// BatchGetDeployments leaves unknown IDs out and refuses more than 25 IDs,
/// a malformed ID and none at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_get_deployments_skips_unknown_ids_and_rejects_bad_requests() {
    let s = ApiServer::start().await;
    let c = s.client();
    let (d1, _, d2) = two_releases(&s, &c).await;
    let batch = c
        .batch_get_deployments()
        .deployment_ids(&d1)
        .deployment_ids("d-ZZZZZZZZZ")
        .deployment_ids(&d2)
        .send()
        .await
        .expect("BatchGetDeployments");
    let ids: Vec<&str> = batch
        .deployments_info()
        .iter()
        .filter_map(|d| d.deployment_id())
        .collect();
    assert_eq!(ids, [d1.as_str(), d2.as_str()]);
    let e = c
        .batch_get_deployments()
        .set_deployment_ids(Some((0..26).map(|i| format!("d-{i:09}")).collect()))
        .send()
        .await
        .expect_err("26 IDs");
    assert!(e.into_service_error().is_batch_limit_exceeded_exception());
    assert_code(
        c.batch_get_deployments()
            .deployment_ids("nope")
            .send()
            .await,
        "InvalidDeploymentIdException",
    );
    assert_code(
        c.batch_get_deployments().send().await,
        "DeploymentIdRequiredException",
    );
    s.stop().await;
}

/// ListDeployments lists every deployment, or one group's, or those with
/// the given statuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_deployments_filters_by_group_and_status() {
    let s = ApiServer::start().await;
    let c = s.client();
    let (d1, _, d2) = two_releases(&s, &c).await;
    let all = c.list_deployments().send().await.expect("ListDeployments");
    assert_eq!(id_set(&all), BTreeSet::from([d1.as_str(), d2.as_str()]));
    let d3 = staging_release(&s, &c).await;
    let prod = c
        .list_deployments()
        .application_name("web-app")
        .deployment_group_name("prod")
        .send()
        .await
        .expect("ListDeployments prod");
    assert_eq!(id_set(&prod), BTreeSet::from([d1.as_str(), d2.as_str()]));
    let staging = c
        .list_deployments()
        .application_name("web-app")
        .deployment_group_name("staging")
        .send()
        .await
        .expect("ListDeployments staging");
    assert_eq!(staging.deployments(), std::slice::from_ref(&d3));
    let ok = c
        .list_deployments()
        .include_only_statuses(DeploymentStatus::Succeeded)
        .send()
        .await
        .expect("ListDeployments Succeeded");
    assert_eq!(ok.deployments().len(), 3);
    let failed = c
        .list_deployments()
        .include_only_statuses(DeploymentStatus::Failed)
        .include_only_statuses(DeploymentStatus::Stopped)
        .send()
        .await
        .expect("ListDeployments Failed");
    assert!(failed.deployments().is_empty());
    s.stop().await;
}

/// ListDeployments' createTimeRange (closed, open-ended, in the past) and
/// externalId filters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_deployments_filters_by_create_time_and_external_id() {
    let s = ApiServer::start().await;
    let c = s.client();
    let (d1, info, _) = two_releases(&s, &c).await;
    staging_release(&s, &c).await;
    let t = info.create_time().expect("createTime").as_secs_f64();
    let around = c
        .list_deployments()
        .application_name("web-app")
        .deployment_group_name("prod")
        .create_time_range(
            TimeRange::builder()
                .start(DateTime::from_secs_f64(t - 0.0005))
                .end(DateTime::from_secs_f64(t + 0.0005))
                .build(),
        )
        .send()
        .await
        .expect("ListDeployments createTimeRange");
    assert_eq!(around.deployments(), std::slice::from_ref(&d1));
    let only_start = c
        .list_deployments()
        .create_time_range(
            TimeRange::builder()
                .start(DateTime::from_secs_f64(t - 1.0))
                .build(),
        )
        .send()
        .await
        .expect("ListDeployments open-ended range");
    assert_eq!(only_start.deployments().len(), 3);
    let past = c
        .list_deployments()
        .create_time_range(
            TimeRange::builder()
                .start(DateTime::from_secs(1_000_000_000))
                .end(DateTime::from_secs(1_000_000_100))
                .build(),
        )
        .send()
        .await
        .expect("ListDeployments past range");
    assert!(past.deployments().is_empty());
    let ext = c
        .list_deployments()
        .external_id("cfn-stack-1")
        .send()
        .await
        .expect("ListDeployments externalId");
    assert!(ext.deployments().is_empty());
    s.stop().await;
}

/// ListDeployments refuses a reversed time range, an unknown status, an
/// application without a group and unknown names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_deployments_rejects_bad_ranges_statuses_and_names() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_prod(&c).await;
    assert_code(
        c.list_deployments()
            .create_time_range(
                TimeRange::builder()
                    .start(DateTime::from_secs(2_000_000_000))
                    .end(DateTime::from_secs(1_000_000_000))
                    .build(),
            )
            .send()
            .await,
        "InvalidTimeRangeException",
    );
    assert_code(
        c.list_deployments()
            .include_only_statuses(DeploymentStatus::from("Sleeping"))
            .send()
            .await,
        "InvalidDeploymentStatusException",
    );
    assert_code(
        c.list_deployments()
            .application_name("web-app")
            .send()
            .await,
        "DeploymentGroupNameRequiredException",
    );
    assert_code(
        c.list_deployments()
            .application_name("web-app")
            .deployment_group_name("nope")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_code(
        c.list_deployments()
            .application_name("nope")
            .deployment_group_name("prod")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    s.stop().await;
}

/// GetDeployment refuses a malformed ID, an unknown ID and no ID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deployment_rejects_bad_unknown_and_missing_ids() {
    let s = ApiServer::start().await;
    let c = s.client();
    let e = c
        .get_deployment()
        .deployment_id("nope")
        .send()
        .await
        .expect_err("bad ID");
    assert!(e.into_service_error().is_invalid_deployment_id_exception());
    let e = c
        .get_deployment()
        .deployment_id("d-ZZZZZZZZZ")
        .send()
        .await
        .expect_err("unknown ID");
    assert!(e
        .into_service_error()
        .is_deployment_does_not_exist_exception());
    let r = s.raw("GetDeployment", "{}").await;
    assert_eq!(r.error_type(), "DeploymentIdRequiredException");
    s.stop().await;
}

/// Finished deployments cannot be stopped, continued or skipped; unknown,
/// malformed and missing IDs are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_deployments_cannot_be_stopped_continued_or_skipped() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_prod(&c).await;
    let (d1, _) = first_release(&s, &c).await;
    let e = c
        .stop_deployment()
        .deployment_id(&d1)
        .send()
        .await
        .expect_err("finished");
    assert!(e
        .into_service_error()
        .is_deployment_already_completed_exception());
    assert_code(
        c.continue_deployment().deployment_id(&d1).send().await,
        "DeploymentAlreadyCompletedException",
    );
    assert_code(
        c.skip_wait_time_for_instance_termination()
            .deployment_id(&d1)
            .send()
            .await,
        "DeploymentAlreadyCompletedException",
    );
    assert_code(
        c.stop_deployment()
            .deployment_id("d-ZZZZZZZZZ")
            .send()
            .await,
        "DeploymentDoesNotExistException",
    );
    assert_code(
        c.continue_deployment().deployment_id("nope").send().await,
        "InvalidDeploymentIdException",
    );
    assert_code(
        c.skip_wait_time_for_instance_termination()
            .deployment_id("d-ZZZZZZZZZ")
            .send()
            .await,
        "DeploymentDoesNotExistException",
    );
    assert_code(
        c.continue_deployment().send().await,
        "DeploymentIdRequiredException",
    );
    s.stop().await;
}

/// A Server deployment has no hook executions to report on; unknown and
/// missing deployment IDs are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_lifecycle_event_hook_execution_status_is_refused_for_server_deployments() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_prod(&c).await;
    let (d1, _) = first_release(&s, &c).await;
    let e = c
        .put_lifecycle_event_hook_execution_status()
        .deployment_id(&d1)
        .lifecycle_event_hook_execution_id("hook-1")
        .status(LifecycleEventStatus::Succeeded)
        .send()
        .await
        .expect_err("Server deployment");
    assert!(e
        .into_service_error()
        .is_unsupported_action_for_deployment_type_exception());
    assert_code(
        c.put_lifecycle_event_hook_execution_status()
            .deployment_id("d-ZZZZZZZZZ")
            .lifecycle_event_hook_execution_id("hook-1")
            .status(LifecycleEventStatus::Succeeded)
            .send()
            .await,
        "DeploymentDoesNotExistException",
    );
    assert_code(
        c.put_lifecycle_event_hook_execution_status()
            .lifecycle_event_hook_execution_id("hook-1")
            .status(LifecycleEventStatus::Succeeded)
            .send()
            .await,
        "DeploymentIdRequiredException",
    );
    s.stop().await;
}

/// web-app with prod and a fresh group (Name=web) that has no target revision.
async fn web_app_fresh(c: &Client) {
    web_app_prod(c).await;
    ec2_group(c, "web-app", "fresh", "Name", "web", None).await;
}

/// CreateDeployment refuses no group, no revision (and none to fall back on),
/// AppSpecContent or a YAML bundle on Server, and a too-long description.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_rejects_a_missing_group_or_an_invalid_revision() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_fresh(&c).await;
    let e = c
        .create_deployment()
        .application_name("web-app")
        .revision(rev1())
        .send()
        .await
        .expect_err("no group");
    assert!(e
        .into_service_error()
        .is_deployment_group_name_required_exception());
    let e = c
        .create_deployment()
        .application_name("web-app")
        .deployment_group_name("fresh")
        .send()
        .await
        .expect_err("no revision and no target revision");
    assert!(e.into_service_error().is_revision_required_exception());
    let e = c
        .create_deployment()
        .application_name("web-app")
        .deployment_group_name("fresh")
        .revision(appspec_content())
        .send()
        .await
        .expect_err("AppSpecContent on Server");
    assert!(e.into_service_error().is_invalid_revision_exception());
    let yaml = RevisionLocation::builder()
        .revision_type(RevisionLocationType::S3)
        .s3_location(
            S3Location::builder()
                .bucket("b")
                .key("appspec.yaml")
                .bundle_type(BundleType::Yaml)
                .build(),
        )
        .build();
    assert_code(
        c.create_deployment()
            .application_name("web-app")
            .deployment_group_name("fresh")
            .revision(yaml)
            .send()
            .await,
        "InvalidRevisionException",
    );
    let e = c
        .create_deployment()
        .application_name("web-app")
        .deployment_group_name("fresh")
        .revision(rev1())
        .description("x".repeat(257))
        .send()
        .await
        .expect_err("257-character description");
    assert!(e.into_service_error().is_description_too_long_exception());
    s.stop().await;
}

/// CreateDeployment refuses unknown names and config, bad fileExistsBehavior,
/// auto-rollback without events, targetInstances on a tag-filtered group, and
/// no application name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_rejects_unknown_names_and_invalid_options() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_fresh(&c).await;
    // A valid request to web-app/fresh; each case below adds one bad option.
    let fresh = || {
        c.create_deployment()
            .application_name("web-app")
            .deployment_group_name("fresh")
            .revision(rev1())
    };
    assert_code(
        c.create_deployment()
            .application_name("web-app")
            .deployment_group_name("nope")
            .revision(rev1())
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_code(
        c.create_deployment()
            .application_name("nope")
            .deployment_group_name("fresh")
            .revision(rev1())
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        fresh()
            .deployment_config_name("no-such-config")
            .send()
            .await,
        "DeploymentConfigDoesNotExistException",
    );
    assert_code(
        fresh()
            .file_exists_behavior(FileExistsBehavior::from("CLOBBER"))
            .send()
            .await,
        "InvalidFileExistsBehaviorException",
    );
    assert_code(
        fresh()
            .auto_rollback_configuration(AutoRollbackConfiguration::builder().enabled(true).build())
            .send()
            .await,
        "InvalidAutoRollbackConfigException",
    );
    assert_code(
        fresh()
            .target_instances(
                TargetInstances::builder()
                    .tag_filters(ec2("Name", "web"))
                    .build(),
            )
            .send()
            .await,
        "InvalidTargetInstancesException",
    );
    let r = s.raw("CreateDeployment", "{}").await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    s.stop().await;
}

/// With no revision, CreateDeployment deploys the group's target revision
/// (the last one deployed) again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_without_a_revision_redeploys_the_target_revision() {
    let s = ApiServer::start().await;
    let c = s.client();
    two_releases(&s, &c).await;
    let again = c
        .create_deployment()
        .application_name("web-app")
        .deployment_group_name("prod")
        .send()
        .await
        .expect("CreateDeployment with the group's target revision")
        .deployment_id()
        .expect("deploymentId")
        .to_string();
    let info = s.wait_deployment(&c, &again).await;
    assert_eq!(info.revision(), Some(&rev2()));
    s.stop().await;
}

/// Stop, continue and skip-wait while an in-place deployment runs (the clock is
/// paused so it cannot finish in between).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_deployment_stop_continue_skip_wait() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    ec2_group(&c, "web-app", "prod", "Name", "web", None).await;
    s.runtime.pause(true);
    let d = deploy(&c, "web-app", "prod", s3("releases", "a.zip")).await;
    let info = s
        .wait_until(&c, &d, "InProgress", |i| {
            i.status() == Some(&DeploymentStatus::InProgress)
        })
        .await;
    assert!(info.start_time().is_some());
    let o = info.deployment_overview().expect("deploymentOverview");
    assert_eq!((o.in_progress(), o.pending()), (1, 2), "{o:?}");
    let running = c
        .list_deployment_targets()
        .deployment_id(&d)
        .target_filters(TargetFilterName::TargetStatus, vec!["InProgress".into()])
        .send()
        .await
        .expect("ListDeploymentTargets InProgress");
    assert_eq!(running.target_ids().len(), 1);

    let e = c
        .continue_deployment()
        .deployment_id(&d)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect_err("in-place deployments do not wait");
    assert!(e
        .into_service_error()
        .is_unsupported_action_for_deployment_type_exception());
    assert_code(
        c.continue_deployment().deployment_id(&d).send().await,
        "UnsupportedActionForDeploymentTypeException",
    );
    assert_code(
        c.continue_deployment()
            .deployment_id(&d)
            .deployment_wait_type(DeploymentWaitType::from("SOON"))
            .send()
            .await,
        "InvalidDeploymentWaitTypeException",
    );
    let e = c
        .skip_wait_time_for_instance_termination()
        .deployment_id(&d)
        .send()
        .await
        .expect_err("in-place deployments do not wait");
    assert!(e
        .into_service_error()
        .is_unsupported_action_for_deployment_type_exception());
    assert_code(
        c.put_lifecycle_event_hook_execution_status()
            .deployment_id(&d)
            .lifecycle_event_hook_execution_id("hook")
            .status(LifecycleEventStatus::Failed)
            .send()
            .await,
        "UnsupportedActionForDeploymentTypeException",
    );

    let stop = c
        .stop_deployment()
        .deployment_id(&d)
        .auto_rollback_enabled(false)
        .send()
        .await
        .expect("StopDeployment");
    assert!(
        matches!(
            stop.status(),
            Some(StopStatus::Pending | StopStatus::Succeeded)
        ),
        "{stop:?}"
    );
    assert!(stop.status_message().is_some_and(|m| !m.is_empty()));
    if stop.status() == Some(&StopStatus::Pending) {
        let again = c
            .stop_deployment()
            .deployment_id(&d)
            .send()
            .await
            .expect("StopDeployment while a stop is pending");
        assert_eq!(again.status(), Some(&StopStatus::Pending));
    }
    s.runtime.pause(false);
    let info = s.wait_deployment(&c, &d).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Stopped), "{info:?}");
    let err = info.error_information().expect("errorInformation");
    assert_eq!(err.code(), Some(&ErrorCode::ManualStop));
    assert!(info
        .rollback_info()
        .is_none_or(|r| r.rollback_deployment_id().is_none()));
    let o = info.deployment_overview().expect("deploymentOverview");
    assert_eq!(o.skipped(), 2, "never-started instances are Skipped: {o:?}");
    assert_code(
        c.stop_deployment().deployment_id(&d).send().await,
        "DeploymentAlreadyCompletedException",
    );
    s.stop().await;
}

/// With `strict`, a second deployment to a busy group is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_mode_refuses_a_second_active_deployment() {
    let s = ApiServer::start_with(RuntimeOptions {
        strict: true,
        ..RuntimeOptions::memory(1000.0)
    })
    .await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    ec2_group(&c, "web-app", "prod", "Name", "web", None).await;
    s.runtime.pause(true);
    let d = deploy(&c, "web-app", "prod", s3("releases", "a.zip")).await;
    let e = c
        .create_deployment()
        .application_name("web-app")
        .deployment_group_name("prod")
        .revision(s3("releases", "b.zip"))
        .send()
        .await
        .expect_err("group is busy");
    let e = e.into_service_error();
    assert!(e.is_deployment_limit_exceeded_exception(), "{e:?}");
    assert!(
        aws_sdk_codedeploy::error::ProvideErrorMetadata::message(&e)
            .is_some_and(|m| m.contains(&d)),
        "{e:?}"
    );
    s.runtime.pause(false);
    s.wait_deployment(&c, &d).await;
    let next = deploy(&c, "web-app", "prod", s3("releases", "b.zip")).await;
    let info = s.wait_deployment(&c, &next).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    s.stop().await;
}

/// Without strict mode a second deployment queues behind the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_queue_behind_the_active_one() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    ec2_group(&c, "web-app", "prod", "Name", "web", None).await;
    s.runtime.pause(true);
    let first = deploy(&c, "web-app", "prod", s3("releases", "a.zip")).await;
    s.wait_until(&c, &first, "InProgress", |i| {
        i.status() == Some(&DeploymentStatus::InProgress)
    })
    .await;
    let second = deploy(&c, "web-app", "prod", s3("releases", "b.zip")).await;
    s.wait_until(&c, &second, "Queued", |i| {
        i.status() == Some(&DeploymentStatus::Queued)
    })
    .await;
    let e = c
        .list_deployment_targets()
        .deployment_id(&second)
        .send()
        .await
        .expect_err("not started");
    assert!(e.into_service_error().is_deployment_not_started_exception());
    s.runtime.pause(false);
    for d in [&first, &second] {
        let info = s.wait_deployment(&c, d).await;
        assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded), "{d}");
    }
    s.stop().await;
}

/// Automatic rollback on failure (sample fleet: i-0a1b2c3d4e5f00012, Name=api,
/// always fails ValidateService).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_rollback_on_failure() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "api-app", ComputePlatform::Server).await;

    // No earlier good revision: a rollback message and no rollback deployment.
    c.create_deployment_config()
        .deployment_config_name("all-healthy")
        .minimum_healthy_hosts(mhh(MinimumHealthyHostsType::HostCount, 2))
        .send()
        .await
        .expect("CreateDeploymentConfig");
    c.create_deployment_group()
        .application_name("api-app")
        .deployment_group_name("strict")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "api"))
        .deployment_config_name("all-healthy")
        .auto_rollback_configuration(rollback_on_failure())
        .send()
        .await
        .expect("CreateDeploymentGroup");
    let d = deploy(&c, "api-app", "strict", s3("releases", "api-1.zip")).await;
    let info = s.wait_deployment(&c, &d).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed), "{info:?}");
    assert_eq!(
        info.error_information().and_then(|e| e.code()),
        Some(&ErrorCode::HealthConstraintsInvalid)
    );
    let rb = info.rollback_info().expect("rollbackInfo");
    assert!(
        rb.rollback_message().is_some_and(|m| !m.is_empty()),
        "{rb:?}"
    );
    assert!(rb.rollback_deployment_id().is_none(), "{rb:?}");

    // With a good revision: the failed deployment is rolled back by a new one.
    c.create_deployment_group()
        .application_name("api-app")
        .deployment_group_name("api")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "api"))
        .auto_rollback_configuration(rollback_on_failure())
        .send()
        .await
        .expect("CreateDeploymentGroup");
    let good = s3("releases", "api-good.zip");
    let first = deploy_with(
        &c,
        "api-app",
        "api",
        good.clone(),
        "CodeDeployDefault.AllAtOnce",
    )
    .await;
    let info = s.wait_deployment(&c, &first).await;
    assert_eq!(
        info.status(),
        Some(&DeploymentStatus::Succeeded),
        "AllAtOnce succeeds with one healthy host: {info:?}"
    );
    let o = info.deployment_overview().expect("deploymentOverview");
    assert_eq!((o.succeeded(), o.failed()), (1, 1));
    let bad_host = c
        .get_deployment_target()
        .deployment_id(&first)
        .target_id("i-0a1b2c3d4e5f00012")
        .send()
        .await
        .expect("GetDeploymentTarget")
        .deployment_target
        .and_then(|t| t.instance_target)
        .expect("instanceTarget");
    assert_eq!(bad_host.status(), Some(&TargetStatus::Failed));
    let validate = bad_host
        .lifecycle_events()
        .iter()
        .find(|e| e.lifecycle_event_name() == Some("ValidateService"))
        .expect("ValidateService");
    assert_eq!(validate.status(), Some(&LifecycleEventStatus::Failed));
    assert_eq!(
        validate.diagnostics().and_then(|d| d.error_code()),
        Some(&LifecycleErrorCode::ScriptFailed)
    );

    // Host 12 is now unhealthy and goes first: OneAtATime fails at once.
    let second = deploy(&c, "api-app", "api", s3("releases", "api-bad.zip")).await;
    let info = s.wait_deployment(&c, &second).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed), "{info:?}");
    assert_eq!(
        info.error_information().and_then(|e| e.code()),
        Some(&ErrorCode::HealthConstraints)
    );
    let rb = info.rollback_info().expect("rollbackInfo");
    let rollback = rb
        .rollback_deployment_id()
        .expect("rollbackDeploymentId")
        .to_string();
    assert!(rb.rollback_message().is_some_and(|m| !m.is_empty()));
    let rinfo = s.wait_deployment(&c, &rollback).await;
    assert_eq!(
        rinfo.creator(),
        Some(&DeploymentCreator::CodeDeployRollback)
    );
    assert_eq!(rinfo.revision(), Some(&good));
    assert_eq!(
        rinfo
            .rollback_info()
            .and_then(|r| r.rollback_triggering_deployment_id()),
        Some(second.as_str())
    );
    let listed = c
        .list_deployments()
        .application_name("api-app")
        .deployment_group_name("api")
        .send()
        .await
        .expect("ListDeployments");
    let listed: BTreeSet<&str> = listed.deployments().iter().map(String::as_str).collect();
    assert_eq!(
        listed,
        BTreeSet::from([first.as_str(), second.as_str(), rollback.as_str()])
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_deployments() {
    // Fast enough that the queued deployments finish while we list.
    let s = ApiServer::start_with(RuntimeOptions::memory(10_000.0)).await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    for g in ["big", "small"] {
        ec2_group(
            &c,
            "web-app",
            g,
            "Name",
            "web",
            Some("CodeDeployDefault.AllAtOnce"),
        )
        .await;
    }
    let mut big = Vec::new();
    let mut small = Vec::new();
    for i in 0..120 {
        let group = if i % 12 == 11 { "small" } else { "big" };
        let d = deploy(&c, "web-app", group, s3("releases", &format!("r{i}.zip"))).await;
        if group == "small" {
            small.push(d);
        } else {
            big.push(d);
        }
    }
    assert_eq!((big.len(), small.len()), (110, 10));
    let everything: Vec<String> = big.iter().chain(&small).cloned().collect();

    let (all, pages) = walk!(c.list_deployments(), deployments);
    assert_pages(&pages, 120);
    assert_same_set(&all, &everything, "ListDeployments");
    let (in_big, pages) = walk!(
        c.list_deployments()
            .application_name("web-app")
            .deployment_group_name("big"),
        deployments
    );
    assert_pages(&pages, 110);
    assert_same_set(&in_big, &big, "ListDeployments big");

    // Deployments created between pages: nothing twice, nothing lost.
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut added = 0;
    loop {
        let out = c
            .list_deployments()
            .set_next_token(token.take())
            .send()
            .await
            .expect("ListDeployments");
        seen.extend(out.deployments().iter().cloned());
        for g in ["big", "small"] {
            deploy(&c, "web-app", g, s3("releases", "late.zip")).await;
            added += 1;
        }
        match out.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_unique(&seen, "ListDeployments with inserts");
    for d in &everything {
        assert!(seen.contains(d), "{d} was skipped");
    }

    let items = c
        .list_deployments()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListDeployments paginator");
    assert_eq!(items.len(), 120 + added);
    assert_unique(&items, "ListDeployments paginator");

    let e = c
        .list_deployments()
        .next_token("garbage")
        .send()
        .await
        .expect_err("bad token");
    assert!(e.into_service_error().is_invalid_next_token_exception());
    // A token from another list is not a ListDeployments token.
    let apps_token = {
        for i in 0..101 {
            create_app(&c, &format!("filler-{i:03}"), ComputePlatform::Server).await;
        }
        c.list_applications()
            .send()
            .await
            .expect("ListApplications")
            .next_token()
            .expect("a second page")
            .to_string()
    };
    assert_code(
        c.list_deployments().next_token(apps_token).send().await,
        "InvalidNextTokenException",
    );
    s.stop().await;
}
