//! Issue #12 through aws-sdk-codedeploy, where the wire shape matters: what a
//! client reads back from a real server over the store (the engine-level
//! scenarios are in tests/engine_*.rs).

mod common_api;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use codedeck::state::FaultKind;
use common_api::*;

fn rollback_message(info: &DeploymentInfo) -> &str {
    info.rollback_info()
        .and_then(|r| r.rollback_message())
        .unwrap_or_default()
}

/// Item 5: the rolled-back deployment's rollbackMessage, stored long before
/// its rollback ends, says how the rollback ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_message_is_rewritten_when_the_rollback_ends() {
    let s = ApiServer::start().await;
    let c = s.client();
    c.create_application()
        .application_name("web")
        .send()
        .await
        .expect("app");
    c.create_deployment_group()
        .application_name("web")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .auto_rollback_configuration(
            AutoRollbackConfiguration::builder()
                .enabled(true)
                .events(AutoRollbackEvent::DeploymentFailure)
                .build(),
        )
        .send()
        .await
        .expect("group");
    let good = deploy(&c, "web", "prod", artifact("v1.zip")).await;
    let info = s.wait_deployment(&c, &good).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    s.runtime
        .write("break host", |e, now, _| {
            e.break_host(now, "i-0a1b2c3d4e5f00001", FaultKind::Fail)
        })
        .expect("break host");
    let bad = deploy(&c, "web", "prod", artifact("v2.zip")).await;
    let info = s.wait_deployment(&c, &bad).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed));
    let rb = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("rollbackDeploymentId")
        .to_string();
    // Polled while its rollback runs: the finished deployment's reply is
    // encoded once and then served from the cache; the rollback's end must
    // replace it. The clock stands still meanwhile, so the rollback is
    // still running.
    s.runtime.pause(true);
    for _ in 0..3 {
        let polled = deployment_info(&c, &bad).await;
        assert!(
            !rollback_message(&polled).starts_with("Rollback succeeded"),
            "{}",
            rollback_message(&polled)
        );
    }
    s.runtime.pause(false);
    let rolled = s.wait_deployment(&c, &rb).await;
    assert_eq!(rolled.status(), Some(&DeploymentStatus::Succeeded));
    assert_eq!(
        rollback_message(&rolled),
        format!("Rollback of deployment {bad} succeeded.")
    );
    let info = deployment_info(&c, &bad).await;
    assert_eq!(
        rollback_message(&info),
        format!("Rollback succeeded: deployment {rb} redeployed the last successful revision.")
    );
    s.stop().await;
}

fn lambda_spec(current: u32, target: u32) -> RevisionLocation {
    let text = format!(
        r#"{{"version":0.0,"Resources":[{{"fn":{{"Type":"AWS::Lambda::Function","Properties":{{"Name":"orders","Alias":"live","CurrentVersion":"{current}","TargetVersion":"{target}"}}}}}}]}}"#
    );
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(AppSpecContent::builder().content(text).build())
        .build()
}

async fn lambda_group(c: &Client, config: &str) {
    c.create_application()
        .application_name("fn")
        .compute_platform(ComputePlatform::Lambda)
        .send()
        .await
        .expect("app");
    c.create_deployment_group()
        .application_name("fn")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .deployment_config_name(config)
        .deployment_style(
            DeploymentStyle::builder()
                .deployment_type(DeploymentType::BlueGreen)
                .deployment_option(DeploymentOption::WithTrafficControl)
                .build(),
        )
        .send()
        .await
        .expect("group");
}

/// The Lambda target's traffic weight on the new version (polls the target).
async fn lambda_weight(c: &Client, id: &str) -> f64 {
    c.get_deployment_target()
        .deployment_id(id)
        .target_id("orders")
        .send()
        .await
        .ok()
        .and_then(|o| o.deployment_target)
        .and_then(|t| t.lambda_target)
        .and_then(|l| l.lambda_function_info)
        .map(|i| i.target_version_weight)
        .unwrap_or(0.0)
}

/// Item 3: a deployment to an alias a stopped deployment left on two versions
/// fails with a message saying how to repair it; the dashboard's "repair
/// alias" (local source only) repairs it and the next deployment runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_alias_fails_deployments_until_the_dashboard_repairs_it() {
    use codedeck::source::{local::LocalSource, Action, Source};
    let s = ApiServer::start().await;
    let c = s.client();
    lambda_group(&c, "CodeDeployDefault.LambdaCanary10Percent30Minutes").await;
    let first = deploy(&c, "fn", "prod", lambda_spec(1, 2)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while lambda_weight(&c, &first).await < 10.0 {
        assert!(std::time::Instant::now() < deadline, "no canary step");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    c.stop_deployment()
        .deployment_id(&first)
        .auto_rollback_enabled(false)
        .send()
        .await
        .expect("StopDeployment");
    let second = deploy(&c, "fn", "prod", lambda_spec(1, 2)).await;
    let info = s.wait_deployment(&c, &second).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed));
    let error = info.error_information().expect("errorInformation");
    assert_eq!(error.code(), Some(&ErrorCode::InvalidLambdaConfiguration));
    assert!(
        error
            .message()
            .unwrap_or_default()
            .contains("Repair the alias"),
        "{error:?}"
    );
    // The dashboard finds what to repair in the failed deployment's read view.
    let local = LocalSource::new(s.runtime.clone());
    let req = codedeck::source::Request {
        deployment: Some(second.clone()),
        ..Default::default()
    };
    let traffic = local
        .read(&req)
        .expect("read")
        .detail
        .and_then(|d| d.traffic)
        .expect("traffic view");
    let (function, alias) = traffic.alias.expect("the alias to repair");
    assert_eq!((function.as_str(), alias.as_str()), ("orders", "live"));
    let repaired = local.act(Action::RepairAlias { function, alias }).await;
    assert_eq!(
        repaired,
        Ok("alias orders:live repaired: version 1 only".into())
    );
    let third = deploy(&c, "fn", "prod", lambda_spec(1, 2)).await;
    s.wait_until(&c, &third, "the canary step", |i| {
        i.status() == Some(&DeploymentStatus::InProgress)
    })
    .await;
    c.stop_deployment()
        .deployment_id(&third)
        .auto_rollback_enabled(true)
        .send()
        .await
        .expect("StopDeployment");
    s.stop().await;
}

/// Item 6: the deprecated instance operations answer for a Lambda deployment
/// (the model says they work for EC2/on-premises and Lambda).
#[allow(deprecated)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deprecated_instance_operations_work_for_lambda() {
    let s = ApiServer::start().await;
    let c = s.client();
    lambda_group(&c, "CodeDeployDefault.LambdaAllAtOnce").await;
    let id = deploy(&c, "fn", "prod", lambda_spec(1, 2)).await;
    let info = s.wait_deployment(&c, &id).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    let list = c
        .list_deployment_instances()
        .deployment_id(&id)
        .send()
        .await
        .expect("ListDeploymentInstances");
    assert_eq!(list.instances_list(), ["orders"]);
    let summary = c
        .get_deployment_instance()
        .deployment_id(&id)
        .instance_id("orders")
        .send()
        .await
        .expect("GetDeploymentInstance")
        .instance_summary
        .expect("instanceSummary");
    assert_eq!(summary.status(), Some(&InstanceStatus::Succeeded));
    assert_eq!(summary.lifecycle_events().len(), 3);
    let batch = c
        .batch_get_deployment_instances()
        .deployment_id(&id)
        .instance_ids("orders")
        .send()
        .await
        .expect("BatchGetDeploymentInstances");
    assert_eq!(batch.instances_summary().len(), 1);
    assert_code(
        c.get_deployment_instance()
            .deployment_id(&id)
            .instance_id("other")
            .send()
            .await,
        "InstanceDoesNotExistException",
    );
    s.stop().await;
}

/// Item 7: a malformed ECS target ID is InvalidDeploymentTargetIdException.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_ecs_target_id_answers_invalid_deployment_target_id() {
    let s = ApiServer::start().await;
    let c = s.client();
    ecs_group(&c).await;
    let id = deploy(&c, "svc", "prod", ecs_spec(2)).await;
    let info = s.wait_deployment(&c, &id).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    let reply = s
        .raw(
            "GetDeploymentTarget",
            &format!(r#"{{"deploymentId":"{id}","targetId":"justcluster"}}"#),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_type(), "InvalidDeploymentTargetIdException");
    assert!(
        reply.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("valid Id should be in format <cluster-name>:<service-name>"),
        "{}",
        reply.body
    );
    assert_code(
        c.get_deployment_target()
            .deployment_id(&id)
            .target_id("justcluster")
            .send()
            .await,
        "InvalidDeploymentTargetIdException",
    );
    assert_code(
        c.get_deployment_target()
            .deployment_id(&id)
            .target_id("main:other")
            .send()
            .await,
        "DeploymentTargetDoesNotExistException",
    );
    s.stop().await;
}

/// Application "svc" (ECS) with group "prod" on service main:web.
async fn ecs_group(c: &Client) {
    c.create_application()
        .application_name("svc")
        .compute_platform(ComputePlatform::Ecs)
        .send()
        .await
        .expect("app");
    c.create_deployment_group()
        .application_name("svc")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .deployment_config_name("CodeDeployDefault.ECSAllAtOnce")
        .ecs_services(
            EcsService::builder()
                .cluster_name("main")
                .service_name("web")
                .build(),
        )
        .send()
        .await
        .expect("group");
}

fn ecs_spec(task: u32) -> RevisionLocation {
    let text = format!(
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"arn:aws:ecs:us-east-1:000000000000:task-definition/web:{task}\"\n        LoadBalancerInfo:\n          ContainerName: web\n          ContainerPort: 80\n"
    );
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(AppSpecContent::builder().content(text).build())
        .build()
}

/// Item 9: GetDeployment and BatchGetDeployments of an ECS deployment return
/// its AppSpecContent revision with the content's sha256 (never `{}`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deployment_of_an_ecs_deployment_returns_the_revision_sha256() {
    use sha2::{Digest, Sha256};
    let s = ApiServer::start().await;
    let c = s.client();
    ecs_group(&c).await;
    let revision = ecs_spec(2);
    let text = revision
        .app_spec_content()
        .and_then(|a| a.content())
        .unwrap_or_default()
        .to_string();
    let expected: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let id = deploy(&c, "svc", "prod", revision).await;
    s.wait_deployment(&c, &id).await;
    let reply = s
        .ok("GetDeployment", serde_json::json!({ "deploymentId": id }))
        .await;
    assert_eq!(
        reply["deploymentInfo"]["revision"],
        serde_json::json!({
            "revisionType": "AppSpecContent",
            "appSpecContent": { "sha256": expected }
        })
    );
    let batch = c
        .batch_get_deployments()
        .deployment_ids(&id)
        .send()
        .await
        .expect("BatchGetDeployments");
    let content = batch.deployments_info()[0]
        .revision()
        .and_then(|r| r.app_spec_content())
        .expect("appSpecContent");
    assert_eq!(content.sha256(), Some(expected.as_str()));
    assert_eq!(content.content(), None);
    s.stop().await;
}

/// Item 8: a script fault tag on an event that runs no scripts is refused
/// with InvalidTagException and a message naming the faults the event has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_fault_tag_on_install_is_an_invalid_tag() {
    let s = ApiServer::start().await;
    let c = s.client();
    c.register_on_premises_instance()
        .instance_name("db-1")
        .iam_user_arn("arn:aws:iam::000000000000:user/db-1")
        .send()
        .await
        .expect("register");
    let reply = s
        .raw(
            "AddTagsToOnPremisesInstances",
            r#"{"instanceNames":["db-1"],"tags":[{"Key":"codedeck:timeout","Value":"Install"}]}"#,
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_type(), "InvalidTagException");
    let message = reply.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("Install runs no appspec scripts"),
        "{message}"
    );
    assert!(message.contains("disk_full"), "{message}");
    c.add_tags_to_on_premises_instances()
        .instance_names("db-1")
        .tags(
            Tag::builder()
                .key("codedeck:disk-full")
                .value("Install")
                .build(),
        )
        .send()
        .await
        .expect("a fault Install has");
    s.stop().await;
}

/// Item 1: a zonal configuration created through the SDK deploys one zone at
/// a time, and the dashboard's read view shows the zone and the monitor wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zonal_deployment_shows_its_zone_and_monitor_wait_in_the_read_view() {
    use codedeck::source::{local::LocalSource, Request};
    let s = ApiServer::start().await;
    let c = s.client();
    c.create_application()
        .application_name("web")
        .send()
        .await
        .expect("app");
    c.create_deployment_config()
        .deployment_config_name("Zonal")
        .minimum_healthy_hosts(
            MinimumHealthyHosts::builder()
                .r#type(MinimumHealthyHostsType::HostCount)
                .value(0)
                .build(),
        )
        .zonal_config(
            ZonalConfig::builder()
                .first_zone_monitor_duration_in_seconds(600)
                .monitor_duration_in_seconds(600)
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentConfig");
    c.create_deployment_group()
        .application_name("web")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .deployment_config_name("Zonal")
        .ec2_tag_filters(ec2("Name", "web"))
        .send()
        .await
        .expect("group");
    let id = deploy(&c, "web", "prod", artifact("v1.zip")).await;
    let local = LocalSource::new(s.runtime.clone());
    let req = Request {
        deployment: Some(id.clone()),
        ..Default::default()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let detail = loop {
        let detail = local.read(&req).expect("read").detail.expect("detail");
        if detail
            .zone
            .as_ref()
            .is_some_and(|z| z.monitor_until.is_some())
        {
            break detail;
        }
        assert!(std::time::Instant::now() < deadline, "no monitor wait seen");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    let zone = detail.zone.expect("zone");
    assert_eq!(
        zone.zone, "us-east-1a",
        "the sample fleet's web hosts: 1a first"
    );
    let mut zones: Vec<_> = detail
        .targets
        .iter()
        .filter_map(|t| t.zone.clone())
        .collect();
    zones.sort();
    assert_eq!(zones, ["us-east-1a", "us-east-1b", "us-east-1c"]);
    let info = s.wait_deployment(&c, &id).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    let detail = local.read(&req).expect("read").detail.expect("detail");
    assert_eq!(detail.zone, None, "finished: no zone deploying");
    assert_eq!(
        detail.targets.iter().filter(|t| t.zone.is_some()).count(),
        3
    );
    s.stop().await;
}
