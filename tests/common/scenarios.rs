//! Worlds the engine suites deploy into, shared with the differential test
//! (`tests/aws_source.rs`), which builds the same ones in a served runtime:
//! fleets, group settings, appspecs and configs. Each builder takes either
//! the simulator or a runtime ([`Calls`]).

use codedeck::model::*;

use super::{tag_filter, Calls};

// ---- EC2 blue/green -----------------------------------------------------------

/// Host IDs: `b` originals (Name=web), `a` replacements (fleet=green), `c`
/// spares (fleet=spare).
pub fn host(kind: char, n: usize) -> String {
    format!("i-0000000000000{kind}{n:03}")
}

pub fn hosts(kind: char, n: usize) -> Vec<String> {
    (1..=n).map(|i| host(kind, i)).collect()
}

/// A fleet of `blue` originals, `green` replacements and `spare` further
/// instances, plus the Auto Scaling group `web-asg` with three instances.
/// `extra` adds (host, more tags, more TOML lines) to single hosts.
pub fn fleet(blue: usize, green: usize, spare: usize, extra: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("[defaults]\njitter = 0.0\n");
    for (kind, n, tags) in [
        ('b', blue, "Name = \"web\", fleet = \"blue\""),
        ('a', green, "Name = \"web-next\", fleet = \"green\""),
        ('c', spare, "Name = \"web-spare\", fleet = \"spare\""),
    ] {
        for id in hosts(kind, n) {
            let (more_tags, lines) = extra
                .iter()
                .find(|(h, _, _)| *h == id)
                .map(|(_, t, l)| (*t, *l))
                .unwrap_or_default();
            s.push_str(&format!(
                "[[instance]]\nid = \"{id}\"\ntags = {{ {tags}{more_tags} }}\n{lines}\n"
            ));
        }
    }
    s.push_str(
        "[[auto_scaling_group]]\nname = \"web-asg\"\ncapacity = 3\ntags = { Name = \"asg-web\" }\n",
    );
    s
}

pub fn bg_config(
    action: GreenFleetProvisioningAction,
    ready: Option<(DeploymentReadyAction, i32)>,
    termination: (InstanceAction, i32),
) -> BlueGreenDeploymentConfiguration {
    BlueGreenDeploymentConfiguration {
        terminate_blue_instances_on_deployment_success: Some(BlueInstanceTerminationOption {
            action: Some(termination.0),
            termination_wait_time_in_minutes: Some(termination.1),
        }),
        deployment_ready_option: ready.map(|(a, m)| DeploymentReadyOption {
            action_on_timeout: Some(a),
            wait_time_in_minutes: Some(m),
        }),
        green_fleet_provisioning_option: Some(GreenFleetProvisioningOption {
            action: Some(action),
        }),
    }
}

/// A blue/green group of application `app` behind a target group.
/// DISCOVER_EXISTING groups select their originals by Name=web,
/// COPY_AUTO_SCALING_GROUP groups by `web-asg`.
pub fn bg_group(
    c: &mut impl Calls,
    name: &str,
    config: &str,
    bg: BlueGreenDeploymentConfiguration,
    tweak: impl FnOnce(&mut CreateDeploymentGroupInput),
) -> String {
    let copy = bg
        .green_fleet_provisioning_option
        .as_ref()
        .and_then(|g| g.action.clone())
        == Some(GreenFleetProvisioningAction::CopyAutoScalingGroup);
    c.group("app", name, |g| {
        g.deployment_config_name = Some(config.into());
        g.deployment_style = Some(DeploymentStyle {
            deployment_type: Some(DeploymentType::BlueGreen),
            deployment_option: Some(DeploymentOption::WithTrafficControl),
        });
        g.load_balancer_info = Some(LoadBalancerInfo {
            target_group_info_list: Some(vec![TargetGroupInfo {
                name: Some("web-tg".into()),
            }]),
            ..Default::default()
        });
        g.blue_green_deployment_configuration = Some(bg);
        if copy {
            g.auto_scaling_groups = Some(vec!["web-asg".into()]);
        } else {
            g.ec2_tag_filters = Some(vec![tag_filter("Name", "web")]);
        }
        tweak(g);
    })
    .expect("blue/green group")
}

/// Group `app/prod`: DISCOVER_EXISTING, rerouting as soon as installed.
pub fn discover_group(c: &mut impl Calls, config: &str, termination: (InstanceAction, i32)) {
    bg_group(
        c,
        "prod",
        config,
        bg_config(
            GreenFleetProvisioningAction::DiscoverExisting,
            Some((DeploymentReadyAction::ContinueDeployment, 0)),
            termination,
        ),
        |_| {},
    );
}

/// Rolling back on failure and on a stop request.
pub fn rollback_config() -> AutoRollbackConfiguration {
    AutoRollbackConfiguration {
        enabled: Some(true),
        events: Some(vec![
            AutoRollbackEvent::DeploymentFailure,
            AutoRollbackEvent::DeploymentStopOnRequest,
        ]),
    }
}

/// Group `app/prod`: DISCOVER_EXISTING one at a time, originals terminated
/// at once, rolled back on failure.
pub fn rollback_group(c: &mut impl Calls) {
    bg_group(
        c,
        "prod",
        "CodeDeployDefault.OneAtATime",
        bg_config(
            GreenFleetProvisioningAction::DiscoverExisting,
            None,
            (InstanceAction::Terminate, 0),
        ),
        |g| g.auto_rollback_configuration = Some(rollback_config()),
    );
}

/// The replacement instances a DISCOVER_EXISTING deployment names: tag `fleet`.
pub fn discover(fleet: &str) -> TargetInstances {
    TargetInstances {
        tag_filters: Some(vec![tag_filter("fleet", fleet)]),
        ..Default::default()
    }
}

/// A deployment of `key` to group `app/prod`, onto the replacements tagged
/// `fleet = replacements`.
pub fn deploy_to(c: &mut impl Calls, key: &str, replacements: &str) -> String {
    let ti = discover(replacements);
    c.deploy("app", "prod", key, |d| d.target_instances = Some(ti))
        .expect("create deployment")
}

// ---- Lambda and ECS ------------------------------------------------------------

/// Hook functions (one answers Succeeded, one Failed, one never) and an
/// appspec in S3.
pub const SHIFT_FLEET: &str = r#"
[defaults]
jitter = 0.0

[[lambda_function]]
name = "CodeDeployHook_ok"

[[lambda_function]]
name = "CodeDeployHook_bad"
hook = "fail"

[[lambda_function]]
name = "CodeDeployHook_silent"
hook = "timeout"

[[s3_object]]
bucket = "specs"
key = "lambda-3.yaml"
content = """
version: 0.0
Resources:
  - fn:
      Type: AWS::Lambda::Function
      Properties: {Name: orders, Alias: live, CurrentVersion: "2", TargetVersion: "3"}
"""
"#;

fn with_hooks(mut spec: String, hooks: &[(&str, &str)]) -> String {
    if !hooks.is_empty() {
        spec.push_str("Hooks:\n");
        for (event, f) in hooks {
            spec.push_str(&format!("  - {event}: {f}\n"));
        }
    }
    spec
}

/// An appspec moving alias `orders:live` from version `current` to `target`.
pub fn lambda_spec(current: u32, target: u32, hooks: &[(&str, &str)]) -> String {
    with_hooks(format!(
        "version: 0.0\nResources:\n  - orders:\n      Type: AWS::Lambda::Function\n      Properties:\n        Name: orders\n        Alias: live\n        CurrentVersion: \"{current}\"\n        TargetVersion: \"{target}\"\n"
    ), hooks)
}

/// An appspec deploying task definition `web:{task}`.
pub fn ecs_spec(task: u32, hooks: &[(&str, &str)]) -> String {
    with_hooks(format!(
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"arn:aws:ecs:us-east-1:000000000000:task-definition/web:{task}\"\n        LoadBalancerInfo:\n          ContainerName: web\n          ContainerPort: 80\n"
    ), hooks)
}

pub fn content(text: &str) -> RevisionLocation {
    RevisionLocation {
        revision_type: Some(RevisionLocationType::AppSpecContent),
        app_spec_content: Some(AppSpecContent {
            content: Some(text.into()),
            sha256: None,
        }),
        ..Default::default()
    }
}

/// Application `fn` (Lambda) with group `prod` on `config`.
pub fn lambda_group(
    c: &mut impl Calls,
    config: &str,
    tweak: impl FnOnce(&mut CreateDeploymentGroupInput),
) {
    c.app("fn", "Lambda");
    c.group("fn", "prod", |g| {
        g.deployment_config_name = Some(config.into());
        tweak(g);
    })
    .expect("lambda group");
}

/// Application `svc` (ECS) with group `prod` on `config`: service
/// `main:web` behind a target group pair, with a test listener if asked.
pub fn ecs_group(
    c: &mut impl Calls,
    config: &str,
    test_listener: bool,
    tweak: impl FnOnce(&mut CreateDeploymentGroupInput),
) {
    c.app("svc", "ECS");
    c.group("svc", "prod", |g| {
        g.deployment_config_name = Some(config.into());
        g.ecs_services = Some(vec![ECSService {
            cluster_name: Some("main".into()),
            service_name: Some("web".into()),
        }]);
        g.load_balancer_info = Some(LoadBalancerInfo {
            target_group_pair_info_list: Some(vec![TargetGroupPairInfo {
                target_groups: Some(vec![
                    TargetGroupInfo { name: Some("web-blue".into()) },
                    TargetGroupInfo { name: Some("web-green".into()) },
                ]),
                prod_traffic_route: Some(TrafficRoute {
                    listener_arns: Some(vec!["arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/web/1/prod".into()]),
                }),
                test_traffic_route: test_listener.then(|| TrafficRoute {
                    listener_arns: Some(vec!["arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/web/1/test".into()]),
                }),
            }]),
            ..Default::default()
        });
        tweak(g);
    })
    .expect("ecs group");
}

/// An ECS group's waits: Ready (STOP_DEPLOYMENT) for `wait_minutes`, then
/// the original task set's termination wait.
pub fn ready_wait(g: &mut CreateDeploymentGroupInput, wait_minutes: i32, termination_minutes: i32) {
    g.blue_green_deployment_configuration = Some(BlueGreenDeploymentConfiguration {
        deployment_ready_option: Some(DeploymentReadyOption {
            action_on_timeout: Some(DeploymentReadyAction::StopDeployment),
            wait_time_in_minutes: Some(wait_minutes),
        }),
        terminate_blue_instances_on_deployment_success: Some(BlueInstanceTerminationOption {
            action: Some(InstanceAction::Terminate),
            termination_wait_time_in_minutes: Some(termination_minutes),
        }),
        ..Default::default()
    });
}

/// A deployment of the appspec `text` to `app/group`.
pub fn deploy_spec(c: &mut impl Calls, app: &str, group: &str, text: &str) -> String {
    let rev = content(text);
    c.deploy(app, group, "unused", |d| d.revision = Some(rev))
        .expect("create deployment")
}

// ---- zonal deployments ---------------------------------------------------------

/// The ID of zoned host `n`.
pub fn zoned_id(n: usize) -> String {
    format!("i-{n:017x}")
}

/// A fleet of `(n, zone, extra TOML)` hosts tagged Name=web.
pub fn zoned_fleet(hosts: &[(usize, &str, &str)]) -> String {
    let mut s = String::from("[defaults]\njitter = 0.0\n");
    for (n, zone, extra) in hosts {
        s.push_str(&format!(
            "[[instance]]\nid = \"{}\"\ntags = {{ Name = \"web\" }}\navailability_zone = \"{zone}\"\n{extra}\n",
            zoned_id(*n)
        ));
    }
    s
}

/// Deployment config `Zonal`: minimum healthy hosts overall and per zone,
/// and the first and later zones' monitor waits (seconds).
pub fn zonal_config(
    c: &mut impl Calls,
    min: (MinimumHealthyHostsType, i32),
    per_zone: (MinimumHealthyHostsPerZoneType, i32),
    (first, later): (Option<i64>, Option<i64>),
) {
    c.call(|e, now, ar| {
        e.create_deployment_config(
            now,
            ar,
            CreateDeploymentConfigInput {
                deployment_config_name: Some("Zonal".into()),
                minimum_healthy_hosts: Some(MinimumHealthyHosts {
                    r#type: Some(min.0),
                    value: Some(min.1),
                }),
                zonal_config: Some(ZonalConfig {
                    first_zone_monitor_duration_in_seconds: first,
                    monitor_duration_in_seconds: later,
                    minimum_healthy_hosts_per_zone: Some(MinimumHealthyHostsPerZone {
                        r#type: Some(per_zone.0),
                        value: Some(per_zone.1),
                    }),
                }),
                ..Default::default()
            },
        )
    })
    .expect("zonal config");
}
