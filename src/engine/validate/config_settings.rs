//! CreateDeploymentConfig: minimum healthy hosts, traffic routing and zonal
//! settings, per compute platform.

use super::names::{compute_platform, custom_config_name};
use crate::model::*;
use crate::state::error::{err, ApiResult};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::validate::exc;

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
}
