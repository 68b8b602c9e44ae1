//! A deployment group's settings, each on its own: alarms, automatic
//! rollback, triggers, deployment style, load balancer, blue/green options,
//! Auto Scaling group names (CreateDeployment's overrides reuse the first two).

use super::names::arn_shape;
use crate::model::*;
use crate::state::error::{err, ApiResult};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::validate::exc;

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
}
