//! ListDeploymentTargets, GetDeploymentTarget, BatchGetDeploymentTargets and
//! the deprecated ListDeploymentInstances, GetDeploymentInstance and
//! BatchGetDeploymentInstances through the AWS SDK for Rust against an
//! in-process codedeck server: the success path, the typical errors,
//! pagination.

// Deprecated operations and the InstanceStatus enum are part of the API
// under test.
#![allow(deprecated)]

mod common_api;

use std::collections::BTreeSet;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use codedeck::runtime::RuntimeOptions;
use codedeck::state::fleet::Fleet;
use common_api::*;

fn assert_events_succeeded(t: &InstanceTarget, expected: &[&str]) {
    let names: Vec<&str> = t
        .lifecycle_events()
        .iter()
        .filter_map(|e| e.lifecycle_event_name())
        .collect();
    assert_eq!(names, expected);
    let mut last = f64::MIN;
    for e in t.lifecycle_events() {
        assert_eq!(e.status(), Some(&LifecycleEventStatus::Succeeded), "{e:?}");
        let start = e.start_time().expect("startTime").as_secs_f64();
        let end = e.end_time().expect("endTime").as_secs_f64();
        assert!(last <= start && start <= end, "{e:?}");
        last = end;
        let d = e.diagnostics().expect("diagnostics");
        assert_eq!(d.error_code(), Some(&LifecycleErrorCode::Success));
        assert_eq!(d.message(), Some("Succeeded"));
    }
}

/// An in-place deployment's events without a load balancer (behind one they
/// come between the Block and Allow traffic events).
const IN_PLACE_EVENTS: [&str; 7] = [
    "ApplicationStop",
    "DownloadBundle",
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
];

/// web-app with a plain in-place group (Name=web: the three WEB hosts) and a
/// deployment to it that succeeded; returns its ID.
async fn plain_deployment(s: &ApiServer, c: &Client) -> String {
    create_app(c, "web-app", ComputePlatform::Server).await;
    ec2_group(c, "web-app", "plain", "Name", "web", None).await;
    let plain = deploy(c, "web-app", "plain", s3("releases", "a.zip")).await;
    assert_eq!(
        s.wait_deployment(c, &plain).await.status(),
        Some(&DeploymentStatus::Succeeded)
    );
    plain
}

/// ListDeploymentTargets lists every instance of a deployment, filtered by
/// status or not, on one page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_deployment_targets_lists_every_instance_and_filters_by_status() {
    let s = ApiServer::start().await;
    let c = s.client();
    let plain = plain_deployment(&s, &c).await;
    let ids = c
        .list_deployment_targets()
        .deployment_id(&plain)
        .send()
        .await
        .expect("ListDeploymentTargets");
    let got: BTreeSet<&str> = ids.target_ids().iter().map(String::as_str).collect();
    assert_eq!(got, WEB.into_iter().collect::<BTreeSet<_>>());
    assert!(ids.next_token().is_none());
    let ok = c
        .list_deployment_targets()
        .deployment_id(&plain)
        .target_filters(
            TargetFilterName::TargetStatus,
            vec!["Succeeded".into(), "Failed".into()],
        )
        .send()
        .await
        .expect("ListDeploymentTargets Succeeded");
    assert_eq!(ok.target_ids().len(), 3);
    let failed = c
        .list_deployment_targets()
        .deployment_id(&plain)
        .target_filters(TargetFilterName::TargetStatus, vec!["Failed".into()])
        .send()
        .await
        .expect("ListDeploymentTargets Failed");
    assert!(failed.target_ids().is_empty());
    s.stop().await;
}

/// ListDeploymentTargets refuses an unknown filter name or status and an
/// unknown or malformed deployment ID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_deployment_targets_rejects_bad_filters_and_ids() {
    let s = ApiServer::start().await;
    let c = s.client();
    let plain = plain_deployment(&s, &c).await;
    let e = c
        .list_deployment_targets()
        .deployment_id(&plain)
        .target_filters(TargetFilterName::from("Colour"), vec!["Blue".into()])
        .send()
        .await
        .expect_err("bad filter name");
    assert!(e
        .into_service_error()
        .is_invalid_target_filter_name_exception());
    assert_code(
        c.list_deployment_targets()
            .deployment_id(&plain)
            .target_filters(TargetFilterName::TargetStatus, vec!["Asleep".into()])
            .send()
            .await,
        "InvalidInstanceStatusException",
    );
    assert_code(
        c.list_deployment_targets()
            .deployment_id("d-ZZZZZZZZZ")
            .send()
            .await,
        "DeploymentDoesNotExistException",
    );
    assert_code(
        c.list_deployment_targets()
            .deployment_id("nope")
            .send()
            .await,
        "InvalidDeploymentIdException",
    );
    s.stop().await;
}

/// GetDeploymentTarget reports an instance target with its ARN and status:
/// 7 succeeded events without a load balancer, 13 with one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deployment_target_reports_7_events_or_13_behind_a_load_balancer() {
    let s = ApiServer::start().await;
    let c = s.client();
    let plain = plain_deployment(&s, &c).await;
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("behind-lb")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .deployment_style(with_traffic_control())
        .load_balancer_info(target_group("web-tg"))
        .deployment_config_name("CodeDeployDefault.AllAtOnce")
        .send()
        .await
        .expect("CreateDeploymentGroup behind a load balancer");
    let lb = deploy(&c, "web-app", "behind-lb", s3("releases", "a.zip")).await;
    assert_eq!(
        s.wait_deployment(&c, &lb).await.status(),
        Some(&DeploymentStatus::Succeeded)
    );
    let t = c
        .get_deployment_target()
        .deployment_id(&plain)
        .target_id(WEB[0])
        .send()
        .await
        .expect("GetDeploymentTarget")
        .deployment_target
        .expect("deploymentTarget");
    assert_eq!(
        t.deployment_target_type(),
        Some(&DeploymentTargetType::InstanceTarget)
    );
    assert!(t.lambda_target().is_none() && t.ecs_target().is_none());
    let it = t.instance_target().expect("instanceTarget");
    assert_eq!(it.deployment_id(), Some(plain.as_str()));
    assert_eq!(it.target_id(), Some(WEB[0]));
    assert_eq!(
        it.target_arn(),
        Some(format!("arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{}", WEB[0]).as_str())
    );
    assert_eq!(it.status(), Some(&TargetStatus::Succeeded));
    assert!(it.last_updated_at().is_some());
    assert_events_succeeded(it, &IN_PLACE_EVENTS);
    let t = c
        .get_deployment_target()
        .deployment_id(&lb)
        .target_id(WEB[1])
        .send()
        .await
        .expect("GetDeploymentTarget behind a load balancer")
        .deployment_target
        .expect("deploymentTarget");
    let mut behind_lb = vec!["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"];
    behind_lb.extend(IN_PLACE_EVENTS);
    behind_lb.extend(["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"]);
    assert_events_succeeded(t.instance_target().expect("instanceTarget"), &behind_lb);
    s.stop().await;
}

/// GetDeploymentTarget refuses an instance that is not a target, no target
/// ID and an unknown deployment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deployment_target_rejects_unknown_and_missing_targets() {
    let s = ApiServer::start().await;
    let c = s.client();
    let plain = plain_deployment(&s, &c).await;
    let e = c
        .get_deployment_target()
        .deployment_id(&plain)
        .target_id("i-0a1b2c3d4e5f00011")
        .send()
        .await
        .expect_err("not a target");
    assert!(e
        .into_service_error()
        .is_deployment_target_does_not_exist_exception());
    assert_code(
        c.get_deployment_target().deployment_id(&plain).send().await,
        "DeploymentTargetIdRequiredException",
    );
    assert_code(
        c.get_deployment_target()
            .deployment_id("d-ZZZZZZZZZ")
            .target_id(WEB[0])
            .send()
            .await,
        "DeploymentDoesNotExistException",
    );
    s.stop().await;
}

/// BatchGetDeploymentTargets returns the targets in the order asked and
/// refuses more than 25 IDs, a missing target and no IDs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_get_deployment_targets_returns_targets_and_rejects_bad_requests() {
    let s = ApiServer::start().await;
    let c = s.client();
    let plain = plain_deployment(&s, &c).await;
    let batch = c
        .batch_get_deployment_targets()
        .deployment_id(&plain)
        .set_target_ids(Some(WEB.iter().map(|s| s.to_string()).collect()))
        .send()
        .await
        .expect("BatchGetDeploymentTargets");
    let got: Vec<&str> = batch
        .deployment_targets()
        .iter()
        .filter_map(|t| t.instance_target().and_then(|i| i.target_id()))
        .collect();
    assert_eq!(got, WEB);
    // 26 IDs: over the limit of 25, which for an EC2/on-premises deployment is
    // not DeploymentTargetListSizeExceeded (the model: it "does not apply to
    // EC2/On-premises deployments"; #22, tests/api_front_door.rs).
    assert_code(
        c.batch_get_deployment_targets()
            .deployment_id(&plain)
            .set_target_ids(Some((0..26).map(|i| format!("i-{i:017x}")).collect()))
            .send()
            .await,
        "ValidationException",
    );
    let e = c
        .batch_get_deployment_targets()
        .deployment_id(&plain)
        .target_ids(WEB[0])
        .target_ids("i-0a1b2c3d4e5f00099")
        .send()
        .await
        .expect_err("missing target");
    assert!(e
        .into_service_error()
        .is_deployment_target_does_not_exist_exception());
    assert_code(
        c.batch_get_deployment_targets()
            .deployment_id(&plain)
            .send()
            .await,
        "DeploymentTargetIdRequiredException",
    );
    s.stop().await;
}

/// The deprecated ListDeploymentInstances lists and filters by status,
/// refuses a type filter on an in-place deployment, an unknown status and an
/// unknown deployment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_deployment_instances_lists_filters_and_rejects_bad_filters() {
    let s = ApiServer::start().await;
    let c = s.client();
    let plain = plain_deployment(&s, &c).await;
    let list = c
        .list_deployment_instances()
        .deployment_id(&plain)
        .send()
        .await
        .expect("ListDeploymentInstances");
    let got: BTreeSet<&str> = list.instances_list().iter().map(String::as_str).collect();
    assert_eq!(got, WEB.into_iter().collect::<BTreeSet<_>>());
    let ok = c
        .list_deployment_instances()
        .deployment_id(&plain)
        .instance_status_filter(InstanceStatus::Succeeded)
        .send()
        .await
        .expect("ListDeploymentInstances Succeeded");
    assert_eq!(ok.instances_list().len(), 3);
    let none = c
        .list_deployment_instances()
        .deployment_id(&plain)
        .instance_status_filter(InstanceStatus::Failed)
        .send()
        .await
        .expect("ListDeploymentInstances Failed");
    assert!(none.instances_list().is_empty());
    let e = c
        .list_deployment_instances()
        .deployment_id(&plain)
        .instance_type_filter(InstanceType::Blue)
        .send()
        .await
        .expect_err("type filter on in-place");
    assert!(e
        .into_service_error()
        .is_invalid_deployment_instance_type_exception());
    assert_code(
        c.list_deployment_instances()
            .deployment_id(&plain)
            .instance_status_filter(InstanceStatus::from("Asleep"))
            .send()
            .await,
        "InvalidInstanceStatusException",
    );
    assert_code(
        c.list_deployment_instances()
            .deployment_id("d-ZZZZZZZZZ")
            .send()
            .await,
        "DeploymentDoesNotExistException",
    );
    s.stop().await;
}

/// The deprecated GetDeploymentInstance summarises an instance (its ARN as
/// the ID) and refuses one outside the deployment and no ID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deployment_instance_summarises_an_instance_and_rejects_others() {
    let s = ApiServer::start().await;
    let c = s.client();
    let plain = plain_deployment(&s, &c).await;
    let summary = c
        .get_deployment_instance()
        .deployment_id(&plain)
        .instance_id(WEB[2])
        .send()
        .await
        .expect("GetDeploymentInstance")
        .instance_summary
        .expect("instanceSummary");
    assert_eq!(
        summary.instance_id(),
        Some(format!("arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{}", WEB[2]).as_str())
    );
    assert_eq!(summary.deployment_id(), Some(plain.as_str()));
    assert_eq!(summary.status(), Some(&InstanceStatus::Succeeded));
    assert_eq!(summary.lifecycle_events().len(), 7);
    assert!(summary.last_updated_at().is_some());
    assert!(summary.instance_type().is_none());
    let e = c
        .get_deployment_instance()
        .deployment_id(&plain)
        .instance_id("i-0a1b2c3d4e5f00099")
        .send()
        .await
        .expect_err("not an instance of the deployment");
    assert!(e
        .into_service_error()
        .is_instance_does_not_exist_exception());
    assert_code(
        c.get_deployment_instance()
            .deployment_id(&plain)
            .send()
            .await,
        "InstanceIdRequiredException",
    );
    s.stop().await;
}

/// The deprecated BatchGetDeploymentInstances returns the known instances and
/// names the unknown one in errorMessage; it refuses more than 25 IDs or none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_get_deployment_instances_reports_unknown_ids_and_rejects_bad_requests() {
    let s = ApiServer::start().await;
    let c = s.client();
    let plain = plain_deployment(&s, &c).await;
    let batch = c
        .batch_get_deployment_instances()
        .deployment_id(&plain)
        .instance_ids(WEB[0])
        .instance_ids("i-0a1b2c3d4e5f00099")
        .instance_ids(WEB[1])
        .send()
        .await
        .expect("BatchGetDeploymentInstances");
    assert_eq!(batch.instances_summary().len(), 2);
    assert!(
        batch
            .error_message()
            .is_some_and(|m| m.contains("i-0a1b2c3d4e5f00099")),
        "{batch:?}"
    );
    let e = c
        .batch_get_deployment_instances()
        .deployment_id(&plain)
        .set_instance_ids(Some((0..26).map(|i| format!("i-{i:017x}")).collect()))
        .send()
        .await
        .expect_err("26 instances");
    assert!(e.into_service_error().is_batch_limit_exceeded_exception());
    assert_code(
        c.batch_get_deployment_instances()
            .deployment_id(&plain)
            .send()
            .await,
        "InstanceIdRequiredException",
    );
    s.stop().await;
}

/// A fleet of `n` hosts tagged Name=big with quick, jitter-free events.
fn big_fleet(n: usize) -> (Fleet, Vec<String>) {
    let ids: Vec<String> = (0..n).map(|i| format!("i-{:017x}", 0xb000 + i)).collect();
    let mut toml = String::from("[defaults]\njitter = 0.0\n");
    for id in &ids {
        toml.push_str(&format!(
            "[[instance]]\nid = \"{id}\"\ntags = {{ Name = \"big\" }}\n"
        ));
    }
    (Fleet::parse(&toml).expect("fleet"), ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_deployment_targets_and_instances() {
    let (fleet, ids) = big_fleet(150);
    let s = ApiServer::start_with(RuntimeOptions {
        fleet: Some(fleet),
        ..RuntimeOptions::memory(1000.0)
    })
    .await;
    let c = s.client();
    create_app(&c, "big-app", ComputePlatform::Server).await;
    ec2_group(
        &c,
        "big-app",
        "all",
        "Name",
        "big",
        Some("CodeDeployDefault.AllAtOnce"),
    )
    .await;
    let d = deploy(&c, "big-app", "all", s3("releases", "big.zip")).await;
    let info = s.wait_deployment(&c, &d).await;
    assert_eq!(
        info.status(),
        Some(&DeploymentStatus::Succeeded),
        "{info:?}"
    );
    assert_eq!(info.deployment_overview().map(|o| o.succeeded()), Some(150));

    let (targets, pages) = walk!(c.list_deployment_targets().deployment_id(&d), target_ids);
    assert_pages(&pages, 150);
    assert_same_set(&targets, &ids, "ListDeploymentTargets");
    let (ok, pages) = walk!(
        c.list_deployment_targets()
            .deployment_id(&d)
            .target_filters(TargetFilterName::TargetStatus, vec!["Succeeded".into()]),
        target_ids
    );
    assert_pages(&pages, 150);
    assert_same_set(&ok, &ids, "ListDeploymentTargets Succeeded");
    assert_code(
        c.list_deployment_targets()
            .deployment_id(&d)
            .next_token("garbage")
            .send()
            .await,
        "InvalidNextTokenException",
    );

    let (instances, pages) = walk!(
        c.list_deployment_instances().deployment_id(&d),
        instances_list
    );
    assert_pages(&pages, 150);
    assert_same_set(&instances, &ids, "ListDeploymentInstances");
    let items = c
        .list_deployment_instances()
        .deployment_id(&d)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListDeploymentInstances paginator");
    assert_same_set(&items, &ids, "ListDeploymentInstances paginator");
    assert_code(
        c.list_deployment_instances()
            .deployment_id(&d)
            .next_token("garbage")
            .send()
            .await,
        "InvalidNextTokenException",
    );
    s.stop().await;
}
