//! CreateDeploymentConfig, GetDeploymentConfig, DeleteDeploymentConfig and
//! ListDeploymentConfigs through the AWS SDK for Rust against an in-process
//! codedeck server: the success path, the typical errors, pagination.

mod common_api;

use std::collections::BTreeSet;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use common_api::*;

async fn config_info(c: &Client, name: &str) -> DeploymentConfigInfo {
    c.get_deployment_config()
        .deployment_config_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetDeploymentConfig {name}: {e:?}"))
        .deployment_config_info
        .expect("deploymentConfigInfo")
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

/// The custom Server configurations: two-healthy (HOST_COUNT 2, no platform
/// given), three-quarters (FLEET_PERCENT 75) and zonal. Returns two-healthy's ID.
async fn create_server_configs(c: &Client) -> String {
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
    c.create_deployment_config()
        .deployment_config_name("three-quarters")
        .compute_platform(ComputePlatform::Server)
        .minimum_healthy_hosts(mhh(MinimumHealthyHostsType::FleetPercent, 75))
        .send()
        .await
        .expect("CreateDeploymentConfig FLEET_PERCENT");
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
    id
}

/// The custom traffic-routing configurations: lambda-canary (20 % then the
/// rest after 15 minutes), lambda-linear (25 % every 2 minutes), ecs-all.
async fn create_routing_configs(c: &Client) {
    c.create_deployment_config()
        .deployment_config_name("lambda-canary")
        .compute_platform(ComputePlatform::Lambda)
        .traffic_routing_config(canary(20, 15))
        .send()
        .await
        .expect("CreateDeploymentConfig canary");
    c.create_deployment_config()
        .deployment_config_name("lambda-linear")
        .compute_platform(ComputePlatform::Lambda)
        .traffic_routing_config(linear(25, 2))
        .send()
        .await
        .expect("CreateDeploymentConfig linear");
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
}

async fn delete_config(c: &Client, name: &str, what: &str) {
    c.delete_deployment_config()
        .deployment_config_name(name)
        .send()
        .await
        .expect(what);
}

/// A fresh server lists exactly the predefined configurations, on one page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_server_lists_exactly_the_predefined_configs() {
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
    s.stop().await;
}

/// The predefined configurations report their IDs, platforms, minimum healthy
/// hosts and traffic routing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predefined_configs_report_their_hosts_and_traffic_routing() {
    let s = ApiServer::start().await;
    let c = s.client();
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
    s.stop().await;
}

/// Custom Server configurations get a UUID, default to the Server platform and
/// keep their minimum healthy hosts and zonal config.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_server_configs_keep_their_hosts_and_zonal_config() {
    let s = ApiServer::start().await;
    let c = s.client();
    let id = create_server_configs(&c).await;
    assert!(is_uuid(&id), "{id}");
    let got = config_info(&c, "two-healthy").await;
    assert_eq!(got.deployment_config_id(), Some(id.as_str()));
    assert_eq!(got.compute_platform(), Some(&ComputePlatform::Server));
    let m = got.minimum_healthy_hosts().expect("minimumHealthyHosts");
    assert_eq!(
        (m.r#type(), m.value()),
        (Some(&MinimumHealthyHostsType::HostCount), 2)
    );
    let m = config_info(&c, "three-quarters")
        .await
        .minimum_healthy_hosts()
        .cloned()
        .expect("minimumHealthyHosts");
    assert_eq!(
        (m.r#type(), m.value()),
        (Some(&MinimumHealthyHostsType::FleetPercent), 75)
    );
    let z = config_info(&c, "zonal").await;
    let zc = z.zonal_config().expect("zonalConfig");
    assert_eq!(zc.monitor_duration_in_seconds(), Some(60));
    assert_eq!(zc.first_zone_monitor_duration_in_seconds(), Some(120));
    s.stop().await;
}

/// Custom Lambda configurations keep their platform and canary or linear
/// traffic routing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_lambda_configs_keep_their_traffic_routing() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_routing_configs(&c).await;
    let lc = config_info(&c, "lambda-canary").await;
    assert_eq!(lc.compute_platform(), Some(&ComputePlatform::Lambda));
    let can = lc
        .traffic_routing_config()
        .and_then(|t| t.time_based_canary())
        .expect("timeBasedCanary");
    assert_eq!((can.canary_percentage(), can.canary_interval()), (20, 15));
    let lin = config_info(&c, "lambda-linear")
        .await
        .traffic_routing_config()
        .and_then(|t| t.time_based_linear())
        .cloned()
        .expect("timeBasedLinear");
    assert_eq!((lin.linear_percentage(), lin.linear_interval()), (25, 2));
    s.stop().await;
}

/// CreateDeploymentConfig refuses the reserved prefix, a predefined or taken
/// name, and minimum healthy hosts that are out of range or missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_config_rejects_reserved_taken_names_and_bad_hosts() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_server_configs(&c).await;
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
    s.stop().await;
}

/// CreateDeploymentConfig refuses invalid traffic routing, a zonal config on
/// Lambda, an unknown platform and no name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_config_rejects_bad_routing_zonal_config_and_platform() {
    let s = ApiServer::start().await;
    let c = s.client();
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
    s.stop().await;
}

/// GetDeploymentConfig refuses an unknown name, a malformed name and no name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deployment_config_rejects_unknown_bad_and_missing_names() {
    let s = ApiServer::start().await;
    let c = s.client();
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
    s.stop().await;
}

/// A predefined configuration cannot be deleted, nor one a group uses; once
/// the group is gone the configuration can be deleted and is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_deployment_config_refuses_predefined_and_in_use_configs() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_server_configs(&c).await;
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
    delete_config(&c, "two-healthy", "DeleteDeploymentConfig once unused").await;
    assert_code(
        c.get_deployment_config()
            .deployment_config_name("two-healthy")
            .send()
            .await,
        "DeploymentConfigDoesNotExistException",
    );
    s.stop().await;
}

/// Deleting a Lambda configuration works, a missing one is a no-op, a bad or
/// missing name is refused; the listing holds the custom configurations left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_configs_leave_the_listing_and_missing_ones_are_a_no_op() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_server_configs(&c).await;
    create_routing_configs(&c).await;
    delete_config(&c, "two-healthy", "DeleteDeploymentConfig unused").await;
    delete_config(&c, "lambda-canary", "DeleteDeploymentConfig Lambda").await;
    delete_config(
        &c,
        "never-existed",
        "DeleteDeploymentConfig of a missing config is a no-op",
    )
    .await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_deployment_configs() {
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
    s.stop().await;
}
