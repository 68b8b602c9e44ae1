//! Every one of the 47 CodeDeploy operations through the AWS SDK for Rust
//! against an in-process codedeck server: the success path and the typical
//! errors of each, grouped by resource; pagination of the 9 paginated
//! operations; and a raw-HTTP pass whose replies botocore must accept
//! (`tests/botocore_check.py`).
//!
//! Deployments run on the sample fleet (`assets/fleet.toml`) at 1000x or more;
//! tests poll GetDeployment in bounded loops and never assert on timing.

// The deprecated operations (ListDeploymentInstances, GetDeploymentInstance,
// BatchGetDeploymentInstances, SkipWaitTimeForInstanceTermination) and the
// InstanceStatus enum are part of the API under test.
#![allow(deprecated)]

mod common_api;

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use aws_sdk_codedeploy::primitives::DateTime;
use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use codedeck::runtime::RuntimeOptions;
use codedeck::state::fleet::Fleet;
use common_api::*;
use serde_json::json;

// ---------------------------------------------------------------------------
// Helpers

const SNS: &str = "arn:aws:sns:us-east-1:000000000000:deployments";

fn s3(bucket: &str, key: &str) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::S3)
        .s3_location(
            S3Location::builder()
                .bucket(bucket)
                .key(key)
                .bundle_type(BundleType::Zip)
                .build(),
        )
        .build()
}

fn github(repo: &str, commit: &str) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::GitHub)
        .git_hub_location(
            GitHubLocation::builder()
                .repository(repo)
                .commit_id(commit)
                .build(),
        )
        .build()
}

fn appspec_content() -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(AppSpecContent::builder().content("version: 0.0\n").build())
        .build()
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

fn ec2(k: &str, v: &str) -> Ec2TagFilter {
    Ec2TagFilter::builder()
        .key(k)
        .value(v)
        .r#type(Ec2TagFilterType::KeyAndValue)
        .build()
}

fn onprem(k: &str, v: &str) -> TagFilter {
    TagFilter::builder()
        .key(k)
        .value(v)
        .r#type(TagFilterType::KeyAndValue)
        .build()
}

fn rollback_on_failure() -> AutoRollbackConfiguration {
    AutoRollbackConfiguration::builder()
        .enabled(true)
        .events(AutoRollbackEvent::DeploymentFailure)
        .build()
}

fn app_arn(app: &str) -> String {
    format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:application:{app}")
}

fn group_arn(app: &str, group: &str) -> String {
    format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:deploymentgroup:{app}/{group}")
}

async fn create_app(c: &Client, name: &str, platform: ComputePlatform) -> String {
    c.create_application()
        .application_name(name)
        .compute_platform(platform)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateApplication {name}: {e:?}"))
        .application_id()
        .expect("applicationId")
        .to_string()
}

/// A Server group deploying to the EC2 instances tagged `key=value`.
async fn ec2_group(
    c: &Client,
    app: &str,
    group: &str,
    key: &str,
    value: &str,
    config: Option<&str>,
) -> String {
    c.create_deployment_group()
        .application_name(app)
        .deployment_group_name(group)
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2(key, value))
        .set_deployment_config_name(config.map(str::to_string))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateDeploymentGroup {app}/{group}: {e:?}"))
        .deployment_group_id()
        .expect("deploymentGroupId")
        .to_string()
}

async fn deploy(c: &Client, app: &str, group: &str, rev: RevisionLocation) -> String {
    c.create_deployment()
        .application_name(app)
        .deployment_group_name(group)
        .revision(rev)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateDeployment {app}/{group}: {e:?}"))
        .deployment_id()
        .expect("deploymentId")
        .to_string()
}

async fn deploy_with(
    c: &Client,
    app: &str,
    group: &str,
    rev: RevisionLocation,
    config: &str,
) -> String {
    c.create_deployment()
        .application_name(app)
        .deployment_group_name(group)
        .revision(rev)
        .deployment_config_name(config)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateDeployment {app}/{group}: {e:?}"))
        .deployment_id()
        .expect("deploymentId")
        .to_string()
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

fn assert_unique(items: &[String], what: &str) {
    let set: HashSet<&String> = items.iter().collect();
    assert_eq!(set.len(), items.len(), "{what}: an item was returned twice");
}

// ---------------------------------------------------------------------------
// Applications: CreateApplication, GetApplication, BatchGetApplications,
// UpdateApplication, DeleteApplication, ListApplications

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications() {
    let s = ApiServer::start().await;
    let c = s.client();

    let out = c
        .create_application()
        .application_name("shop")
        .send()
        .await
        .expect("CreateApplication without a platform");
    let shop_id = out.application_id().expect("applicationId").to_string();
    assert!(is_uuid(&shop_id), "{shop_id}");
    create_app(&c, "fn-app", ComputePlatform::Lambda).await;
    create_app(&c, "svc-app", ComputePlatform::Ecs).await;

    let info = c
        .get_application()
        .application_name("shop")
        .send()
        .await
        .expect("GetApplication")
        .application
        .expect("application");
    assert_eq!(info.application_id(), Some(shop_id.as_str()));
    assert_eq!(info.application_name(), Some("shop"));
    assert_eq!(info.compute_platform(), Some(&ComputePlatform::Server));
    assert!(!info.linked_to_git_hub());
    assert!(info.git_hub_account_name().is_none());
    assert!(info.create_time().is_some());
    let lambda = c
        .get_application()
        .application_name("fn-app")
        .send()
        .await
        .expect("GetApplication fn-app")
        .application
        .expect("application");
    assert_eq!(lambda.compute_platform(), Some(&ComputePlatform::Lambda));

    let batch = c
        .batch_get_applications()
        .application_names("svc-app")
        .application_names("shop")
        .send()
        .await
        .expect("BatchGetApplications");
    let names: BTreeSet<&str> = batch
        .applications_info()
        .iter()
        .filter_map(|a| a.application_name())
        .collect();
    assert_eq!(names, BTreeSet::from(["shop", "svc-app"]));
    let svc = batch
        .applications_info()
        .iter()
        .find(|a| a.application_name() == Some("svc-app"))
        .expect("svc-app");
    assert_eq!(svc.compute_platform(), Some(&ComputePlatform::Ecs));

    // Errors of CreateApplication.
    let e = c
        .create_application()
        .application_name("shop")
        .send()
        .await
        .expect_err("duplicate");
    assert!(e
        .into_service_error()
        .is_application_already_exists_exception());
    let e = c
        .create_application()
        .application_name("bad name!")
        .send()
        .await
        .expect_err("bad name");
    assert!(e
        .into_service_error()
        .is_invalid_application_name_exception());
    assert_code(
        c.create_application()
            .application_name("a".repeat(101))
            .send()
            .await,
        "InvalidApplicationNameException",
    );
    let e = c
        .create_application()
        .application_name("k8s")
        .compute_platform(ComputePlatform::from("Kubernetes"))
        .send()
        .await
        .expect_err("unknown platform");
    assert!(e
        .into_service_error()
        .is_invalid_compute_platform_exception());
    let r = s
        .raw(
            "CreateApplication",
            r#"{"applicationName":"k8s","computePlatform":"Kubernetes"}"#,
        )
        .await;
    assert_eq!(
        (r.status, r.error_type().as_str()),
        (400, "InvalidComputePlatformException")
    );
    let r = s
        .raw("CreateApplication", r#"{"applicationName":""}"#)
        .await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    let r = s.raw("GetApplication", "{}").await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    assert_code(
        c.create_application()
            .application_name("tagged")
            .tags(Tag::builder().value("no key").build())
            .send()
            .await,
        "InvalidTagsToAddException",
    );

    // Errors of the readers.
    let e = c
        .get_application()
        .application_name("nope")
        .send()
        .await
        .expect_err("missing");
    assert!(e
        .into_service_error()
        .is_application_does_not_exist_exception());
    assert_code(
        c.get_application().application_name("no way").send().await,
        "InvalidApplicationNameException",
    );
    assert_code(
        c.batch_get_applications()
            .application_names("shop")
            .application_names("nope")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    let e = c
        .batch_get_applications()
        .set_application_names(Some((0..101).map(|i| format!("app-{i}")).collect()))
        .send()
        .await
        .expect_err("101 names");
    assert!(e.into_service_error().is_batch_limit_exceeded_exception());
    assert_code(
        c.batch_get_applications().send().await,
        "ApplicationNameRequiredException",
    );

    // A group follows its application through a rename.
    ec2_group(&c, "shop", "prod", "Name", "web", None).await;
    c.update_application()
        .application_name("shop")
        .new_application_name("store")
        .send()
        .await
        .expect("UpdateApplication rename");
    assert_code(
        c.get_application().application_name("shop").send().await,
        "ApplicationDoesNotExistException",
    );
    let renamed = c
        .get_application()
        .application_name("store")
        .send()
        .await
        .expect("renamed")
        .application
        .expect("application");
    assert_eq!(renamed.application_id(), Some(shop_id.as_str()));
    let g = c
        .get_deployment_group()
        .application_name("store")
        .deployment_group_name("prod")
        .send()
        .await
        .expect("group of the renamed application")
        .deployment_group_info
        .expect("deploymentGroupInfo");
    assert_eq!(g.application_name(), Some("store"));
    let e = c
        .update_application()
        .application_name("store")
        .new_application_name("fn-app")
        .send()
        .await
        .expect_err("rename onto an existing name");
    assert!(e
        .into_service_error()
        .is_application_already_exists_exception());
    let e = c
        .update_application()
        .application_name("nope")
        .new_application_name("whatever")
        .send()
        .await
        .expect_err("rename a missing application");
    assert!(e
        .into_service_error()
        .is_application_does_not_exist_exception());
    assert_code(
        c.update_application()
            .application_name("store")
            .new_application_name("bad/name")
            .send()
            .await,
        "InvalidApplicationNameException",
    );
    assert_code(
        c.update_application()
            .new_application_name("x")
            .send()
            .await,
        "ApplicationNameRequiredException",
    );

    let list = c
        .list_applications()
        .send()
        .await
        .expect("ListApplications");
    assert_eq!(list.applications(), ["fn-app", "store", "svc-app"]);
    assert!(list.next_token().is_none());

    // Delete: idempotent, and the groups go with the application.
    c.delete_application()
        .application_name("store")
        .send()
        .await
        .expect("DeleteApplication");
    c.delete_application()
        .application_name("store")
        .send()
        .await
        .expect("DeleteApplication of a missing application is a no-op");
    assert_code(
        c.get_application().application_name("store").send().await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.delete_application()
            .application_name("bad name")
            .send()
            .await,
        "InvalidApplicationNameException",
    );
    let r = s.raw("DeleteApplication", "{}").await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    create_app(&c, "store", ComputePlatform::Server).await;
    assert_code(
        c.get_deployment_group()
            .application_name("store")
            .deployment_group_name("prod")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    let list = c
        .list_applications()
        .send()
        .await
        .expect("ListApplications");
    assert_eq!(list.applications(), ["fn-app", "store", "svc-app"]);
    s.stop().await;
}

// ---------------------------------------------------------------------------
// Deployment configurations: CreateDeploymentConfig, GetDeploymentConfig,
// DeleteDeploymentConfig, ListDeploymentConfigs

const PREDEFINED: [&str; 17] = [
    "CodeDeployDefault.OneAtATime",
    "CodeDeployDefault.HalfAtATime",
    "CodeDeployDefault.AllAtOnce",
    "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    "CodeDeployDefault.LambdaAllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
    "CodeDeployDefault.ECSAllAtOnce",
];

async fn config_info(c: &Client, name: &str) -> DeploymentConfigInfo {
    c.get_deployment_config()
        .deployment_config_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetDeploymentConfig {name}: {e:?}"))
        .deployment_config_info
        .expect("deploymentConfigInfo")
}

fn mhh(kind: MinimumHealthyHostsType, value: i32) -> MinimumHealthyHosts {
    MinimumHealthyHosts::builder()
        .r#type(kind)
        .value(value)
        .build()
}

fn canary(percentage: i32, interval: i32) -> TrafficRoutingConfig {
    TrafficRoutingConfig::builder()
        .r#type(TrafficRoutingType::TimeBasedCanary)
        .time_based_canary(
            TimeBasedCanary::builder()
                .canary_percentage(percentage)
                .canary_interval(interval)
                .build(),
        )
        .build()
}

fn linear(percentage: i32, interval: i32) -> TrafficRoutingConfig {
    TrafficRoutingConfig::builder()
        .r#type(TrafficRoutingType::TimeBasedLinear)
        .time_based_linear(
            TimeBasedLinear::builder()
                .linear_percentage(percentage)
                .linear_interval(interval)
                .build(),
        )
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_configs() {
    let s = ApiServer::start().await;
    let c = s.client();

    let list = c
        .list_deployment_configs()
        .send()
        .await
        .expect("ListDeploymentConfigs");
    let names: BTreeSet<&str> = list
        .deployment_configs_list()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(names, PREDEFINED.into_iter().collect::<BTreeSet<_>>());
    assert!(list.next_token().is_none());

    // Predefined configurations.
    let one = config_info(&c, "CodeDeployDefault.OneAtATime").await;
    assert_eq!(
        one.deployment_config_id(),
        Some("00000000-0000-0000-0000-000000000001")
    );
    assert_eq!(one.compute_platform(), Some(&ComputePlatform::Server));
    let m = one.minimum_healthy_hosts().expect("minimumHealthyHosts");
    assert_eq!(
        m.r#type().map(|t| t.as_str()),
        Some("MOST_CONCURRENCY"),
        "outside the enum: the SDK keeps it as an unknown variant"
    );
    assert_eq!(m.value(), 1);
    assert!(one.create_time().is_some());
    let half = config_info(&c, "CodeDeployDefault.HalfAtATime").await;
    let m = half.minimum_healthy_hosts().expect("minimumHealthyHosts");
    assert_eq!(
        (m.r#type(), m.value()),
        (Some(&MinimumHealthyHostsType::FleetPercent), 50)
    );
    let all = config_info(&c, "CodeDeployDefault.AllAtOnce").await;
    let m = all.minimum_healthy_hosts().expect("minimumHealthyHosts");
    assert_eq!(
        (m.r#type(), m.value()),
        (Some(&MinimumHealthyHostsType::HostCount), 0)
    );
    let lc = config_info(&c, "CodeDeployDefault.LambdaCanary10Percent5Minutes").await;
    assert_eq!(lc.compute_platform(), Some(&ComputePlatform::Lambda));
    assert!(lc.minimum_healthy_hosts().is_none());
    let t = lc.traffic_routing_config().expect("trafficRoutingConfig");
    assert_eq!(t.r#type(), Some(&TrafficRoutingType::TimeBasedCanary));
    let can = t.time_based_canary().expect("timeBasedCanary");
    assert_eq!((can.canary_percentage(), can.canary_interval()), (10, 5));
    let ecs = config_info(&c, "CodeDeployDefault.ECSLinear10PercentEvery3Minutes").await;
    assert_eq!(ecs.compute_platform(), Some(&ComputePlatform::Ecs));
    let lin = ecs
        .traffic_routing_config()
        .and_then(|t| t.time_based_linear())
        .expect("timeBasedLinear");
    assert_eq!((lin.linear_percentage(), lin.linear_interval()), (10, 3));
    let ecs_all = config_info(&c, "CodeDeployDefault.ECSAllAtOnce").await;
    assert_eq!(
        ecs_all.traffic_routing_config().and_then(|t| t.r#type()),
        Some(&TrafficRoutingType::AllAtOnce)
    );

    // Custom Server configurations.
    let id = c
        .create_deployment_config()
        .deployment_config_name("two-healthy")
        .minimum_healthy_hosts(mhh(MinimumHealthyHostsType::HostCount, 2))
        .send()
        .await
        .expect("CreateDeploymentConfig HOST_COUNT")
        .deployment_config_id()
        .expect("deploymentConfigId")
        .to_string();
    assert!(is_uuid(&id), "{id}");
    let got = config_info(&c, "two-healthy").await;
    assert_eq!(got.deployment_config_id(), Some(id.as_str()));
    assert_eq!(got.compute_platform(), Some(&ComputePlatform::Server));
    let m = got.minimum_healthy_hosts().expect("minimumHealthyHosts");
    assert_eq!(
        (m.r#type(), m.value()),
        (Some(&MinimumHealthyHostsType::HostCount), 2)
    );
    c.create_deployment_config()
        .deployment_config_name("three-quarters")
        .compute_platform(ComputePlatform::Server)
        .minimum_healthy_hosts(mhh(MinimumHealthyHostsType::FleetPercent, 75))
        .send()
        .await
        .expect("CreateDeploymentConfig FLEET_PERCENT");
    let m = config_info(&c, "three-quarters")
        .await
        .minimum_healthy_hosts()
        .cloned()
        .expect("minimumHealthyHosts");
    assert_eq!(
        (m.r#type(), m.value()),
        (Some(&MinimumHealthyHostsType::FleetPercent), 75)
    );
    c.create_deployment_config()
        .deployment_config_name("zonal")
        .minimum_healthy_hosts(mhh(MinimumHealthyHostsType::HostCount, 1))
        .zonal_config(
            ZonalConfig::builder()
                .monitor_duration_in_seconds(60)
                .first_zone_monitor_duration_in_seconds(120)
                .minimum_healthy_hosts_per_zone(
                    MinimumHealthyHostsPerZone::builder()
                        .r#type(MinimumHealthyHostsPerZoneType::HostCount)
                        .value(1)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentConfig with a zonal config");
    let z = config_info(&c, "zonal").await;
    let zc = z.zonal_config().expect("zonalConfig");
    assert_eq!(zc.monitor_duration_in_seconds(), Some(60));
    assert_eq!(zc.first_zone_monitor_duration_in_seconds(), Some(120));

    // Custom Lambda and ECS configurations.
    c.create_deployment_config()
        .deployment_config_name("lambda-canary")
        .compute_platform(ComputePlatform::Lambda)
        .traffic_routing_config(canary(20, 15))
        .send()
        .await
        .expect("CreateDeploymentConfig canary");
    let lc = config_info(&c, "lambda-canary").await;
    assert_eq!(lc.compute_platform(), Some(&ComputePlatform::Lambda));
    let can = lc
        .traffic_routing_config()
        .and_then(|t| t.time_based_canary())
        .expect("timeBasedCanary");
    assert_eq!((can.canary_percentage(), can.canary_interval()), (20, 15));
    c.create_deployment_config()
        .deployment_config_name("lambda-linear")
        .compute_platform(ComputePlatform::Lambda)
        .traffic_routing_config(linear(25, 2))
        .send()
        .await
        .expect("CreateDeploymentConfig linear");
    let lin = config_info(&c, "lambda-linear")
        .await
        .traffic_routing_config()
        .and_then(|t| t.time_based_linear())
        .cloned()
        .expect("timeBasedLinear");
    assert_eq!((lin.linear_percentage(), lin.linear_interval()), (25, 2));
    c.create_deployment_config()
        .deployment_config_name("ecs-all")
        .compute_platform(ComputePlatform::Ecs)
        .traffic_routing_config(
            TrafficRoutingConfig::builder()
                .r#type(TrafficRoutingType::AllAtOnce)
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentConfig ECS AllAtOnce");

    // Errors of CreateDeploymentConfig.
    let e = c
        .create_deployment_config()
        .deployment_config_name("CodeDeployDefault.Mine")
        .minimum_healthy_hosts(mhh(MinimumHealthyHostsType::HostCount, 1))
        .send()
        .await
        .expect_err("reserved prefix");
    assert!(e
        .into_service_error()
        .is_invalid_deployment_config_name_exception());
    assert_code(
        c.create_deployment_config()
            .deployment_config_name("CodeDeployDefault.OneAtATime")
            .minimum_healthy_hosts(mhh(MinimumHealthyHostsType::HostCount, 1))
            .send()
            .await,
        "InvalidDeploymentConfigNameException",
    );
    let e = c
        .create_deployment_config()
        .deployment_config_name("two-healthy")
        .minimum_healthy_hosts(mhh(MinimumHealthyHostsType::HostCount, 2))
        .send()
        .await
        .expect_err("duplicate");
    assert!(e
        .into_service_error()
        .is_deployment_config_already_exists_exception());
    for (what, m) in [
        (
            "FLEET_PERCENT 100",
            Some(mhh(MinimumHealthyHostsType::FleetPercent, 100)),
        ),
        (
            "HOST_COUNT -1",
            Some(mhh(MinimumHealthyHostsType::HostCount, -1)),
        ),
        ("no minimumHealthyHosts", None),
    ] {
        let e = c
            .create_deployment_config()
            .deployment_config_name("bad-mhh")
            .set_minimum_healthy_hosts(m)
            .send()
            .await
            .expect_err(what);
        assert!(
            e.into_service_error()
                .is_invalid_minimum_healthy_host_value_exception(),
            "{what}"
        );
    }
    for (what, platform, t) in [
        ("canary 0 %", ComputePlatform::Lambda, canary(0, 5)),
        ("canary 100 %", ComputePlatform::Lambda, canary(100, 5)),
        ("linear 0 minutes", ComputePlatform::Ecs, linear(10, 0)),
        ("linear too long", ComputePlatform::Lambda, linear(1, 100)),
        (
            "canary without its block",
            ComputePlatform::Lambda,
            TrafficRoutingConfig::builder()
                .r#type(TrafficRoutingType::TimeBasedCanary)
                .build(),
        ),
        (
            "routing on a Server config",
            ComputePlatform::Server,
            canary(10, 5),
        ),
    ] {
        let e = c
            .create_deployment_config()
            .deployment_config_name("bad-routing")
            .compute_platform(platform)
            .traffic_routing_config(t)
            .send()
            .await
            .expect_err(what);
        assert!(
            e.into_service_error()
                .is_invalid_traffic_routing_configuration_exception(),
            "{what}"
        );
    }
    assert_code(
        c.create_deployment_config()
            .deployment_config_name("lambda-zonal")
            .compute_platform(ComputePlatform::Lambda)
            .traffic_routing_config(canary(10, 5))
            .zonal_config(
                ZonalConfig::builder()
                    .monitor_duration_in_seconds(5)
                    .build(),
            )
            .send()
            .await,
        "InvalidZonalDeploymentConfigurationException",
    );
    assert_code(
        c.create_deployment_config()
            .deployment_config_name("k8s")
            .compute_platform(ComputePlatform::from("Kubernetes"))
            .send()
            .await,
        "InvalidComputePlatformException",
    );
    let r = s
        .raw(
            "CreateDeploymentConfig",
            r#"{"minimumHealthyHosts":{"type":"HOST_COUNT","value":1}}"#,
        )
        .await;
    assert_eq!(r.error_type(), "DeploymentConfigNameRequiredException");

    // Errors of GetDeploymentConfig.
    let e = c
        .get_deployment_config()
        .deployment_config_name("nope")
        .send()
        .await
        .expect_err("missing");
    assert!(e
        .into_service_error()
        .is_deployment_config_does_not_exist_exception());
    assert_code(
        c.get_deployment_config()
            .deployment_config_name("bad name")
            .send()
            .await,
        "InvalidDeploymentConfigNameException",
    );
    let r = s.raw("GetDeploymentConfig", "{}").await;
    assert_eq!(r.error_type(), "DeploymentConfigNameRequiredException");

    // DeleteDeploymentConfig.
    let e = c
        .delete_deployment_config()
        .deployment_config_name("CodeDeployDefault.AllAtOnce")
        .send()
        .await
        .expect_err("predefined");
    assert!(e.into_service_error().is_invalid_operation_exception());
    create_app(&c, "cfg-app", ComputePlatform::Server).await;
    ec2_group(&c, "cfg-app", "uses-it", "Name", "web", Some("two-healthy")).await;
    let e = c
        .delete_deployment_config()
        .deployment_config_name("two-healthy")
        .send()
        .await
        .expect_err("in use");
    assert!(e
        .into_service_error()
        .is_deployment_config_in_use_exception());
    c.delete_deployment_group()
        .application_name("cfg-app")
        .deployment_group_name("uses-it")
        .send()
        .await
        .expect("DeleteDeploymentGroup");
    c.delete_deployment_config()
        .deployment_config_name("two-healthy")
        .send()
        .await
        .expect("DeleteDeploymentConfig once unused");
    assert_code(
        c.get_deployment_config()
            .deployment_config_name("two-healthy")
            .send()
            .await,
        "DeploymentConfigDoesNotExistException",
    );
    c.delete_deployment_config()
        .deployment_config_name("lambda-canary")
        .send()
        .await
        .expect("DeleteDeploymentConfig Lambda");
    c.delete_deployment_config()
        .deployment_config_name("never-existed")
        .send()
        .await
        .expect("DeleteDeploymentConfig of a missing config is a no-op");
    assert_code(
        c.delete_deployment_config()
            .deployment_config_name("bad name")
            .send()
            .await,
        "InvalidDeploymentConfigNameException",
    );
    let r = s.raw("DeleteDeploymentConfig", "{}").await;
    assert_eq!(r.error_type(), "DeploymentConfigNameRequiredException");

    let list = c
        .list_deployment_configs()
        .send()
        .await
        .expect("ListDeploymentConfigs");
    let custom: BTreeSet<&str> = list
        .deployment_configs_list()
        .iter()
        .map(String::as_str)
        .filter(|n| !n.starts_with("CodeDeployDefault."))
        .collect();
    assert_eq!(
        custom,
        BTreeSet::from(["ecs-all", "lambda-linear", "three-quarters", "zonal"])
    );
    assert_eq!(list.deployment_configs_list().len(), 17 + 4);
    s.stop().await;
}

// ---------------------------------------------------------------------------
// Deployment groups: CreateDeploymentGroup, GetDeploymentGroup,
// BatchGetDeploymentGroups, UpdateDeploymentGroup, DeleteDeploymentGroup,
// ListDeploymentGroups

async fn group_info(c: &Client, app: &str, group: &str) -> DeploymentGroupInfo {
    c.get_deployment_group()
        .application_name(app)
        .deployment_group_name(group)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetDeploymentGroup {app}/{group}: {e:?}"))
        .deployment_group_info
        .expect("deploymentGroupInfo")
}

fn trigger(name: &str) -> TriggerConfig {
    TriggerConfig::builder()
        .trigger_name(name)
        .trigger_target_arn(SNS)
        .trigger_events(TriggerEventType::DeploymentFailure)
        .trigger_events(TriggerEventType::InstanceFailure)
        .build()
}

fn alarms(names: &[&str]) -> AlarmConfiguration {
    let mut b = AlarmConfiguration::builder()
        .enabled(true)
        .ignore_poll_alarm_failure(false);
    for n in names {
        b = b.alarms(Alarm::builder().name(*n).build());
    }
    b.build()
}

fn with_traffic_control() -> DeploymentStyle {
    DeploymentStyle::builder()
        .deployment_type(DeploymentType::InPlace)
        .deployment_option(DeploymentOption::WithTrafficControl)
        .build()
}

fn target_group(name: &str) -> LoadBalancerInfo {
    LoadBalancerInfo::builder()
        .target_group_info_list(TargetGroupInfo::builder().name(name).build())
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_groups() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;

    // Tag filters, triggers, alarms, automatic rollback, resource tags.
    let id = c
        .create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .trigger_configurations(trigger("notify"))
        .alarm_configuration(alarms(&["HighErrorRate", "HighLatency"]))
        .auto_rollback_configuration(rollback_on_failure())
        .tags(tag("team", "web"))
        .send()
        .await
        .expect("CreateDeploymentGroup")
        .deployment_group_id()
        .expect("deploymentGroupId")
        .to_string();
    assert!(is_uuid(&id), "{id}");
    let g = group_info(&c, "web-app", "prod").await;
    assert_eq!(g.deployment_group_id(), Some(id.as_str()));
    assert_eq!(g.application_name(), Some("web-app"));
    assert_eq!(g.compute_platform(), Some(&ComputePlatform::Server));
    assert_eq!(
        g.deployment_config_name(),
        Some("CodeDeployDefault.OneAtATime")
    );
    assert_eq!(g.service_role_arn(), Some(ROLE));
    assert_eq!(g.ec2_tag_filters(), [ec2("Name", "web")]);
    let style = g.deployment_style().expect("deploymentStyle");
    assert_eq!(style.deployment_type(), Some(&DeploymentType::InPlace));
    assert_eq!(
        style.deployment_option(),
        Some(&DeploymentOption::WithoutTrafficControl)
    );
    assert_eq!(
        g.outdated_instances_strategy(),
        Some(&OutdatedInstancesStrategy::Update)
    );
    assert_eq!(g.trigger_configurations(), [trigger("notify")]);
    let a = g.alarm_configuration().expect("alarmConfiguration");
    assert!(a.enabled());
    let names: Vec<&str> = a.alarms().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["HighErrorRate", "HighLatency"]);
    let rb = g
        .auto_rollback_configuration()
        .expect("autoRollbackConfiguration");
    assert!(rb.enabled());
    assert_eq!(rb.events(), [AutoRollbackEvent::DeploymentFailure]);
    assert!(g.target_revision().is_none());
    assert!(g.last_attempted_deployment().is_none());

    // An EC2 tag set (AND of ORs) and an on-premises tag set.
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("tag-set")
        .service_role_arn(ROLE)
        .ec2_tag_set(
            Ec2TagSet::builder()
                .ec2_tag_set_list(vec![ec2("Name", "web"), ec2("Name", "api")])
                .ec2_tag_set_list(vec![ec2("env", "prod")])
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentGroup with ec2TagSet");
    let g = group_info(&c, "web-app", "tag-set").await;
    assert_eq!(g.ec2_tag_set().map(|s| s.ec2_tag_set_list().len()), Some(2));
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("onprem-set")
        .service_role_arn(ROLE)
        .on_premises_tag_set(
            OnPremisesTagSet::builder()
                .on_premises_tag_set_list(vec![onprem("site", "dc1")])
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentGroup with onPremisesTagSet");
    let g = group_info(&c, "web-app", "onprem-set").await;
    assert_eq!(
        g.on_premises_tag_set()
            .map(|s| s.on_premises_tag_set_list().to_vec()),
        Some(vec![vec![onprem("site", "dc1")]])
    );

    // An Auto Scaling group of the fleet gets a launch hook.
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("asg")
        .service_role_arn(ROLE)
        .auto_scaling_groups("web-asg")
        .send()
        .await
        .expect("CreateDeploymentGroup with an ASG");
    let g = group_info(&c, "web-app", "asg").await;
    let asg = g.auto_scaling_groups();
    assert_eq!(asg.len(), 1);
    assert_eq!(asg[0].name(), Some("web-asg"));
    assert!(
        asg[0]
            .hook()
            .is_some_and(|h| h.starts_with("CodeDeploy-managed-automatic-launch-deployment-hook-")),
        "{asg:?}"
    );

    // In place behind a load balancer, and blue/green (created, not deployed).
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("behind-lb")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .deployment_style(with_traffic_control())
        .load_balancer_info(target_group("web-tg"))
        .send()
        .await
        .expect("CreateDeploymentGroup with a load balancer");
    let g = group_info(&c, "web-app", "behind-lb").await;
    assert_eq!(g.load_balancer_info(), Some(&target_group("web-tg")));
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("blue-green")
        .service_role_arn(ROLE)
        .auto_scaling_groups("web-asg")
        .deployment_style(
            DeploymentStyle::builder()
                .deployment_type(DeploymentType::BlueGreen)
                .deployment_option(DeploymentOption::WithTrafficControl)
                .build(),
        )
        .load_balancer_info(
            LoadBalancerInfo::builder()
                .elb_info_list(ElbInfo::builder().name("web-elb").build())
                .build(),
        )
        .blue_green_deployment_configuration(
            BlueGreenDeploymentConfiguration::builder()
                .green_fleet_provisioning_option(
                    GreenFleetProvisioningOption::builder()
                        .action(GreenFleetProvisioningAction::CopyAutoScalingGroup)
                        .build(),
                )
                .deployment_ready_option(
                    DeploymentReadyOption::builder()
                        .action_on_timeout(DeploymentReadyAction::ContinueDeployment)
                        .build(),
                )
                .terminate_blue_instances_on_deployment_success(
                    BlueInstanceTerminationOption::builder()
                        .action(InstanceAction::Terminate)
                        .termination_wait_time_in_minutes(5)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentGroup blue/green");
    let g = group_info(&c, "web-app", "blue-green").await;
    assert_eq!(
        g.deployment_style().and_then(|s| s.deployment_type()),
        Some(&DeploymentType::BlueGreen)
    );
    assert!(g.blue_green_deployment_configuration().is_some());

    // Lambda and ECS applications take groups without instance selectors.
    create_app(&c, "fn-app", ComputePlatform::Lambda).await;
    c.create_deployment_group()
        .application_name("fn-app")
        .deployment_group_name("live")
        .service_role_arn(ROLE)
        .deployment_config_name("CodeDeployDefault.LambdaLinear10PercentEvery1Minute")
        .send()
        .await
        .expect("CreateDeploymentGroup Lambda");
    let g = group_info(&c, "fn-app", "live").await;
    assert_eq!(g.compute_platform(), Some(&ComputePlatform::Lambda));
    let style = g.deployment_style().expect("deploymentStyle");
    assert_eq!(style.deployment_type(), Some(&DeploymentType::BlueGreen));
    assert_eq!(
        style.deployment_option(),
        Some(&DeploymentOption::WithTrafficControl)
    );
    create_app(&c, "svc-app", ComputePlatform::Ecs).await;
    let ecs_group = |name: &str, service: &str| {
        c.create_deployment_group()
            .application_name("svc-app")
            .deployment_group_name(name)
            .service_role_arn(ROLE)
            .deployment_config_name("CodeDeployDefault.ECSAllAtOnce")
            .ecs_services(
                EcsService::builder()
                    .cluster_name("main")
                    .service_name(service)
                    .build(),
            )
            .deployment_style(
                DeploymentStyle::builder()
                    .deployment_type(DeploymentType::BlueGreen)
                    .deployment_option(DeploymentOption::WithTrafficControl)
                    .build(),
            )
            .load_balancer_info(
                LoadBalancerInfo::builder()
                    .target_group_pair_info_list(
                        TargetGroupPairInfo::builder()
                            .target_groups(TargetGroupInfo::builder().name("blue-tg").build())
                            .target_groups(TargetGroupInfo::builder().name("green-tg").build())
                            .prod_traffic_route(
                                TrafficRoute::builder()
                                    .listener_arns("arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/web/1/2")
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .blue_green_deployment_configuration(
                BlueGreenDeploymentConfiguration::builder()
                    .deployment_ready_option(
                        DeploymentReadyOption::builder()
                            .action_on_timeout(DeploymentReadyAction::ContinueDeployment)
                            .build(),
                    )
                    .terminate_blue_instances_on_deployment_success(
                        BlueInstanceTerminationOption::builder()
                            .action(InstanceAction::Terminate)
                            .termination_wait_time_in_minutes(5)
                            .build(),
                    )
                    .build(),
            )
            .send()
    };
    ecs_group("ecs", "web")
        .await
        .expect("CreateDeploymentGroup ECS");
    let g = group_info(&c, "svc-app", "ecs").await;
    assert_eq!(g.compute_platform(), Some(&ComputePlatform::Ecs));
    assert_eq!(g.ecs_services().len(), 1);
    assert_code(
        ecs_group("ecs-2", "web").await,
        "ECSServiceMappingLimitExceededException",
    );
    assert_code(
        c.create_deployment_group()
            .application_name("fn-app")
            .deployment_group_name("with-tags")
            .service_role_arn(ROLE)
            .ec2_tag_filters(ec2("Name", "web"))
            .send()
            .await,
        "InvalidInputException",
    );
    // A Lambda configuration does not fit a Server application.
    assert_code(
        c.create_deployment_group()
            .application_name("web-app")
            .deployment_group_name("wrong-config")
            .service_role_arn(ROLE)
            .deployment_config_name("CodeDeployDefault.LambdaAllAtOnce")
            .send()
            .await,
        "InvalidDeploymentConfigNameException",
    );

    // Errors of CreateDeploymentGroup.
    let create = |name: &str| {
        c.create_deployment_group()
            .application_name("web-app")
            .deployment_group_name(name)
    };
    let e = create("prod")
        .service_role_arn(ROLE)
        .send()
        .await
        .expect_err("duplicate");
    assert!(e
        .into_service_error()
        .is_deployment_group_already_exists_exception());
    let e = create("no-role").send().await.expect_err("no role");
    assert!(e.into_service_error().is_role_required_exception());
    let e = create("bad-role")
        .service_role_arn("not-a-role")
        .send()
        .await
        .expect_err("bad role");
    assert!(e.into_service_error().is_invalid_role_exception());
    let e = create("both-ec2")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .ec2_tag_set(
            Ec2TagSet::builder()
                .ec2_tag_set_list(vec![ec2("env", "prod")])
                .build(),
        )
        .send()
        .await
        .expect_err("filters and set");
    assert!(e
        .into_service_error()
        .is_invalid_ec2_tag_combination_exception());
    assert_code(
        create("both-onprem")
            .service_role_arn(ROLE)
            .on_premises_instance_tag_filters(onprem("site", "dc1"))
            .on_premises_tag_set(
                OnPremisesTagSet::builder()
                    .on_premises_tag_set_list(vec![onprem("site", "dc2")])
                    .build(),
            )
            .send()
            .await,
        "InvalidOnPremisesTagCombinationException",
    );
    let e = create("no-asg")
        .service_role_arn(ROLE)
        .auto_scaling_groups("no-such-asg")
        .send()
        .await
        .expect_err("unknown ASG");
    assert!(e
        .into_service_error()
        .is_invalid_auto_scaling_group_exception());
    let e = create("empty-alarms")
        .service_role_arn(ROLE)
        .alarm_configuration(AlarmConfiguration::builder().enabled(true).build())
        .send()
        .await
        .expect_err("enabled without alarms");
    assert!(e.into_service_error().is_invalid_alarm_config_exception());
    assert_code(
        create("dup-alarms")
            .service_role_arn(ROLE)
            .alarm_configuration(alarms(&["HighLatency", "HighLatency"]))
            .send()
            .await,
        "InvalidAlarmConfigException",
    );
    let eleven: Vec<String> = (0..11).map(|i| format!("alarm-{i}")).collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    assert_code(
        create("many-alarms")
            .service_role_arn(ROLE)
            .alarm_configuration(alarms(&eleven))
            .send()
            .await,
        "AlarmsLimitExceededException",
    );
    let e = create("no-events")
        .service_role_arn(ROLE)
        .auto_rollback_configuration(AutoRollbackConfiguration::builder().enabled(true).build())
        .send()
        .await
        .expect_err("rollback without events");
    assert!(e
        .into_service_error()
        .is_invalid_auto_rollback_config_exception());
    let e = create("bad-trigger")
        .service_role_arn(ROLE)
        .trigger_configurations(
            TriggerConfig::builder()
                .trigger_name("t")
                .trigger_target_arn("not-an-sns-topic")
                .trigger_events(TriggerEventType::DeploymentStart)
                .build(),
        )
        .send()
        .await
        .expect_err("bad trigger target");
    assert!(e.into_service_error().is_invalid_trigger_config_exception());
    let e = create("bad-config")
        .service_role_arn(ROLE)
        .deployment_config_name("no-such-config")
        .send()
        .await
        .expect_err("unknown config");
    assert!(e
        .into_service_error()
        .is_deployment_config_does_not_exist_exception());
    let e = create("no-lb")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .deployment_style(with_traffic_control())
        .send()
        .await
        .expect_err("traffic control without a load balancer");
    assert!(e
        .into_service_error()
        .is_invalid_load_balancer_info_exception());
    assert_code(
        create("bad name!").service_role_arn(ROLE).send().await,
        "InvalidDeploymentGroupNameException",
    );
    assert_code(
        c.create_deployment_group()
            .application_name("nope")
            .deployment_group_name("g")
            .service_role_arn(ROLE)
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    let r = s
        .raw(
            "CreateDeploymentGroup",
            &json!({"applicationName": "web-app", "serviceRoleArn": ROLE}).to_string(),
        )
        .await;
    assert_eq!(r.error_type(), "DeploymentGroupNameRequiredException");

    // Readers and their errors.
    let e = c
        .get_deployment_group()
        .application_name("web-app")
        .deployment_group_name("nope")
        .send()
        .await
        .expect_err("missing group");
    assert!(e
        .into_service_error()
        .is_deployment_group_does_not_exist_exception());
    assert_code(
        c.get_deployment_group()
            .application_name("nope")
            .deployment_group_name("prod")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    let batch = c
        .batch_get_deployment_groups()
        .application_name("web-app")
        .deployment_group_names("prod")
        .deployment_group_names("missing-one")
        .deployment_group_names("asg")
        .send()
        .await
        .expect("BatchGetDeploymentGroups");
    let names: Vec<&str> = batch
        .deployment_groups_info()
        .iter()
        .filter_map(|g| g.deployment_group_name())
        .collect();
    assert_eq!(names, ["prod", "asg"]);
    assert!(
        batch
            .error_message()
            .is_some_and(|m| m.contains("missing-one")),
        "{batch:?}"
    );
    let all_found = c
        .batch_get_deployment_groups()
        .application_name("web-app")
        .deployment_group_names("prod")
        .send()
        .await
        .expect("BatchGetDeploymentGroups");
    assert!(all_found.error_message().is_none());
    assert_code(
        c.batch_get_deployment_groups()
            .application_name("web-app")
            .set_deployment_group_names(Some((0..101).map(|i| format!("g{i}")).collect()))
            .send()
            .await,
        "BatchLimitExceededException",
    );
    assert_code(
        c.batch_get_deployment_groups()
            .application_name("nope")
            .deployment_group_names("prod")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.batch_get_deployment_groups()
            .application_name("web-app")
            .send()
            .await,
        "DeploymentGroupNameRequiredException",
    );

    // UpdateDeploymentGroup: a partial update keeps the members it does not name.
    let before = group_info(&c, "web-app", "prod").await;
    let up = c
        .update_deployment_group()
        .application_name("web-app")
        .current_deployment_group_name("prod")
        .deployment_config_name("CodeDeployDefault.HalfAtATime")
        .send()
        .await
        .expect("UpdateDeploymentGroup");
    assert!(up.hooks_not_cleaned_up().is_empty());
    let after = group_info(&c, "web-app", "prod").await;
    assert_eq!(
        after.deployment_config_name(),
        Some("CodeDeployDefault.HalfAtATime")
    );
    assert_eq!(after.ec2_tag_filters(), before.ec2_tag_filters());
    assert_eq!(
        after.trigger_configurations(),
        before.trigger_configurations()
    );
    assert_eq!(after.alarm_configuration(), before.alarm_configuration());
    assert_eq!(
        after.auto_rollback_configuration(),
        before.auto_rollback_configuration()
    );
    assert_eq!(after.service_role_arn(), before.service_role_arn());
    // Rename keeps the ID; the tags follow the group.
    c.update_deployment_group()
        .application_name("web-app")
        .current_deployment_group_name("prod")
        .new_deployment_group_name("production")
        .ec2_tag_filters(ec2("Name", "api"))
        .send()
        .await
        .expect("UpdateDeploymentGroup rename");
    let renamed = group_info(&c, "web-app", "production").await;
    assert_eq!(renamed.deployment_group_id(), Some(id.as_str()));
    assert_eq!(renamed.ec2_tag_filters(), [ec2("Name", "api")]);
    assert_eq!(
        renamed.deployment_config_name(),
        Some("CodeDeployDefault.HalfAtATime")
    );
    assert_code(
        c.get_deployment_group()
            .application_name("web-app")
            .deployment_group_name("prod")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    let tags = c
        .list_tags_for_resource()
        .resource_arn(group_arn("web-app", "production"))
        .send()
        .await
        .expect("ListTagsForResource");
    assert_eq!(tags.tags(), [tag("team", "web")]);
    // An empty ASG list detaches them all.
    c.update_deployment_group()
        .application_name("web-app")
        .current_deployment_group_name("asg")
        .set_auto_scaling_groups(Some(vec![]))
        .ec2_tag_filters(ec2("Name", "web"))
        .send()
        .await
        .expect("UpdateDeploymentGroup detach ASGs");
    assert!(group_info(&c, "web-app", "asg")
        .await
        .auto_scaling_groups()
        .is_empty());
    let e = c
        .update_deployment_group()
        .application_name("web-app")
        .current_deployment_group_name("production")
        .new_deployment_group_name("asg")
        .send()
        .await
        .expect_err("rename onto an existing group");
    assert!(e
        .into_service_error()
        .is_deployment_group_already_exists_exception());
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("nope")
            .deployment_config_name("CodeDeployDefault.AllAtOnce")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("production")
            .service_role_arn("arn:aws:iam::000000000000:user/not-a-role")
            .send()
            .await,
        "InvalidRoleException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("production")
            .deployment_config_name("no-such-config")
            .send()
            .await,
        "DeploymentConfigDoesNotExistException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("production")
            .auto_scaling_groups("no-such-asg")
            .send()
            .await,
        "InvalidAutoScalingGroupException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("production")
            .ec2_tag_set(
                Ec2TagSet::builder()
                    .ec2_tag_set_list(vec![ec2("env", "prod")])
                    .build(),
            )
            .send()
            .await,
        "InvalidEC2TagCombinationException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("production")
            .deployment_style(with_traffic_control())
            .send()
            .await,
        "InvalidLoadBalancerInfoException",
    );

    let list = c
        .list_deployment_groups()
        .application_name("web-app")
        .send()
        .await
        .expect("ListDeploymentGroups");
    assert_eq!(list.application_name(), Some("web-app"));
    assert_eq!(
        list.deployment_groups(),
        [
            "asg",
            "behind-lb",
            "blue-green",
            "onprem-set",
            "production",
            "tag-set"
        ]
    );
    assert!(list.next_token().is_none());
    assert_code(
        c.list_deployment_groups()
            .application_name("nope")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );

    // DeleteDeploymentGroup is idempotent.
    for _ in 0..2 {
        let out = c
            .delete_deployment_group()
            .application_name("web-app")
            .deployment_group_name("tag-set")
            .send()
            .await
            .expect("DeleteDeploymentGroup");
        assert!(out.hooks_not_cleaned_up().is_empty());
    }
    assert_code(
        c.get_deployment_group()
            .application_name("web-app")
            .deployment_group_name("tag-set")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_code(
        c.delete_deployment_group()
            .application_name("web-app")
            .deployment_group_name("bad name")
            .send()
            .await,
        "InvalidDeploymentGroupNameException",
    );
    let r = s
        .raw("DeleteDeploymentGroup", r#"{"applicationName":"web-app"}"#)
        .await;
    assert_eq!(r.error_type(), "DeploymentGroupNameRequiredException");
    s.stop().await;
}

// ---------------------------------------------------------------------------
// Deployments: CreateDeployment, GetDeployment, BatchGetDeployments,
// ListDeployments, StopDeployment, ContinueDeployment,
// SkipWaitTimeForInstanceTermination, PutLifecycleEventHookExecutionStatus

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    ec2_group(&c, "web-app", "prod", "Name", "web", None).await;
    let rev1 = s3("releases", "web/app-1.zip");

    let d1 = c
        .create_deployment()
        .application_name("web-app")
        .deployment_group_name("prod")
        .revision(rev1.clone())
        .description("first release")
        .send()
        .await
        .expect("CreateDeployment")
        .deployment_id()
        .expect("deploymentId")
        .to_string();
    assert!(codedeck::model::ids::is_deployment_id(&d1), "{d1}");
    let info = s.wait_deployment(&c, &d1).await;
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
    assert_eq!(info.revision(), Some(&rev1));
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

    // The group remembers the success and targets the revision.
    let g = group_info(&c, "web-app", "prod").await;
    assert_eq!(g.target_revision(), Some(&rev1));
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

    // A second deployment records the previous revision.
    let rev2 = s3("releases", "web/app-2.zip");
    let d2 = deploy_with(
        &c,
        "web-app",
        "prod",
        rev2.clone(),
        "CodeDeployDefault.AllAtOnce",
    )
    .await;
    let info2 = s.wait_deployment(&c, &d2).await;
    assert_eq!(info2.status(), Some(&DeploymentStatus::Succeeded));
    assert_eq!(info2.previous_revision(), Some(&rev1));
    assert_eq!(
        info2.deployment_config_name(),
        Some("CodeDeployDefault.AllAtOnce")
    );

    // BatchGetDeployments: unknown IDs are left out; more than 25 is an error.
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

    // ListDeployments, with and without the application/group pair and filters.
    let all = c.list_deployments().send().await.expect("ListDeployments");
    let all: BTreeSet<&str> = all.deployments().iter().map(String::as_str).collect();
    assert_eq!(all, BTreeSet::from([d1.as_str(), d2.as_str()]));
    ec2_group(&c, "web-app", "staging", "Name", "web-staging", None).await;
    let d3 = deploy(&c, "web-app", "staging", rev1.clone()).await;
    s.wait_deployment(&c, &d3).await;
    let prod = c
        .list_deployments()
        .application_name("web-app")
        .deployment_group_name("prod")
        .send()
        .await
        .expect("ListDeployments prod");
    let prod: BTreeSet<&str> = prod.deployments().iter().map(String::as_str).collect();
    assert_eq!(prod, BTreeSet::from([d1.as_str(), d2.as_str()]));
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

    // GetDeployment errors.
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

    // Finished deployments cannot be stopped, continued or skipped.
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
    // A Server deployment has no hook executions.
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

    // Errors of CreateDeployment.
    let e = c
        .create_deployment()
        .application_name("web-app")
        .revision(rev1.clone())
        .send()
        .await
        .expect_err("no group");
    assert!(e
        .into_service_error()
        .is_deployment_group_name_required_exception());
    ec2_group(&c, "web-app", "fresh", "Name", "web", None).await;
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
        .revision(rev1.clone())
        .description("x".repeat(257))
        .send()
        .await
        .expect_err("257-character description");
    assert!(e.into_service_error().is_description_too_long_exception());
    assert_code(
        c.create_deployment()
            .application_name("web-app")
            .deployment_group_name("nope")
            .revision(rev1.clone())
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_code(
        c.create_deployment()
            .application_name("nope")
            .deployment_group_name("fresh")
            .revision(rev1.clone())
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.create_deployment()
            .application_name("web-app")
            .deployment_group_name("fresh")
            .revision(rev1.clone())
            .deployment_config_name("no-such-config")
            .send()
            .await,
        "DeploymentConfigDoesNotExistException",
    );
    assert_code(
        c.create_deployment()
            .application_name("web-app")
            .deployment_group_name("fresh")
            .revision(rev1.clone())
            .file_exists_behavior(FileExistsBehavior::from("CLOBBER"))
            .send()
            .await,
        "InvalidFileExistsBehaviorException",
    );
    assert_code(
        c.create_deployment()
            .application_name("web-app")
            .deployment_group_name("fresh")
            .revision(rev1.clone())
            .auto_rollback_configuration(AutoRollbackConfiguration::builder().enabled(true).build())
            .send()
            .await,
        "InvalidAutoRollbackConfigException",
    );
    assert_code(
        c.create_deployment()
            .application_name("web-app")
            .deployment_group_name("fresh")
            .revision(rev1.clone())
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
    // With no revision, the group's target revision is deployed again.
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
    assert_eq!(info.revision(), Some(&rev2));
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

// ---------------------------------------------------------------------------
// Targets and instances: ListDeploymentTargets, GetDeploymentTarget,
// BatchGetDeploymentTargets, ListDeploymentInstances, GetDeploymentInstance,
// BatchGetDeploymentInstances

const WEB: [&str; 3] = [
    "i-0a1b2c3d4e5f00001",
    "i-0a1b2c3d4e5f00002",
    "i-0a1b2c3d4e5f00003",
];

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_and_instances() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    ec2_group(&c, "web-app", "plain", "Name", "web", None).await;
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
    let plain = deploy(&c, "web-app", "plain", s3("releases", "a.zip")).await;
    assert_eq!(
        s.wait_deployment(&c, &plain).await.status(),
        Some(&DeploymentStatus::Succeeded)
    );
    let lb = deploy(&c, "web-app", "behind-lb", s3("releases", "a.zip")).await;
    assert_eq!(
        s.wait_deployment(&c, &lb).await.status(),
        Some(&DeploymentStatus::Succeeded)
    );

    // ListDeploymentTargets and its filters.
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

    // GetDeploymentTarget: 7 events without a load balancer, 13 with one.
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
    assert_events_succeeded(
        it,
        &[
            "ApplicationStop",
            "DownloadBundle",
            "BeforeInstall",
            "Install",
            "AfterInstall",
            "ApplicationStart",
            "ValidateService",
        ],
    );
    let t = c
        .get_deployment_target()
        .deployment_id(&lb)
        .target_id(WEB[1])
        .send()
        .await
        .expect("GetDeploymentTarget behind a load balancer")
        .deployment_target
        .expect("deploymentTarget");
    assert_events_succeeded(
        t.instance_target().expect("instanceTarget"),
        &[
            "BeforeBlockTraffic",
            "BlockTraffic",
            "AfterBlockTraffic",
            "ApplicationStop",
            "DownloadBundle",
            "BeforeInstall",
            "Install",
            "AfterInstall",
            "ApplicationStart",
            "ValidateService",
            "BeforeAllowTraffic",
            "AllowTraffic",
            "AfterAllowTraffic",
        ],
    );
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

    // BatchGetDeploymentTargets.
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

    // The deprecated instance operations.
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

// ---------------------------------------------------------------------------
// On-premises instances: RegisterOnPremisesInstance,
// DeregisterOnPremisesInstance, GetOnPremisesInstance,
// BatchGetOnPremisesInstances, ListOnPremisesInstances,
// AddTagsToOnPremisesInstances, RemoveTagsFromOnPremisesInstances

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

fn session_arn(name: &str) -> String {
    format!("arn:aws:sts::{ACCOUNT}:assumed-role/CodeDeployInstanceRole/{name}")
}

async fn list_onprem(
    c: &Client,
    status: Option<RegistrationStatus>,
    filters: Vec<TagFilter>,
) -> Vec<String> {
    c.list_on_premises_instances()
        .set_registration_status(status)
        .set_tag_filters(Some(filters))
        .send()
        .await
        .expect("ListOnPremisesInstances")
        .instance_names()
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_premises_instances() {
    let s = ApiServer::start().await;
    let c = s.client();
    c.register_on_premises_instance()
        .instance_name("rack-1")
        .iam_user_arn(user_arn("rack-1"))
        .send()
        .await
        .expect("RegisterOnPremisesInstance iamUserArn");
    c.register_on_premises_instance()
        .instance_name("rack-2")
        .iam_session_arn(session_arn("rack-2"))
        .send()
        .await
        .expect("RegisterOnPremisesInstance iamSessionArn");

    // Registration errors.
    let e = c
        .register_on_premises_instance()
        .instance_name("rack-3")
        .send()
        .await
        .expect_err("no ARN");
    assert!(e.into_service_error().is_iam_arn_required_exception());
    let e = c
        .register_on_premises_instance()
        .instance_name("rack-3")
        .iam_user_arn(user_arn("rack-3"))
        .iam_session_arn(session_arn("rack-3"))
        .send()
        .await
        .expect_err("both ARNs");
    assert!(e
        .into_service_error()
        .is_multiple_iam_arns_provided_exception());
    let e = c
        .register_on_premises_instance()
        .instance_name("rack-1")
        .iam_user_arn(user_arn("another"))
        .send()
        .await
        .expect_err("name taken");
    assert!(e
        .into_service_error()
        .is_instance_name_already_registered_exception());
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-3")
            .iam_user_arn(user_arn("rack-1"))
            .send()
            .await,
        "IamUserArnAlreadyRegisteredException",
    );
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-3")
            .iam_session_arn(session_arn("rack-2"))
            .send()
            .await,
        "IamSessionArnAlreadyRegisteredException",
    );
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-3")
            .iam_user_arn("arn:aws:iam::000000000000:role/not-a-user")
            .send()
            .await,
        "InvalidIamUserArnException",
    );
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-3")
            .iam_session_arn("not-an-arn")
            .send()
            .await,
        "InvalidIamSessionArnException",
    );
    assert_code(
        c.register_on_premises_instance()
            .instance_name("bad name")
            .iam_user_arn(user_arn("x"))
            .send()
            .await,
        "InvalidInstanceNameException",
    );
    let r = s
        .raw(
            "RegisterOnPremisesInstance",
            &json!({"iamUserArn": user_arn("x")}).to_string(),
        )
        .await;
    assert_eq!(r.error_type(), "InstanceNameRequiredException");

    // Readers.
    let info = c
        .get_on_premises_instance()
        .instance_name("rack-1")
        .send()
        .await
        .expect("GetOnPremisesInstance")
        .instance_info
        .expect("instanceInfo");
    assert_eq!(info.instance_name(), Some("rack-1"));
    assert_eq!(info.iam_user_arn(), Some(user_arn("rack-1").as_str()));
    assert!(info.iam_session_arn().is_none());
    assert_eq!(
        info.instance_arn(),
        Some(format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:instance/rack-1").as_str())
    );
    assert!(info.register_time().is_some());
    assert!(info.deregister_time().is_none());
    assert!(info.tags().is_empty());
    let e = c
        .get_on_premises_instance()
        .instance_name("nope")
        .send()
        .await
        .expect_err("unknown instance");
    assert!(e
        .into_service_error()
        .is_instance_not_registered_exception());
    let batch = c
        .batch_get_on_premises_instances()
        .instance_names("rack-2")
        .instance_names("nope")
        .instance_names("rack-1")
        .send()
        .await
        .expect("BatchGetOnPremisesInstances");
    let names: BTreeSet<&str> = batch
        .instance_infos()
        .iter()
        .filter_map(|i| i.instance_name())
        .collect();
    assert_eq!(names, BTreeSet::from(["rack-1", "rack-2"]));
    assert_code(
        c.batch_get_on_premises_instances()
            .set_instance_names(Some((0..26).map(|i| format!("rack-{i}")).collect()))
            .send()
            .await,
        "BatchLimitExceededException",
    );
    assert_code(
        c.batch_get_on_premises_instances().send().await,
        "InstanceNameRequiredException",
    );

    // Tags.
    c.add_tags_to_on_premises_instances()
        .instance_names("rack-1")
        .instance_names("rack-2")
        .tags(tag("site", "dc1"))
        .tags(tag("role", "app"))
        .send()
        .await
        .expect("AddTagsToOnPremisesInstances");
    c.add_tags_to_on_premises_instances()
        .instance_names("rack-2")
        .tags(tag("site", "dc2"))
        .send()
        .await
        .expect("AddTagsToOnPremisesInstances overwrite");
    let tags = c
        .get_on_premises_instance()
        .instance_name("rack-2")
        .send()
        .await
        .expect("GetOnPremisesInstance")
        .instance_info
        .expect("instanceInfo")
        .tags()
        .to_vec();
    let tags: BTreeSet<(String, String)> = tags
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        tags,
        BTreeSet::from([
            ("role".to_string(), "app".to_string()),
            ("site".to_string(), "dc2".to_string())
        ])
    );
    assert_eq!(
        list_onprem(&c, None, vec![onprem("site", "dc1")]).await,
        ["rack-1"]
    );
    assert_eq!(
        list_onprem(&c, None, vec![onprem("site", "dc1"), onprem("site", "dc2")]).await,
        ["rack-1", "rack-2"]
    );
    let key_only = TagFilter::builder()
        .key("role")
        .r#type(TagFilterType::KeyOnly)
        .build();
    assert_eq!(
        list_onprem(&c, None, vec![key_only]).await,
        ["rack-1", "rack-2"]
    );
    c.remove_tags_from_on_premises_instances()
        .instance_names("rack-1")
        .tags(tag("site", "dc1"))
        .send()
        .await
        .expect("RemoveTagsFromOnPremisesInstances");
    assert!(list_onprem(&c, None, vec![onprem("site", "dc1")])
        .await
        .is_empty());
    let e = c
        .add_tags_to_on_premises_instances()
        .instance_names("nope")
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("unknown instance");
    assert!(e
        .into_service_error()
        .is_instance_not_registered_exception());
    assert_code(
        c.add_tags_to_on_premises_instances()
            .instance_names("rack-1")
            .send()
            .await,
        "TagRequiredException",
    );
    assert_code(
        c.add_tags_to_on_premises_instances()
            .instance_names("rack-1")
            .tags(Tag::builder().value("no key").build())
            .send()
            .await,
        "InvalidTagException",
    );
    assert_code(
        c.add_tags_to_on_premises_instances()
            .tags(tag("a", "b"))
            .send()
            .await,
        "InstanceNameRequiredException",
    );
    let eleven: Vec<Tag> = (0..11).map(|i| tag(&format!("k{i}"), "v")).collect();
    assert_code(
        c.add_tags_to_on_premises_instances()
            .instance_names("rack-1")
            .set_tags(Some(eleven))
            .send()
            .await,
        "TagLimitExceededException",
    );
    assert_code(
        c.remove_tags_from_on_premises_instances()
            .instance_names("nope")
            .tags(tag("a", "b"))
            .send()
            .await,
        "InstanceNotRegisteredException",
    );
    assert_code(
        c.list_on_premises_instances()
            .registration_status(RegistrationStatus::from("Lost"))
            .send()
            .await,
        "InvalidRegistrationStatusException",
    );
    assert_code(
        c.list_on_premises_instances()
            .tag_filters(TagFilter::builder().r#type(TagFilterType::KeyOnly).build())
            .send()
            .await,
        "InvalidTagFilterException",
    );

    // A deployment to on-premises instances picked by tag.
    create_app(&c, "dc-app", ComputePlatform::Server).await;
    c.create_deployment_group()
        .application_name("dc-app")
        .deployment_group_name("racks")
        .service_role_arn(ROLE)
        .on_premises_instance_tag_filters(onprem("role", "app"))
        .send()
        .await
        .expect("CreateDeploymentGroup on-premises");
    let d = deploy(&c, "dc-app", "racks", s3("releases", "dc-1.zip")).await;
    let info = s.wait_deployment(&c, &d).await;
    assert_eq!(
        info.status(),
        Some(&DeploymentStatus::Succeeded),
        "{info:?}"
    );
    let ids = c
        .list_deployment_targets()
        .deployment_id(&d)
        .send()
        .await
        .expect("ListDeploymentTargets");
    assert_eq!(ids.target_ids(), ["rack-1", "rack-2"]);
    let t = c
        .get_deployment_target()
        .deployment_id(&d)
        .target_id("rack-2")
        .send()
        .await
        .expect("GetDeploymentTarget")
        .deployment_target
        .and_then(|t| t.instance_target)
        .expect("instanceTarget");
    assert_eq!(
        t.target_arn(),
        Some(format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:instance/rack-2").as_str())
    );

    // An instance tagged codedeck:fail=BeforeInstall fails that event.
    c.register_on_premises_instance()
        .instance_name("rack-bad")
        .iam_user_arn(user_arn("rack-bad"))
        .send()
        .await
        .expect("RegisterOnPremisesInstance");
    c.add_tags_to_on_premises_instances()
        .instance_names("rack-bad")
        .tags(tag("role", "broken"))
        .tags(tag("codedeck:fail", "BeforeInstall"))
        .send()
        .await
        .expect("AddTagsToOnPremisesInstances");
    c.create_deployment_group()
        .application_name("dc-app")
        .deployment_group_name("broken")
        .service_role_arn(ROLE)
        .on_premises_instance_tag_filters(onprem("role", "broken"))
        .auto_rollback_configuration(rollback_on_failure())
        .send()
        .await
        .expect("CreateDeploymentGroup");
    let d = deploy(&c, "dc-app", "broken", s3("releases", "dc-1.zip")).await;
    let info = s.wait_deployment(&c, &d).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed), "{info:?}");
    assert!(info.error_information().and_then(|e| e.code()).is_some());
    let rb = info.rollback_info().expect("rollbackInfo");
    assert!(rb.rollback_message().is_some_and(|m| !m.is_empty()));
    assert!(rb.rollback_deployment_id().is_none());
    let t = c
        .get_deployment_target()
        .deployment_id(&d)
        .target_id("rack-bad")
        .send()
        .await
        .expect("GetDeploymentTarget")
        .deployment_target
        .and_then(|t| t.instance_target)
        .expect("instanceTarget");
    assert_eq!(t.status(), Some(&TargetStatus::Failed));
    let events = t.lifecycle_events();
    let at = events
        .iter()
        .position(|e| e.lifecycle_event_name() == Some("BeforeInstall"))
        .expect("BeforeInstall");
    for e in &events[..at] {
        assert_eq!(e.status(), Some(&LifecycleEventStatus::Succeeded), "{e:?}");
    }
    let failed = &events[at];
    assert_eq!(failed.status(), Some(&LifecycleEventStatus::Failed));
    let diag = failed.diagnostics().expect("diagnostics");
    assert_eq!(diag.error_code(), Some(&LifecycleErrorCode::ScriptFailed));
    assert!(
        diag.script_name().is_some_and(|n| !n.is_empty()),
        "{diag:?}"
    );
    assert!(diag.message().is_some_and(|m| !m.is_empty()), "{diag:?}");
    assert!(diag.log_tail().is_some_and(|l| !l.is_empty()), "{diag:?}");
    for e in &events[at + 1..] {
        assert_eq!(e.status(), Some(&LifecycleEventStatus::Skipped), "{e:?}");
    }

    // Deregistration: idempotent; the instance stays listed as Deregistered.
    for _ in 0..2 {
        c.deregister_on_premises_instance()
            .instance_name("rack-2")
            .send()
            .await
            .expect("DeregisterOnPremisesInstance");
    }
    c.deregister_on_premises_instance()
        .instance_name("never-registered")
        .send()
        .await
        .expect("DeregisterOnPremisesInstance of an unknown name");
    assert_code(
        c.deregister_on_premises_instance()
            .instance_name("bad name")
            .send()
            .await,
        "InvalidInstanceNameException",
    );
    assert_eq!(
        list_onprem(&c, Some(RegistrationStatus::Deregistered), vec![]).await,
        ["rack-2"]
    );
    assert_eq!(
        list_onprem(&c, Some(RegistrationStatus::Registered), vec![]).await,
        ["rack-1", "rack-bad"]
    );
    assert_eq!(
        list_onprem(&c, None, vec![]).await,
        ["rack-1", "rack-2", "rack-bad"]
    );
    let gone = c
        .get_on_premises_instance()
        .instance_name("rack-2")
        .send()
        .await
        .expect("GetOnPremisesInstance of a deregistered instance")
        .instance_info
        .expect("instanceInfo");
    assert!(gone.deregister_time().is_some());
    let e = c
        .add_tags_to_on_premises_instances()
        .instance_names("rack-2")
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("deregistered");
    assert!(e
        .into_service_error()
        .is_instance_not_registered_exception());
    // The name stays taken while CodeDeploy keeps the record (24 hours, #22;
    // tests/api_front_door.rs); after that it is free again.
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-2")
            .iam_session_arn(session_arn("rack-2-new"))
            .send()
            .await,
        "InstanceNameAlreadyRegisteredException",
    );
    s.runtime.advance(24 * 3_600_000);
    c.register_on_premises_instance()
        .instance_name("rack-2")
        .iam_session_arn(session_arn("rack-2"))
        .send()
        .await
        .expect("RegisterOnPremisesInstance 24 hours after deregistration");
    s.stop().await;
}

// ---------------------------------------------------------------------------
// Revisions: RegisterApplicationRevision, GetApplicationRevision,
// BatchGetApplicationRevisions, ListApplicationRevisions

async fn revision_info(c: &Client, app: &str, rev: &RevisionLocation) -> GenericRevisionInfo {
    c.get_application_revision()
        .application_name(app)
        .revision(rev.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetApplicationRevision: {e:?}"))
        .revision_info
        .expect("revisionInfo")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revisions() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    let a = s3("releases", "web/a.zip");
    let b = s3("releases", "web/b.zip");
    let other = s3("archive", "web/old.zip");
    let gh = github("octo/web", "0123456789abcdef0123456789abcdef01234567");
    for (rev, desc) in [(&a, "A"), (&b, "B"), (&other, "old"), (&gh, "from GitHub")] {
        c.register_application_revision()
            .application_name("web-app")
            .revision(rev.clone())
            .description(desc)
            .send()
            .await
            .expect("RegisterApplicationRevision");
        // Distinct register times (virtual time moves 1000x wall time).
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let got = c
        .get_application_revision()
        .application_name("web-app")
        .revision(a.clone())
        .send()
        .await
        .expect("GetApplicationRevision");
    assert_eq!(got.application_name(), Some("web-app"));
    assert_eq!(got.revision(), Some(&a));
    let info = got.revision_info().expect("revisionInfo");
    assert_eq!(info.description(), Some("A"));
    assert!(info.register_time().is_some());
    assert!(info.first_used_time().is_none());
    assert!(info.last_used_time().is_none());
    assert!(info.deployment_groups().is_empty());
    assert_eq!(
        revision_info(&c, "web-app", &gh).await.description(),
        Some("from GitHub")
    );

    let e = c
        .get_application_revision()
        .application_name("web-app")
        .revision(s3("releases", "web/never.zip"))
        .send()
        .await
        .expect_err("unregistered revision");
    assert!(e
        .into_service_error()
        .is_revision_does_not_exist_exception());
    assert_code(
        c.get_application_revision()
            .application_name("nope")
            .revision(a.clone())
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.get_application_revision()
            .application_name("web-app")
            .send()
            .await,
        "RevisionRequiredException",
    );
    assert_code(
        c.get_application_revision()
            .application_name("web-app")
            .revision(appspec_content())
            .send()
            .await,
        "InvalidRevisionException",
    );

    // BatchGetApplicationRevisions reports what it did not find.
    let batch = c
        .batch_get_application_revisions()
        .application_name("web-app")
        .revisions(a.clone())
        .revisions(s3("releases", "web/never.zip"))
        .revisions(gh.clone())
        .send()
        .await
        .expect("BatchGetApplicationRevisions");
    assert_eq!(batch.application_name(), Some("web-app"));
    let locations: Vec<&RevisionLocation> = batch
        .revisions()
        .iter()
        .filter_map(|r| r.revision_location())
        .collect();
    assert_eq!(locations, [&a, &gh]);
    assert!(batch.error_message().is_some_and(|m| !m.is_empty()));
    let e = c
        .batch_get_application_revisions()
        .application_name("web-app")
        .set_revisions(Some(
            (0..26)
                .map(|i| s3("releases", &format!("{i}.zip")))
                .collect(),
        ))
        .send()
        .await
        .expect_err("26 revisions");
    assert!(e.into_service_error().is_batch_limit_exceeded_exception());
    assert_code(
        c.batch_get_application_revisions()
            .application_name("web-app")
            .send()
            .await,
        "RevisionRequiredException",
    );

    // Registration errors.
    let e = c
        .register_application_revision()
        .application_name("web-app")
        .revision(a.clone())
        .description("x".repeat(257))
        .send()
        .await
        .expect_err("description too long");
    assert!(e.into_service_error().is_description_too_long_exception());
    assert_code(
        c.register_application_revision()
            .application_name("web-app")
            .revision(appspec_content())
            .send()
            .await,
        "InvalidRevisionException",
    );
    assert_code(
        c.register_application_revision()
            .application_name("nope")
            .revision(a.clone())
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.register_application_revision()
            .application_name("web-app")
            .send()
            .await,
        "RevisionRequiredException",
    );

    // ListApplicationRevisions: sorting and filters.
    let list = |sort: Option<SortOrder>| {
        c.list_application_revisions()
            .application_name("web-app")
            .sort_by(ApplicationRevisionSortBy::RegisterTime)
            .set_sort_order(sort)
    };
    let desc = list(Some(SortOrder::Descending))
        .send()
        .await
        .expect("ListApplicationRevisions descending");
    assert_eq!(
        desc.revisions(),
        [gh.clone(), other.clone(), b.clone(), a.clone()]
    );
    assert!(desc.next_token().is_none());
    let asc = list(Some(SortOrder::Ascending))
        .send()
        .await
        .expect("ListApplicationRevisions ascending");
    assert_eq!(
        asc.revisions(),
        [a.clone(), b.clone(), other.clone(), gh.clone()]
    );
    let default_order = list(None).send().await.expect("default order");
    assert_eq!(default_order.revisions(), asc.revisions());
    let bucket = c
        .list_application_revisions()
        .application_name("web-app")
        .s3_bucket("releases")
        .send()
        .await
        .expect("ListApplicationRevisions s3Bucket");
    assert_eq!(bucket.revisions().len(), 2);
    let prefix = c
        .list_application_revisions()
        .application_name("web-app")
        .s3_bucket("releases")
        .s3_key_prefix("web/b")
        .send()
        .await
        .expect("ListApplicationRevisions s3KeyPrefix");
    assert_eq!(prefix.revisions(), std::slice::from_ref(&b));
    let e = c
        .list_application_revisions()
        .application_name("web-app")
        .s3_key_prefix("web/")
        .send()
        .await
        .expect_err("prefix without bucket");
    assert!(e
        .into_service_error()
        .is_bucket_name_filter_required_exception());
    assert_code(
        c.list_application_revisions()
            .application_name("web-app")
            .sort_by(ApplicationRevisionSortBy::from("size"))
            .send()
            .await,
        "InvalidSortByException",
    );
    assert_code(
        c.list_application_revisions()
            .application_name("web-app")
            .sort_order(SortOrder::from("sideways"))
            .send()
            .await,
        "InvalidSortOrderException",
    );
    assert_code(
        c.list_application_revisions()
            .application_name("web-app")
            .deployed(ListStateFilterAction::from("maybe"))
            .send()
            .await,
        "InvalidDeployedStateFilterException",
    );
    assert_code(
        c.list_application_revisions()
            .application_name("nope")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );

    // Deploying a revision sets its use times and makes it a group's target.
    ec2_group(&c, "web-app", "prod", "Name", "web", None).await;
    let d = deploy(&c, "web-app", "prod", b.clone()).await;
    let deployed_info = s.wait_deployment(&c, &d).await;
    assert_eq!(deployed_info.status(), Some(&DeploymentStatus::Succeeded));
    let info = revision_info(&c, "web-app", &b).await;
    assert_eq!(info.description(), Some("B"), "registration is kept");
    let first = info.first_used_time().expect("firstUsedTime").as_secs_f64();
    let last = info.last_used_time().expect("lastUsedTime").as_secs_f64();
    assert!(first <= last);
    assert!(info.register_time().expect("registerTime").as_secs_f64() <= first);
    assert_eq!(info.deployment_groups(), ["prod"]);
    let include = c
        .list_application_revisions()
        .application_name("web-app")
        .deployed(ListStateFilterAction::Include)
        .send()
        .await
        .expect("deployed include");
    assert_eq!(include.revisions(), std::slice::from_ref(&b));
    let exclude = c
        .list_application_revisions()
        .application_name("web-app")
        .deployed(ListStateFilterAction::Exclude)
        .send()
        .await
        .expect("deployed exclude");
    assert_eq!(exclude.revisions().len(), 3);
    assert!(!exclude.revisions().contains(&b));
    let by_use = c
        .list_application_revisions()
        .application_name("web-app")
        .sort_by(ApplicationRevisionSortBy::LastUsedTime)
        .sort_order(SortOrder::Descending)
        .send()
        .await
        .expect("sort by lastUsedTime");
    assert_eq!(by_use.revisions().first(), Some(&b));
    // A revision first seen in a deployment is registered by it.
    let fresh = s3("releases", "web/c.zip");
    let d = deploy(&c, "web-app", "prod", fresh.clone()).await;
    s.wait_deployment(&c, &d).await;
    let info = revision_info(&c, "web-app", &fresh).await;
    assert!(info.register_time().is_some() && info.first_used_time().is_some());
    assert_eq!(info.deployment_groups(), ["prod"]);
    assert!(revision_info(&c, "web-app", &b)
        .await
        .deployment_groups()
        .is_empty());
    s.stop().await;
}

// ---------------------------------------------------------------------------
// Tags: TagResource, UntagResource, ListTagsForResource

async fn tags_of(c: &Client, arn: &str) -> Vec<Tag> {
    c.list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListTagsForResource {arn}: {e:?}"))
        .tags()
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_tags() {
    let s = ApiServer::start().await;
    let c = s.client();
    c.create_application()
        .application_name("web-app")
        .tags(tag("team", "web"))
        .send()
        .await
        .expect("CreateApplication with tags");
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .tags(tag("stage", "prod"))
        .send()
        .await
        .expect("CreateDeploymentGroup with tags");
    let app = app_arn("web-app");
    let group = group_arn("web-app", "prod");
    assert_eq!(tags_of(&c, &app).await, [tag("team", "web")]);
    assert_eq!(tags_of(&c, &group).await, [tag("stage", "prod")]);

    c.tag_resource()
        .resource_arn(&app)
        .tags(tag("cost-center", "42"))
        .tags(tag("team", "platform"))
        .send()
        .await
        .expect("TagResource application");
    let got: BTreeSet<(String, String)> = tags_of(&c, &app)
        .await
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().into(),
                t.value().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        BTreeSet::from([
            ("cost-center".into(), "42".into()),
            ("team".into(), "platform".into())
        ])
    );
    c.untag_resource()
        .resource_arn(&app)
        .tag_keys("team")
        .tag_keys("not-there")
        .send()
        .await
        .expect("UntagResource application");
    assert_eq!(tags_of(&c, &app).await, [tag("cost-center", "42")]);
    c.tag_resource()
        .resource_arn(&group)
        .tags(tag("owner", "ops"))
        .send()
        .await
        .expect("TagResource group");
    c.untag_resource()
        .resource_arn(&group)
        .tag_keys("stage")
        .send()
        .await
        .expect("UntagResource group");
    assert_eq!(tags_of(&c, &group).await, [tag("owner", "ops")]);

    // Errors.
    let e = c
        .tag_resource()
        .resource_arn("not-an-arn")
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("bad ARN");
    assert!(e.into_service_error().is_invalid_arn_exception());
    assert_code(
        c.list_tags_for_resource()
            .resource_arn("arn:aws")
            .send()
            .await,
        "InvalidArnException",
    );
    let config_arn = format!(
        "arn:aws:codedeploy:us-east-1:{ACCOUNT}:deploymentconfig:CodeDeployDefault.OneAtATime"
    );
    let e = c
        .tag_resource()
        .resource_arn(&config_arn)
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("deployment configs are not taggable");
    assert!(e.into_service_error().is_arn_not_supported_exception());
    assert_code(
        c.list_tags_for_resource()
            .resource_arn(&config_arn)
            .send()
            .await,
        "ArnNotSupportedException",
    );
    assert_code(
        c.untag_resource()
            .resource_arn("arn:aws:s3:::my-bucket")
            .tag_keys("a")
            .send()
            .await,
        "ArnNotSupportedException",
    );
    let e = c
        .tag_resource()
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("no ARN");
    assert!(e.into_service_error().is_resource_arn_required_exception());
    assert_code(
        c.list_tags_for_resource().send().await,
        "ResourceArnRequiredException",
    );
    assert_code(
        c.untag_resource().tag_keys("a").send().await,
        "ResourceArnRequiredException",
    );
    assert_code(
        c.tag_resource()
            .resource_arn(app_arn("nope"))
            .tags(tag("a", "b"))
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.untag_resource()
            .resource_arn(group_arn("web-app", "nope"))
            .tag_keys("a")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_code(
        c.tag_resource().resource_arn(&app).send().await,
        "TagRequiredException",
    );
    assert_code(
        c.untag_resource().resource_arn(&app).send().await,
        "TagRequiredException",
    );
    assert_code(
        c.tag_resource()
            .resource_arn(&app)
            .tags(Tag::builder().value("no key").build())
            .send()
            .await,
        "InvalidTagsToAddException",
    );
    s.stop().await;
}

// ---------------------------------------------------------------------------
// GitHub connections and CloudFormation: ListGitHubAccountTokenNames,
// DeleteGitHubAccountToken, DeleteResourcesByExternalId

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_tokens_and_external_ids() {
    let s = ApiServer::start().await;
    let c = s.client();
    let list = c
        .list_git_hub_account_token_names()
        .send()
        .await
        .expect("ListGitHubAccountTokenNames");
    assert!(list.token_name_list().is_empty());
    assert!(list.next_token().is_none());
    let e = c
        .list_git_hub_account_token_names()
        .next_token("garbage")
        .send()
        .await
        .expect_err("bad token");
    assert!(e.into_service_error().is_invalid_next_token_exception());
    let e = c
        .delete_git_hub_account_token()
        .token_name("my-github")
        .send()
        .await
        .expect_err("no such token");
    assert!(e
        .into_service_error()
        .is_git_hub_account_token_does_not_exist_exception());
    assert_code(
        c.delete_git_hub_account_token().send().await,
        "GitHubAccountTokenNameRequiredException",
    );
    c.delete_resources_by_external_id()
        .external_id("cfn-stack-1234")
        .send()
        .await
        .expect("DeleteResourcesByExternalId");
    c.delete_resources_by_external_id()
        .send()
        .await
        .expect("DeleteResourcesByExternalId without an ID");
    s.stop().await;
}

// ---------------------------------------------------------------------------
// Pagination of the 9 paginated operations (page size 100)

/// Walks every page of a list operation by hand (the SDK has no paginator for
/// ListOnPremisesInstances, ListDeploymentTargets or ListGitHubAccountTokenNames): `$call` is the fluent builder
/// (re-evaluated per page), `$items` the output's list accessor. Returns every
/// item in order and each page's length.
macro_rules! walk {
    ($call:expr, $items:ident) => {{
        let mut all: Vec<String> = Vec::new();
        let mut pages: Vec<usize> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = $call
                .set_next_token(token.take())
                .send()
                .await
                .unwrap_or_else(|e| panic!("page {}: {e:?}", pages.len() + 1));
            pages.push(out.$items().len());
            all.extend(out.$items().iter().cloned());
            match out.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
            assert!(pages.len() < 50, "runaway pagination");
        }
        (all, pages)
    }};
}

/// Every page is full except the last, which is not empty.
fn assert_pages(pages: &[usize], total: usize) {
    assert_eq!(pages.iter().sum::<usize>(), total, "{pages:?}");
    assert!(pages.len() >= 2, "expected several pages: {pages:?}");
    let (last, full) = pages.split_last().expect("a page");
    assert!(full.iter().all(|n| *n == 100), "{pages:?}");
    assert!((1..=100).contains(last), "{pages:?}");
}

fn assert_same_set(got: &[String], expected: &[String], what: &str) {
    assert_unique(got, what);
    let got: BTreeSet<&String> = got.iter().collect();
    let expected: BTreeSet<&String> = expected.iter().collect();
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing {missing:?}, unexpected {extra:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_applications() {
    let s = ApiServer::start().await;
    let c = s.client();
    let names: Vec<String> = (0..250).map(|i| format!("app-{i:03}")).collect();
    for n in &names {
        create_app(&c, n, ComputePlatform::Server).await;
    }
    let (all, pages) = walk!(c.list_applications(), applications);
    assert_pages(&pages, 250);
    assert_same_set(&all, &names, "ListApplications");

    // Applications created between pages: nothing twice, nothing lost.
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut page = 0;
    loop {
        let out = c
            .list_applications()
            .set_next_token(token.take())
            .send()
            .await
            .expect("ListApplications");
        seen.extend(out.applications().iter().cloned());
        page += 1;
        // Before, at and after the cursor.
        for n in [
            format!("aaa-{page}"),
            format!("app-050-{page}"),
            format!("app-150-{page}"),
            format!("zzz-{page}"),
        ] {
            create_app(&c, &n, ComputePlatform::Server).await;
        }
        match out.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_unique(&seen, "ListApplications with inserts");
    for n in &names {
        assert!(seen.contains(n), "{n} was skipped");
    }

    let items = c
        .list_applications()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListApplications paginator");
    assert_eq!(items.len(), 250 + 4 * page);
    assert_unique(&items, "ListApplications paginator");

    let e = c
        .list_applications()
        .next_token("garbage")
        .send()
        .await
        .expect_err("bad token");
    assert!(e.into_service_error().is_invalid_next_token_exception());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_deployment_configs_and_groups() {
    let s = ApiServer::start().await;
    let c = s.client();
    let mut configs: Vec<String> = PREDEFINED.iter().map(|n| n.to_string()).collect();
    for i in 0..100 {
        let name = format!("custom-{i:03}");
        c.create_deployment_config()
            .deployment_config_name(&name)
            .minimum_healthy_hosts(mhh(MinimumHealthyHostsType::HostCount, 1))
            .send()
            .await
            .expect("CreateDeploymentConfig");
        configs.push(name);
    }
    let (all, pages) = walk!(c.list_deployment_configs(), deployment_configs_list);
    assert_pages(&pages, 117);
    assert_same_set(&all, &configs, "ListDeploymentConfigs");
    let items = c
        .list_deployment_configs()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListDeploymentConfigs paginator");
    assert_same_set(&items, &configs, "ListDeploymentConfigs paginator");
    assert_code(
        c.list_deployment_configs()
            .next_token("garbage")
            .send()
            .await,
        "InvalidNextTokenException",
    );

    create_app(&c, "many", ComputePlatform::Server).await;
    create_app(&c, "other", ComputePlatform::Server).await;
    ec2_group(&c, "other", "not-listed", "Name", "web", None).await;
    let mut groups = Vec::new();
    for i in 0..120 {
        let name = format!("group-{i:03}");
        ec2_group(&c, "many", &name, "Name", "web", None).await;
        groups.push(name);
    }
    let (all, pages) = walk!(
        c.list_deployment_groups().application_name("many"),
        deployment_groups
    );
    assert_pages(&pages, 120);
    assert_same_set(&all, &groups, "ListDeploymentGroups");
    let items = c
        .list_deployment_groups()
        .application_name("many")
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListDeploymentGroups paginator");
    assert_same_set(&items, &groups, "ListDeploymentGroups paginator");
    assert_code(
        c.list_deployment_groups()
            .application_name("many")
            .next_token("garbage")
            .send()
            .await,
        "InvalidNextTokenException",
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_on_premises_instances() {
    let s = ApiServer::start().await;
    let c = s.client();
    let mut names = Vec::new();
    for i in 0..130 {
        let name = format!("host-{i:03}");
        c.register_on_premises_instance()
            .instance_name(&name)
            .iam_user_arn(user_arn(&name))
            .send()
            .await
            .expect("RegisterOnPremisesInstance");
        names.push(name);
    }
    let (all, pages) = walk!(c.list_on_premises_instances(), instance_names);
    assert_pages(&pages, 130);
    assert_same_set(&all, &names, "ListOnPremisesInstances");
    let (registered, pages) = walk!(
        c.list_on_premises_instances()
            .registration_status(RegistrationStatus::Registered),
        instance_names
    );
    assert_pages(&pages, 130);
    assert_same_set(&registered, &names, "ListOnPremisesInstances Registered");
    assert_code(
        c.list_on_premises_instances()
            .next_token("garbage")
            .send()
            .await,
        "InvalidNextTokenException",
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_application_revisions() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    let mut revs = Vec::new();
    for i in 0..130 {
        let rev = s3("releases", &format!("web/{i:03}.zip"));
        c.register_application_revision()
            .application_name("web-app")
            .revision(rev.clone())
            .send()
            .await
            .expect("RegisterApplicationRevision");
        revs.push(rev);
    }
    let key = |r: &RevisionLocation| {
        r.s3_location()
            .and_then(|l| l.key())
            .unwrap_or_default()
            .to_string()
    };
    let keys: Vec<String> = revs.iter().map(key).collect();
    // The walk! macro collects strings; revisions are structures, so walk by hand.
    for sort in [
        None,
        Some(SortOrder::Ascending),
        Some(SortOrder::Descending),
    ] {
        let mut got = Vec::new();
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = c
                .list_application_revisions()
                .application_name("web-app")
                .set_sort_by(
                    sort.as_ref()
                        .map(|_| ApplicationRevisionSortBy::RegisterTime),
                )
                .set_sort_order(sort.clone())
                .set_next_token(token.take())
                .send()
                .await
                .expect("ListApplicationRevisions");
            pages.push(out.revisions().len());
            got.extend(out.revisions().iter().map(key));
            match out.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        assert_pages(&pages, 130);
        assert_same_set(&got, &keys, &format!("ListApplicationRevisions {sort:?}"));
    }
    // Revisions registered between pages (sorting first, by key and by time):
    // nothing twice, nothing lost.
    for (round, sort) in [None, Some(SortOrder::Descending)].into_iter().enumerate() {
        let mut got = Vec::new();
        let mut token: Option<String> = None;
        let mut page = 0;
        loop {
            let out = c
                .list_application_revisions()
                .application_name("web-app")
                .set_sort_by(
                    sort.as_ref()
                        .map(|_| ApplicationRevisionSortBy::RegisterTime),
                )
                .set_sort_order(sort.clone())
                .set_next_token(token.take())
                .send()
                .await
                .expect("ListApplicationRevisions");
            got.extend(out.revisions().iter().map(key));
            page += 1;
            c.register_application_revision()
                .application_name("web-app")
                .revision(s3("aaa-first", &format!("early-{round}-{page}.zip")))
                .send()
                .await
                .expect("RegisterApplicationRevision");
            match out.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        assert_unique(
            &got,
            &format!("ListApplicationRevisions {sort:?} with inserts"),
        );
        for k in &keys {
            assert!(got.contains(k), "{k} was skipped ({sort:?})");
        }
    }
    let keys: Vec<String> = c
        .list_application_revisions()
        .application_name("web-app")
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListApplicationRevisions paginator")
        .iter()
        .map(key)
        .collect();
    assert_eq!(keys.len(), 130 + 4);
    let items = c
        .list_application_revisions()
        .application_name("web-app")
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListApplicationRevisions paginator");
    let got: Vec<String> = items.iter().map(key).collect();
    assert_same_set(&got, &keys, "ListApplicationRevisions paginator");
    assert_code(
        c.list_application_revisions()
            .application_name("web-app")
            .next_token("garbage")
            .send()
            .await,
        "InvalidNextTokenException",
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
