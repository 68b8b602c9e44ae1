//! The seeded demo world of `codedeck --demo`: the sample fleet, an application
//! per compute platform and a few finished deployments, one of them failed and
//! rolled back automatically.

use crate::model::labels::parse_revision;
use crate::model::time::Millis;
use crate::model::*;
use crate::runtime::{Runtime, RuntimeOptions};
use crate::source::local::LocalSource;
use crate::source::Request;
use crate::state::{ApiResult, FaultKind};

/// The demo world's seed: the same world every time.
pub const DEMO_SEED: u64 = 7;

/// 2023-11-14 22:13:20 UTC: where simulated worlds on a fixed clock start.
pub const T0: Millis = 1_700_000_000_000;

/// The demo world in memory on a fixed clock at [`T0`]: time moves only when
/// stepped (snapshots, the README screenshot, benchmarks).
pub fn fixed() -> anyhow::Result<Runtime> {
    let rt = Runtime::open(RuntimeOptions {
        seed: DEMO_SEED,
        ..RuntimeOptions::fixed(T0)
    })?;
    seed(&rt);
    Ok(rt)
}

/// Lets every running deployment finish (bounded: a deployment that waits
/// forever must not hang the demo).
fn settle(w: &Runtime) {
    for _ in 0..100_000 {
        let running = w.read(|e, _, _| Ok(e.has_active())).unwrap_or(false);
        if !running || w.step().is_none() {
            return;
        }
    }
}

/// The demo world on a fixed clock as the dashboard's source (snapshots, the
/// screenshot, benchmarks); the header says "demo (simulated)".
pub fn source() -> anyhow::Result<std::sync::Arc<LocalSource>> {
    Ok(std::sync::Arc::new(LocalSource::named(
        fixed()?,
        "demo (simulated)",
    )))
}

/// A world with a long history for benchmarks: application `app`, group `g`
/// with `finished` finished deployments and `active` unfinished ones (one
/// running, the rest queued), on a fixed clock; and the request that opens
/// the group. The finished ones fail at once (the group matched no instance
/// while they ran): history is cheap to make, and a row is a row.
pub fn history(finished: usize, active: usize) -> anyhow::Result<(Runtime, Request)> {
    let rt = Runtime::open(RuntimeOptions::fixed(T0))?;
    app(&rt, "app", ComputePlatform::Server);
    group(&rt, "app", "g", |g| {
        g.ec2_tag_filters = Some(vec![tag("Name", "nothing")])
    });
    let rev = || parse_revision("b/app.zip").ok_or_else(|| anyhow::anyhow!("revision"));
    for _ in 0..finished {
        start(&rt, "app", "g", rev()?, "history");
    }
    settle(&rt);
    let retag = rt.write("history", |e, now, ar| {
        e.update_deployment_group(
            now,
            ar,
            UpdateDeploymentGroupInput {
                application_name: Some("app".into()),
                current_deployment_group_name: Some("g".into()),
                ec2_tag_filters: Some(vec![tag("Name", "web")]),
                ..Default::default()
            },
        )
    });
    note("g", retag.map(|_| ()));
    for _ in 0..active {
        start(&rt, "app", "g", rev()?, "running");
    }
    // Start the first one; the others wait Queued.
    for _ in 0..3 {
        rt.step();
    }
    let group_id = rt
        .read(|e, _, _| {
            let app = e.application("app").map(|a| a.id().to_string());
            Ok(app.and_then(|a| e.groups_of(&a).next().map(|g| g.id().to_string())))
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("the history group was not created"))?;
    let req = Request {
        app: Some("app".into()),
        group_id: Some(group_id),
        ..Default::default()
    };
    Ok((rt, req))
}

pub const ROLE: &str = "arn:aws:iam::000000000000:role/codedeck-demo";
/// The host the demo breaks to show a failure and its automatic rollback.
pub const BROKEN_HOST: &str = "i-0a1b2c3d4e5f00002";

/// Seeds the demo world. Parts the engine cannot do yet are left out quietly.
pub fn seed(w: &Runtime) {
    server(w);
    lambda(w);
    ecs(w);
    live(w);
}

/// Left running for a first look: an EC2 blue/green deployment waiting for
/// ContinueDeployment, and a Lambda canary with 10% of traffic on the new version.
fn live(w: &Runtime) {
    group(w, "web-shop", "blue-green", |g| {
        g.auto_scaling_groups = Some(vec!["web-asg".into()]);
        g.deployment_config_name = Some("CodeDeployDefault.HalfAtATime".into());
        g.deployment_style = Some(DeploymentStyle {
            deployment_option: Some(DeploymentOption::WithTrafficControl),
            deployment_type: Some(DeploymentType::BlueGreen),
        });
        g.load_balancer_info = Some(LoadBalancerInfo {
            target_group_info_list: Some(vec![TargetGroupInfo {
                name: Some("web-tg".into()),
            }]),
            ..Default::default()
        });
        g.blue_green_deployment_configuration = Some(BlueGreenDeploymentConfiguration {
            deployment_ready_option: Some(DeploymentReadyOption {
                action_on_timeout: Some(DeploymentReadyAction::StopDeployment),
                wait_time_in_minutes: Some(120),
            }),
            green_fleet_provisioning_option: Some(GreenFleetProvisioningOption {
                action: Some(GreenFleetProvisioningAction::CopyAutoScalingGroup),
            }),
            terminate_blue_instances_on_deployment_success: Some(BlueInstanceTerminationOption {
                action: Some(InstanceAction::Terminate),
                termination_wait_time_in_minutes: Some(5),
            }),
        });
    });
    let bg = parse_revision("s3://demo-artifacts/web-v3.zip")
        .and_then(|rev| start(w, "web-shop", "blue-green", rev, "v3 on a fresh fleet"));
    let spec = "version: 0.0\nResources:\n  - checkout:\n      Type: AWS::Lambda::Function\n      Properties:\n        Name: checkout\n        Alias: live\n        CurrentVersion: \"2\"\n        TargetVersion: \"3\"\nHooks:\n  - BeforeAllowTraffic: CodeDeployHook_checkout_smoke\n  - AfterAllowTraffic: CodeDeployHook_checkout_verify\n";
    let canary = start(w, "checkout-fn", "live", inline(spec), "canary of v3");
    let (Some(bg), Some(canary)) = (bg, canary) else {
        return;
    };
    // Advance until both stand where a first look should find them.
    for _ in 0..10_000 {
        let mut there = true;
        let _ = w.read(|e, _, _| {
            let status = |id: &str| e.active(id).map(|(rec, _)| rec.status());
            let weight = e
                .active(&canary)
                .and_then(|(rec, _)| rec.run.as_ref())
                .and_then(|r| r.shift.as_ref())
                .map(|s| s.weight);
            there = status(&bg).is_none_or(|s| s == DeploymentStatus::Ready)
                && weight.is_none_or(|w| w > 0.0);
            Ok(())
        });
        if there || w.step().is_none() {
            return;
        }
    }
}

/// Creates a deployment and leaves it running; its ID.
fn start(
    w: &Runtime,
    app: &str,
    group: &str,
    rev: RevisionLocation,
    description: &str,
) -> Option<String> {
    let mut id = None;
    let r = w.write("demo", |e, now, ar| {
        let out = e.create_deployment(
            now,
            ar,
            CreateDeploymentInput {
                application_name: Some(app.into()),
                deployment_group_name: Some(group.into()),
                revision: Some(rev.clone()),
                description: Some(description.into()),
                ..Default::default()
            },
        )?;
        id = out.deployment_id;
        Ok(())
    });
    note(group, r);
    id
}

fn server(w: &Runtime) {
    app(w, "web-shop", ComputePlatform::Server);
    group(w, "web-shop", "prod", |g| {
        g.ec2_tag_filters = Some(vec![tag("Name", "web")]);
        g.deployment_config_name = Some("CodeDeployDefault.OneAtATime".into());
        g.auto_rollback_configuration = Some(AutoRollbackConfiguration {
            enabled: Some(true),
            events: Some(vec![AutoRollbackEvent::DeploymentFailure]),
        });
        g.alarm_configuration = Some(AlarmConfiguration {
            enabled: Some(true),
            ignore_poll_alarm_failure: Some(false),
            alarms: Some(vec![Alarm {
                name: Some("HighErrorRate".into()),
            }]),
        });
    });
    group(w, "web-shop", "staging", |g| {
        g.ec2_tag_filters = Some(vec![tag("Name", "web-staging")]);
        g.deployment_config_name = Some("CodeDeployDefault.AllAtOnce".into());
    });
    group(w, "web-shop", "api", |g| {
        g.ec2_tag_filters = Some(vec![tag("Name", "api")]);
        g.deployment_config_name = Some("CodeDeployDefault.HalfAtATime".into());
    });
    deploy(
        w,
        "web-shop",
        "prod",
        "s3://demo-artifacts/web-v1.zip",
        "first release",
    );
    deploy(
        w,
        "web-shop",
        "staging",
        "s3://demo-artifacts/web-v2.zip",
        "try v2",
    );
    deploy(
        w,
        "web-shop",
        "prod",
        "s3://demo-artifacts/web-v2.zip",
        "v2: new checkout",
    );
    // A host breaks during v3: the deployment fails and rolls back to v2.
    let _ = w.write("demo", |e, now, _| {
        e.break_host(now, BROKEN_HOST, FaultKind::Fail)
    });
    deploy(
        w,
        "web-shop",
        "prod",
        "s3://demo-artifacts/web-v3.zip",
        "v3: faster images",
    );
    // api-2's ValidateService script is broken for good (see the fleet file).
    deploy(
        w,
        "web-shop",
        "api",
        "s3://demo-artifacts/api-v1.zip",
        "api first release",
    );
}

fn lambda(w: &Runtime) {
    app(w, "checkout-fn", ComputePlatform::Lambda);
    group(w, "checkout-fn", "live", |g| {
        g.deployment_config_name = Some("CodeDeployDefault.LambdaCanary10Percent5Minutes".into());
    });
    let spec = "version: 0.0\nResources:\n  - checkout:\n      Type: AWS::Lambda::Function\n      Properties:\n        Name: checkout\n        Alias: live\n        CurrentVersion: \"1\"\n        TargetVersion: \"2\"\n";
    deploy_revision(w, "checkout-fn", "live", inline(spec), "canary of v2");
}

fn ecs(w: &Runtime) {
    app(w, "storefront", ComputePlatform::Ecs);
    group(w, "storefront", "blue-green", |g| {
        g.deployment_config_name = Some("CodeDeployDefault.ECSAllAtOnce".into());
        g.deployment_style = Some(DeploymentStyle {
            deployment_option: Some(DeploymentOption::WithTrafficControl),
            deployment_type: Some(DeploymentType::BlueGreen),
        });
        g.ecs_services = Some(vec![ECSService {
            cluster_name: Some("main".into()),
            service_name: Some("storefront".into()),
        }]);
        let listener =
            "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/store/1/prod";
        g.load_balancer_info = Some(LoadBalancerInfo {
            target_group_pair_info_list: Some(vec![TargetGroupPairInfo {
                target_groups: Some(vec![
                    TargetGroupInfo {
                        name: Some("store-blue".into()),
                    },
                    TargetGroupInfo {
                        name: Some("store-green".into()),
                    },
                ]),
                prod_traffic_route: Some(TrafficRoute {
                    listener_arns: Some(vec![listener.into()]),
                }),
                test_traffic_route: None,
            }]),
            ..Default::default()
        });
    });
    let spec = "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"arn:aws:ecs:us-east-1:000000000000:task-definition/store:2\"\n        LoadBalancerInfo:\n          ContainerName: web\n          ContainerPort: 80\n";
    deploy_revision(
        w,
        "storefront",
        "blue-green",
        inline(spec),
        "task definition 2",
    );
}

fn app(w: &Runtime, name: &str, platform: ComputePlatform) {
    let r = w.write("demo", |e, now, ar| {
        e.create_application(
            now,
            ar,
            CreateApplicationInput {
                application_name: Some(name.into()),
                compute_platform: Some(platform.clone()),
                tags: None,
            },
        )
        .map(|_| ())
    });
    note(name, r);
}

fn group(w: &Runtime, app: &str, name: &str, tweak: impl Fn(&mut CreateDeploymentGroupInput)) {
    let r = w.write("demo", |e, now, ar| {
        let mut input = CreateDeploymentGroupInput {
            application_name: Some(app.into()),
            deployment_group_name: Some(name.into()),
            service_role_arn: Some(ROLE.into()),
            ..Default::default()
        };
        tweak(&mut input);
        e.create_deployment_group(now, ar, input).map(|_| ())
    });
    note(name, r);
}

fn deploy(w: &Runtime, app: &str, group: &str, rev: &str, description: &str) {
    if let Some(rev) = parse_revision(rev) {
        deploy_revision(w, app, group, rev, description);
    }
}

fn deploy_revision(w: &Runtime, app: &str, group: &str, rev: RevisionLocation, description: &str) {
    let r = w.write("demo", |e, now, ar| {
        e.create_deployment(
            now,
            ar,
            CreateDeploymentInput {
                application_name: Some(app.into()),
                deployment_group_name: Some(group.into()),
                revision: Some(rev.clone()),
                description: Some(description.into()),
                ..Default::default()
            },
        )
        .map(|_| ())
    });
    note(group, r);
    settle(w);
}

fn inline(spec: &str) -> RevisionLocation {
    RevisionLocation {
        revision_type: Some(RevisionLocationType::AppSpecContent),
        app_spec_content: Some(AppSpecContent {
            content: Some(spec.into()),
            sha256: None,
        }),
        ..Default::default()
    }
}

fn tag(key: &str, value: &str) -> EC2TagFilter {
    EC2TagFilter {
        key: Some(key.into()),
        value: Some(value.into()),
        r#type: Some(EC2TagFilterType::KeyAndValue),
    }
}

fn note(what: &str, r: ApiResult<()>) {
    if let Err(e) = r {
        tracing::debug!("demo: {what}: {}", e.message);
    }
}
