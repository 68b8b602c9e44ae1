//! The 17 predefined deployment configurations, as GetDeploymentConfig
//! returns them: known to every reader of CodeDeploy data, so the engine
//! serves them and the AWS source never calls for them.

use super::*;

/// 2014-10-06, the API version date: the creation time reported for predefined configs.
pub const PREDEFINED_CREATE_TIME: Timestamp = Timestamp(1_412_553_600_000);

/// `(name, platform, rule)` for every predefined configuration, in AWS's order.
/// OneAtATime's ID `...0001` is documented; the others' IDs are not, so codedeck
/// numbers them in this order (UNCONFIRMED, reference §16 item 6).
const PREDEFINED: [(&str, &str); 17] = [
    ("CodeDeployDefault.OneAtATime", "Server"),
    ("CodeDeployDefault.HalfAtATime", "Server"),
    ("CodeDeployDefault.AllAtOnce", "Server"),
    ("CodeDeployDefault.LambdaCanary10Percent5Minutes", "Lambda"),
    ("CodeDeployDefault.LambdaCanary10Percent10Minutes", "Lambda"),
    ("CodeDeployDefault.LambdaCanary10Percent15Minutes", "Lambda"),
    ("CodeDeployDefault.LambdaCanary10Percent30Minutes", "Lambda"),
    (
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        "Lambda",
    ),
    (
        "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
        "Lambda",
    ),
    (
        "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
        "Lambda",
    ),
    (
        "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
        "Lambda",
    ),
    ("CodeDeployDefault.LambdaAllAtOnce", "Lambda"),
    ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", "ECS"),
    ("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "ECS"),
    ("CodeDeployDefault.ECSCanary10Percent5Minutes", "ECS"),
    ("CodeDeployDefault.ECSCanary10Percent15Minutes", "ECS"),
    ("CodeDeployDefault.ECSAllAtOnce", "ECS"),
];

pub const DEFAULT_SERVER_CONFIG: &str = "CodeDeployDefault.OneAtATime";
pub const PREDEFINED_PREFIX: &str = "CodeDeployDefault.";

/// The `type` GetDeploymentConfig reports for OneAtATime (outside the enum).
pub const MOST_CONCURRENCY: &str = "MOST_CONCURRENCY";

pub fn predefined_names() -> impl Iterator<Item = &'static str> {
    PREDEFINED.iter().map(|(n, _)| *n)
}

pub fn is_predefined(name: &str) -> bool {
    PREDEFINED.iter().any(|(n, _)| *n == name)
}

/// The predefined configuration called `name`, as GetDeploymentConfig returns it.
pub fn predefined(name: &str) -> Option<DeploymentConfigInfo> {
    let pos = PREDEFINED.iter().position(|(n, _)| *n == name)?;
    let (name, platform) = PREDEFINED[pos];
    let short = name.trim_start_matches(PREDEFINED_PREFIX);
    let mut info = DeploymentConfigInfo {
        deployment_config_id: Some(format!("00000000-0000-0000-0000-{:012}", pos + 1)),
        deployment_config_name: Some(name.to_string()),
        create_time: Some(PREDEFINED_CREATE_TIME),
        compute_platform: Some(ComputePlatform::parse(platform)),
        ..Default::default()
    };
    if platform == "Server" {
        let (kind, value) = match short {
            "OneAtATime" => (
                MinimumHealthyHostsType::UnknownValue(MOST_CONCURRENCY.into()),
                1,
            ),
            "HalfAtATime" => (MinimumHealthyHostsType::FleetPercent, 50),
            _ => (MinimumHealthyHostsType::HostCount, 0),
        };
        info.minimum_healthy_hosts = Some(MinimumHealthyHosts {
            r#type: Some(kind),
            value: Some(value),
        });
    } else {
        info.traffic_routing_config = Some(traffic_routing(short));
    }
    Some(info)
}

/// Parses the canary/linear numbers out of a predefined Lambda/ECS name.
fn traffic_routing(short: &str) -> TrafficRoutingConfig {
    let digits = |s: &str| -> Vec<i32> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    let nums = digits(short);
    if short.contains("Canary") {
        TrafficRoutingConfig {
            r#type: Some(TrafficRoutingType::TimeBasedCanary),
            time_based_canary: Some(TimeBasedCanary {
                canary_percentage: nums.first().copied(),
                canary_interval: nums.get(1).copied(),
            }),
            ..Default::default()
        }
    } else if short.contains("Linear") {
        TrafficRoutingConfig {
            r#type: Some(TrafficRoutingType::TimeBasedLinear),
            time_based_linear: Some(TimeBasedLinear {
                linear_percentage: nums.first().copied(),
                linear_interval: nums.get(1).copied(),
            }),
            ..Default::default()
        }
    } else {
        TrafficRoutingConfig {
            r#type: Some(TrafficRoutingType::AllAtOnce),
            ..Default::default()
        }
    }
}
