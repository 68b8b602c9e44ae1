//! Deployment configurations: the 17 predefined ones (in `model::configs`,
//! which the AWS source reads too) and the minimum-healthy-hosts arithmetic
//! of reference §8.1.

pub use crate::model::configs::*;
pub use crate::model::rules::health_limits;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn limits(name: &str, n: i64) -> (i64, i64) {
        let info = predefined(name).unwrap();
        health_limits(info.minimum_healthy_hosts.as_ref(), n)
    }

    #[test]
    fn seventeen_predefined_configs() {
        assert_eq!(predefined_names().count(), 17);
        let one = predefined("CodeDeployDefault.OneAtATime").unwrap();
        assert_eq!(
            one.deployment_config_id.as_deref(),
            Some("00000000-0000-0000-0000-000000000001")
        );
        let json = serde_json::to_value(&one).unwrap();
        assert_eq!(json["minimumHealthyHosts"]["type"], "MOST_CONCURRENCY");
        assert_eq!(json["minimumHealthyHosts"]["value"], 1);
        let canary = predefined("CodeDeployDefault.LambdaCanary10Percent30Minutes").unwrap();
        let c = canary
            .traffic_routing_config
            .unwrap()
            .time_based_canary
            .unwrap();
        assert_eq!(
            (c.canary_percentage, c.canary_interval),
            (Some(10), Some(30))
        );
        let lin = predefined("CodeDeployDefault.ECSLinear10PercentEvery1Minutes").unwrap();
        let l = lin
            .traffic_routing_config
            .unwrap()
            .time_based_linear
            .unwrap();
        assert_eq!(
            (l.linear_percentage, l.linear_interval),
            (Some(10), Some(1))
        );
        let all = predefined("CodeDeployDefault.ECSAllAtOnce").unwrap();
        assert_eq!(all.compute_platform, Some(ComputePlatform::Ecs));
    }

    /// Every predefined configuration, as AWS documents it: platform, rule.
    #[test]
    fn each_predefined_config_has_its_documented_rule() {
        use TrafficRoutingType::*;
        // (name without the prefix, platform, (routing, percent, minutes)).
        type Row = (
            &'static str,
            &'static str,
            Option<(TrafficRoutingType, i32, i32)>,
        );
        let table: [Row; 17] = [
            ("OneAtATime", "Server", None),
            ("HalfAtATime", "Server", None),
            ("AllAtOnce", "Server", None),
            (
                "LambdaCanary10Percent5Minutes",
                "Lambda",
                Some((TimeBasedCanary, 10, 5)),
            ),
            (
                "LambdaCanary10Percent10Minutes",
                "Lambda",
                Some((TimeBasedCanary, 10, 10)),
            ),
            (
                "LambdaCanary10Percent15Minutes",
                "Lambda",
                Some((TimeBasedCanary, 10, 15)),
            ),
            (
                "LambdaCanary10Percent30Minutes",
                "Lambda",
                Some((TimeBasedCanary, 10, 30)),
            ),
            (
                "LambdaLinear10PercentEvery1Minute",
                "Lambda",
                Some((TimeBasedLinear, 10, 1)),
            ),
            (
                "LambdaLinear10PercentEvery2Minutes",
                "Lambda",
                Some((TimeBasedLinear, 10, 2)),
            ),
            (
                "LambdaLinear10PercentEvery3Minutes",
                "Lambda",
                Some((TimeBasedLinear, 10, 3)),
            ),
            (
                "LambdaLinear10PercentEvery10Minutes",
                "Lambda",
                Some((TimeBasedLinear, 10, 10)),
            ),
            ("LambdaAllAtOnce", "Lambda", Some((AllAtOnce, 0, 0))),
            (
                "ECSLinear10PercentEvery1Minutes",
                "ECS",
                Some((TimeBasedLinear, 10, 1)),
            ),
            (
                "ECSLinear10PercentEvery3Minutes",
                "ECS",
                Some((TimeBasedLinear, 10, 3)),
            ),
            (
                "ECSCanary10Percent5Minutes",
                "ECS",
                Some((TimeBasedCanary, 10, 5)),
            ),
            (
                "ECSCanary10Percent15Minutes",
                "ECS",
                Some((TimeBasedCanary, 10, 15)),
            ),
            ("ECSAllAtOnce", "ECS", Some((AllAtOnce, 0, 0))),
        ];
        let names: Vec<&str> = predefined_names().collect();
        for (i, (short, platform, routing)) in table.iter().enumerate() {
            let name = format!("{PREDEFINED_PREFIX}{short}");
            assert_eq!(names[i], name, "AWS's order");
            assert!(is_predefined(&name));
            let info = predefined(&name).expect("predefined");
            assert_eq!(info.deployment_config_name.as_deref(), Some(name.as_str()));
            assert_eq!(
                info.compute_platform,
                Some(ComputePlatform::parse(platform)),
                "{name}"
            );
            assert_eq!(info.create_time, Some(PREDEFINED_CREATE_TIME));
            let id = format!("00000000-0000-0000-0000-{:012}", i + 1);
            assert_eq!(info.deployment_config_id.as_deref(), Some(id.as_str()));
            let Some((kind, pct, minutes)) = routing else {
                assert!(info.traffic_routing_config.is_none(), "{name}");
                assert!(info.minimum_healthy_hosts.is_some(), "{name}");
                continue;
            };
            assert!(info.minimum_healthy_hosts.is_none(), "{name}");
            let r = info.traffic_routing_config.expect("routing");
            assert_eq!(r.r#type.as_ref(), Some(kind), "{name}");
            let numbers = match kind {
                TimeBasedCanary => r
                    .time_based_canary
                    .map(|c| (c.canary_percentage, c.canary_interval)),
                TimeBasedLinear => r
                    .time_based_linear
                    .map(|l| (l.linear_percentage, l.linear_interval)),
                _ => {
                    assert!(r.time_based_canary.is_none() && r.time_based_linear.is_none());
                    continue;
                }
            };
            assert_eq!(numbers, Some((Some(*pct), Some(*minutes))), "{name}");
        }
        assert!(!is_predefined("CodeDeployDefault.Nope"));
        assert!(predefined("CodeDeployDefault.Nope").is_none());
        assert!(
            !is_predefined("OneAtATime"),
            "the prefix is part of the name"
        );
        let half = predefined("CodeDeployDefault.HalfAtATime").expect("half");
        let all = predefined("CodeDeployDefault.AllAtOnce").expect("all");
        let rule =
            |i: &DeploymentConfigInfo| i.minimum_healthy_hosts.clone().map(|m| (m.r#type, m.value));
        assert_eq!(
            rule(&half),
            Some((Some(MinimumHealthyHostsType::FleetPercent), Some(50)))
        );
        assert_eq!(
            rule(&all),
            Some((Some(MinimumHealthyHostsType::HostCount), Some(0)))
        );
    }

    #[test]
    fn documented_batching_examples() {
        assert_eq!(limits("CodeDeployDefault.OneAtATime", 10), (9, 1));
        assert_eq!(limits("CodeDeployDefault.HalfAtATime", 9), (5, 4));
        assert_eq!(limits("CodeDeployDefault.AllAtOnce", 10), (0, 10));
        let host6 = MinimumHealthyHosts {
            r#type: Some(MinimumHealthyHostsType::HostCount),
            value: Some(6),
        };
        assert_eq!(health_limits(Some(&host6), 9), (6, 3));
        let pct40 = MinimumHealthyHosts {
            r#type: Some(MinimumHealthyHostsType::FleetPercent),
            value: Some(40),
        };
        assert_eq!(health_limits(Some(&pct40), 9), (4, 5));
        let pct95 = MinimumHealthyHosts {
            r#type: Some(MinimumHealthyHostsType::FleetPercent),
            value: Some(95),
        };
        assert_eq!(health_limits(Some(&pct95), 10), (10, 0));
        let pct85 = MinimumHealthyHosts {
            r#type: Some(MinimumHealthyHostsType::FleetPercent),
            value: Some(85),
        };
        assert_eq!(health_limits(Some(&pct85), 10), (9, 1));
    }
}
