//! Scenario tests of EC2/on-premises in-place deployments at simulated speed.

mod common;

use codedeck::engine::EngineOptions;
use codedeck::model::*;
use codedeck::state::{AlarmState, FaultKind};
use common::scenarios::{zonal_config, zoned_fleet};
use common::*;

fn id(n: usize) -> String {
    format!("i-{n:017x}")
}

#[test]
fn seed_flow_reaches_succeeded_with_every_event_in_order() {
    let mut sim = Sim::new(&web_fleet(3, |_| String::new()));
    sim.app("my-app", "Server");
    sim.web_group("my-app", "prod", None);
    let d = sim.deploy("my-app", "prod", "app.zip", |_| {}).unwrap();
    assert!(codedeck::model::ids::is_deployment_id(&d), "{d}");
    let created = sim.engine.active_deployments();
    assert_eq!(
        created[0].status,
        Some(DeploymentStatus::Created),
        "visible as Created until the engine next advances"
    );
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(info.creator, Some(DeploymentCreator::User));
    assert_eq!(
        info.deployment_config_name.as_deref(),
        Some("CodeDeployDefault.OneAtATime")
    );
    let o = info.deployment_overview.unwrap();
    assert_eq!(
        (o.succeeded, o.failed, o.pending, o.in_progress),
        (Some(3), Some(0), Some(0), Some(0))
    );
    assert!(info.start_time.unwrap() <= info.complete_time.unwrap());
    let targets = sim.targets(&d);
    assert_eq!(targets.len(), 3);
    for t in &targets {
        assert_eq!(t.status, Some(TargetStatus::Succeeded));
        assert_eq!(
            event_names(t),
            codedeck::engine::lifecycle::SERVER_IN_PLACE
                .map(|e| e.to_string())
                .to_vec()
        );
        let mut last = 0;
        for e in t.lifecycle_events.iter().flatten() {
            assert_eq!(e.status, Some(LifecycleEventStatus::Succeeded));
            let (s, end) = (e.start_time.unwrap().0, e.end_time.unwrap().0);
            assert!(s >= last && end >= s, "events run in order");
            last = end;
            let diag = e.diagnostics.as_ref().unwrap();
            assert_eq!(diag.error_code, Some(LifecycleErrorCode::Success));
            assert_eq!(diag.message.as_deref(), Some("Succeeded"));
        }
        assert!(t
            .target_arn
            .as_deref()
            .unwrap()
            .starts_with("arn:aws:ec2:us-east-1:000000000000:instance/i-"));
    }
    // The group remembers the success and targets the revision.
    let g = sim
        .call(|e, now, ar| {
            e.get_deployment_group(
                now,
                ar,
                GetDeploymentGroupInput {
                    application_name: Some("my-app".into()),
                    deployment_group_name: Some("prod".into()),
                },
            )
        })
        .unwrap()
        .deployment_group_info
        .unwrap();
    assert_eq!(
        g.last_successful_deployment
            .unwrap()
            .deployment_id
            .as_deref(),
        Some(d.as_str())
    );
    assert_eq!(g.target_revision, Some(s3("app.zip")));
}

/// Watches the number of instances in progress and failed over a run.
fn max_in_flight(sim: &mut Sim, d: &str) -> i64 {
    let mut most = 0;
    let d = d.to_string();
    sim.run_with(|s| {
        if let Some(a) = s
            .engine
            .active_deployments()
            .into_iter()
            .find(|i| i.deployment_id.as_deref() == Some(&d))
        {
            let o = a.deployment_overview.unwrap_or_default();
            most = most.max(o.in_progress.unwrap_or(0) + o.failed.unwrap_or(0));
        }
    });
    most
}

#[test]
fn one_at_a_time_half_at_a_time_and_all_at_once_batch_sizes() {
    for (config, hosts, expected) in [
        ("CodeDeployDefault.OneAtATime", 5, 1),
        ("CodeDeployDefault.HalfAtATime", 9, 4),
        ("CodeDeployDefault.AllAtOnce", 6, 6),
    ] {
        let mut sim = Sim::new(&web_fleet(hosts, |_| String::new()));
        sim.app("a", "Server");
        sim.web_group("a", "g", Some(config));
        let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
        assert_eq!(max_in_flight(&mut sim, &d), expected, "{config}");
        assert_eq!(sim.status(&d), DeploymentStatus::Succeeded, "{config}");
    }
}

#[test]
fn custom_host_count_config_limits_concurrency() {
    let mut sim = Sim::new(&web_fleet(9, |_| String::new()));
    sim.app("a", "Server");
    sim.call(|e, now, ar| {
        e.create_deployment_config(
            now,
            ar,
            CreateDeploymentConfigInput {
                deployment_config_name: Some("Six".into()),
                minimum_healthy_hosts: Some(MinimumHealthyHosts {
                    r#type: Some(MinimumHealthyHostsType::HostCount),
                    value: Some(6),
                }),
                ..Default::default()
            },
        )
    })
    .unwrap();
    sim.web_group("a", "g", Some("Six"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    assert_eq!(max_in_flight(&mut sim, &d), 3);
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
}

#[test]
fn minimum_at_or_above_fleet_fails_before_touching_any_host() {
    let mut sim = Sim::new(&web_fleet(10, |_| String::new()));
    sim.app("a", "Server");
    sim.call(|e, now, ar| {
        e.create_deployment_config(
            now,
            ar,
            CreateDeploymentConfigInput {
                deployment_config_name: Some("NinetyFive".into()),
                minimum_healthy_hosts: Some(MinimumHealthyHosts {
                    r#type: Some(MinimumHealthyHostsType::FleetPercent),
                    value: Some(95),
                }),
                ..Default::default()
            },
        )
    })
    .unwrap();
    sim.web_group("a", "g", Some("NinetyFive"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let error = info.error_information.unwrap();
    assert_eq!(error.code, Some(ErrorCode::HealthConstraintsInvalid));
    // The user guide's words for the code (#22).
    assert!(
        error.message.as_deref().is_some_and(|m| m.starts_with(
            "The deployment can't start because the minimum number of healthy instances"
        )),
        "{error:?}"
    );
    let targets = sim.targets(&d);
    assert!(targets
        .iter()
        .all(|t| t.status == Some(TargetStatus::Skipped)));
    assert!(targets
        .iter()
        .flat_map(|t| t.lifecycle_events.iter().flatten())
        .all(|e| e.start_time.is_none()));
}

#[test]
fn half_at_a_time_on_one_host_is_invalid() {
    let mut sim = Sim::new(&web_fleet(1, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", Some("CodeDeployDefault.HalfAtATime"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(
        sim.info(&d).error_information.unwrap().code,
        Some(ErrorCode::HealthConstraintsInvalid)
    );
}

#[test]
fn one_at_a_time_fails_on_first_failure_but_tolerates_the_last() {
    // Host 1 (first in order) fails: the rest are skipped.
    let mut sim = Sim::new(&web_fleet(3, |i| {
        if i == 0 {
            "fail = \"AfterInstall\"".into()
        } else {
            String::new()
        }
    }));
    sim.app("a", "Server");
    sim.web_group("a", "g", None);
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(
        info.error_information.as_ref().unwrap().code,
        Some(ErrorCode::HealthConstraints)
    );
    assert_eq!(statuses(&sim.targets(&d)), ["Failed", "Skipped", "Skipped"]);
    let failed = &sim.targets(&d)[0];
    let ev: Vec<_> = failed
        .lifecycle_events
        .iter()
        .flatten()
        .map(|e| e.status.clone().unwrap().to_string())
        .collect();
    assert_eq!(
        ev,
        [
            "Succeeded",
            "Succeeded",
            "Succeeded",
            "Succeeded",
            "Failed",
            "Skipped",
            "Skipped"
        ]
    );
    let diag = failed.lifecycle_events.as_ref().unwrap()[4]
        .diagnostics
        .clone()
        .unwrap();
    assert_eq!(diag.error_code, Some(LifecycleErrorCode::ScriptFailed));
    assert_eq!(
        diag.script_name.as_deref(),
        Some("scripts/after_install.sh")
    );
    assert!(diag.log_tail.unwrap().contains("[stderr]"));

    // The last host failing still lets OneAtATime succeed.
    let mut sim = Sim::new(&web_fleet(3, |i| {
        if i == 2 {
            "fail = \"ValidateService\"".into()
        } else {
            String::new()
        }
    }));
    sim.app("a", "Server");
    sim.web_group("a", "g", None);
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
    assert_eq!(
        statuses(&sim.targets(&d)),
        ["Succeeded", "Succeeded", "Failed"]
    );
}

#[test]
fn all_at_once_needs_one_success() {
    let mut sim = Sim::new(&web_fleet(3, |_| "fail = \"Install\"".into()));
    sim.app("a", "Server");
    sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(
        sim.info(&d).error_information.unwrap().code,
        Some(ErrorCode::HealthConstraints)
    );

    let mut sim = Sim::new(&web_fleet(3, |i| {
        if i > 0 {
            "fail = \"Install\"".into()
        } else {
            String::new()
        }
    }));
    sim.app("a", "Server");
    sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
}

#[test]
fn previously_failed_hosts_go_first() {
    let mut sim = Sim::new(&web_fleet(3, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", None);
    let d1 = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d1), DeploymentStatus::Succeeded);
    // Host 3 fails its next event (the dashboard's "break host").
    sim.call(|e, now, _| e.break_host(now, &id(3), FaultKind::Fail))
        .unwrap();
    let d2 = sim.deploy("a", "g", "v2.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(
        statuses(&sim.targets(&d2)),
        ["Succeeded", "Succeeded", "Failed"]
    );
    let d3 = sim.deploy("a", "g", "v3.zip", |_| {}).unwrap();
    sim.run();
    let order: Vec<String> = sim
        .targets(&d3)
        .iter()
        .map(|t| t.target_id.clone().unwrap())
        .collect();
    assert_eq!(order[0], id(3), "the unhealthy host is deployed first");
    assert_eq!(sim.status(&d3), DeploymentStatus::Succeeded);
}

#[test]
fn ignore_application_stop_failures() {
    for (ignore, expected) in [
        (false, DeploymentStatus::Failed),
        (true, DeploymentStatus::Succeeded),
    ] {
        let mut sim = Sim::new(&web_fleet(2, |_| "fail = \"ApplicationStop\"".into()));
        sim.app("a", "Server");
        sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
        let d = sim
            .deploy("a", "g", "v1.zip", |i| {
                i.ignore_application_stop_failures = Some(ignore)
            })
            .unwrap();
        sim.run();
        assert_eq!(sim.status(&d), expected, "ignore = {ignore}");
        if ignore {
            let t = &sim.targets(&d)[0];
            let first = &t.lifecycle_events.as_ref().unwrap()[0];
            assert_eq!(first.status, Some(LifecycleEventStatus::Failed));
            assert_eq!(
                t.lifecycle_events.as_ref().unwrap()[1].status,
                Some(LifecycleEventStatus::Succeeded)
            );
        }
    }
}

#[test]
fn ignore_application_stop_failures_does_not_forgive_a_stopped_instance() {
    let mut sim = Sim::new(&web_fleet(2, |i| {
        if i == 1 {
            "state = \"stopped\"".into()
        } else {
            String::new()
        }
    }));
    sim.app("a", "Server");
    sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
    let d = sim
        .deploy("a", "g", "v1.zip", |i| {
            i.ignore_application_stop_failures = Some(true)
        })
        .unwrap();
    sim.run();
    let failed = sim
        .targets(&d)
        .iter()
        .filter(|t| t.status == Some(TargetStatus::Failed))
        .count();
    assert_eq!(failed, 1, "the stopped host fails despite the option");
}

#[test]
fn update_outdated_instances_only_skips_current_hosts() {
    let mut sim = Sim::new(&web_fleet(2, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", None);
    let d1 = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d1), DeploymentStatus::Succeeded);
    let d2 = sim
        .deploy("a", "g", "v1.zip", |i| {
            i.update_outdated_instances_only = Some(true)
        })
        .unwrap();
    sim.run();
    assert_eq!(sim.status(&d2), DeploymentStatus::Succeeded);
    assert_eq!(statuses(&sim.targets(&d2)), ["Skipped", "Skipped"]);
}

#[test]
fn no_instances_fails() {
    let mut sim = Sim::new(&web_fleet(2, |_| String::new()));
    sim.app("a", "Server");
    sim.group("a", "g", |g| {
        g.ec2_tag_filters = Some(vec![tag_filter("Name", "nothing")])
    })
    .unwrap();
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(
        sim.info(&d).error_information.unwrap().code,
        Some(ErrorCode::NoInstances)
    );
}

#[test]
fn load_balancer_adds_block_and_allow_traffic() {
    let mut sim = Sim::new(&web_fleet(2, |_| String::new()));
    sim.app("a", "Server");
    sim.group("a", "g", |g| {
        g.ec2_tag_filters = Some(vec![tag_filter("Name", "web")]);
        g.deployment_style = Some(DeploymentStyle {
            deployment_type: Some(DeploymentType::InPlace),
            deployment_option: Some(DeploymentOption::WithTrafficControl),
        });
        g.load_balancer_info = Some(LoadBalancerInfo {
            target_group_info_list: Some(vec![TargetGroupInfo {
                name: Some("web-tg".into()),
            }]),
            ..Default::default()
        });
    })
    .unwrap();
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
    let t = &sim.targets(&d)[0];
    assert_eq!(
        event_names(t),
        codedeck::engine::lifecycle::SERVER_IN_PLACE_LB
            .map(|e| e.to_string())
            .to_vec()
    );
}

#[test]
fn second_deployment_queues_or_is_rejected_in_strict_mode() {
    let mut sim = Sim::new(&web_fleet(2, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", None);
    let d1 = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.tick(1);
    let d2 = sim.deploy("a", "g", "v2.zip", |_| {}).unwrap();
    sim.tick(1);
    assert_eq!(sim.status(&d1), DeploymentStatus::InProgress);
    assert_eq!(sim.status(&d2), DeploymentStatus::Queued);
    sim.run();
    let (i1, i2) = (sim.info(&d1), sim.info(&d2));
    assert_eq!(i2.status, Some(DeploymentStatus::Succeeded));
    assert!(
        i2.start_time.unwrap() >= i1.complete_time.unwrap(),
        "queued deployment starts after the first ends"
    );

    let mut strict = Sim::with_options(
        &web_fleet(2, |_| String::new()),
        EngineOptions {
            strict: true,
            ..Default::default()
        },
    );
    strict.app("a", "Server");
    strict.web_group("a", "g", None);
    let d1 = strict.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    let e = strict.deploy("a", "g", "v2.zip", |_| {}).unwrap_err();
    assert_eq!(e.exception, Exception::DeploymentLimitExceeded);
    assert!(e.message.contains(&d1), "{}", e.message);
}

fn rollback_group(sim: &mut Sim, events: &[AutoRollbackEvent]) {
    sim.app("a", "Server");
    let events = events.to_vec();
    sim.group("a", "g", |g| {
        g.ec2_tag_filters = Some(vec![tag_filter("Name", "web")]);
        g.auto_rollback_configuration = Some(AutoRollbackConfiguration {
            enabled: Some(!events.is_empty()),
            events: Some(events),
        });
        g.alarm_configuration = Some(AlarmConfiguration {
            enabled: Some(true),
            ignore_poll_alarm_failure: Some(false),
            alarms: Some(vec![Alarm {
                name: Some("HighErrors".into()),
            }]),
        });
        g.trigger_configurations = Some(vec![TriggerConfig {
            trigger_name: Some("ops".into()),
            trigger_target_arn: Some("arn:aws:sns:us-east-1:000000000000:ops".into()),
            trigger_events: Some(TriggerEventType::ALL.to_vec()),
        }]);
    })
    .unwrap();
}

#[test]
fn stop_without_and_with_rollback() {
    let mut sim = Sim::new(&web_fleet(3, |_| String::new()));
    rollback_group(&mut sim, &[]);
    let good = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    // Stop without rollback.
    let d = sim.deploy("a", "g", "v2.zip", |_| {}).unwrap();
    sim.tick(3_000);
    let out = sim
        .call(|e, now, ar| {
            e.stop_deployment(
                now,
                ar,
                StopDeploymentInput {
                    deployment_id: Some(d.clone()),
                    auto_rollback_enabled: Some(false),
                },
            )
        })
        .unwrap();
    assert_eq!(out.status, Some(StopStatus::Pending));
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(
        info.error_information.unwrap().code,
        Some(ErrorCode::ManualStop)
    );
    assert!(info.rollback_info.is_none());
    let again = sim
        .call(|e, now, ar| {
            e.stop_deployment(
                now,
                ar,
                StopDeploymentInput {
                    deployment_id: Some(d.clone()),
                    auto_rollback_enabled: None,
                },
            )
        })
        .unwrap_err();
    assert_eq!(again.exception, Exception::DeploymentAlreadyCompleted);
    // Stop with rollback: a new deployment redeploys v1.
    let d = sim.deploy("a", "g", "v3.zip", |_| {}).unwrap();
    sim.tick(3_000);
    sim.call(|e, now, ar| {
        e.stop_deployment(
            now,
            ar,
            StopDeploymentInput {
                deployment_id: Some(d.clone()),
                auto_rollback_enabled: Some(true),
            },
        )
    })
    .unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    let rb = info
        .rollback_info
        .unwrap()
        .rollback_deployment_id
        .expect("rollback deployment");
    let rinfo = sim.info(&rb);
    assert_eq!(rinfo.creator, Some(DeploymentCreator::CodeDeployRollback));
    assert_eq!(
        rinfo
            .rollback_info
            .unwrap()
            .rollback_triggering_deployment_id
            .as_deref(),
        Some(d.as_str())
    );
    assert_eq!(rinfo.revision, Some(s3("v1.zip")));
    assert_eq!(rinfo.status, Some(DeploymentStatus::Succeeded));
    assert_ne!(good, rb);
}

#[test]
fn failure_rolls_back_automatically_or_explains_why_not() {
    // No earlier revision: no rollback, and a message saying why.
    let fleet = web_fleet(2, |i| {
        if i == 0 {
            "fail = \"ValidateService\"".into()
        } else {
            String::new()
        }
    });
    let mut sim = Sim::new(&fleet);
    rollback_group(&mut sim, &[AutoRollbackEvent::DeploymentFailure]);
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let rb = info.rollback_info.unwrap();
    assert!(rb.rollback_deployment_id.is_none());
    assert!(rb
        .rollback_message
        .unwrap()
        .contains("no earlier successful revision"));

    // With an earlier success the failed deployment is rolled back.
    let mut sim = Sim::new(&web_fleet(2, |_| String::new()));
    rollback_group(&mut sim, &[AutoRollbackEvent::DeploymentFailure]);
    sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    sim.call(|e, now, _| e.break_host(now, &id(1), FaultKind::Fail))
        .unwrap();
    let d = sim.deploy("a", "g", "v2.zip", |_| {}).unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let rb = info.rollback_info.unwrap().rollback_deployment_id.unwrap();
    assert_eq!(sim.status(&rb), DeploymentStatus::Succeeded);
    assert!(sim
        .log_lines()
        .iter()
        .any(|l| l.contains("DeploymentRollback")));
}

#[test]
fn alarm_stops_the_deployment_and_rolls_back_when_configured() {
    let mut sim = Sim::new(&web_fleet(3, |_| String::new()));
    rollback_group(&mut sim, &[AutoRollbackEvent::DeploymentStopOnAlarm]);
    sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    let d = sim.deploy("a", "g", "v2.zip", |_| {}).unwrap();
    sim.tick(2_000);
    sim.call(|e, now, _| e.set_alarm(now, "HighErrors", AlarmState::Alarm))
        .unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(
        info.error_information.unwrap().code,
        Some(ErrorCode::AlarmActive)
    );
    let rb = info
        .rollback_info
        .unwrap()
        .rollback_deployment_id
        .expect("rolled back");
    // The alarm is still on, so the rollback itself is stopped by it too, and
    // both deployments' rollbackMessage say the rollback failed.
    assert_eq!(sim.status(&rb), DeploymentStatus::Stopped);
    assert_eq!(
        rollback_message(&mut sim, &d),
        format!("Rollback failed: deployment {rb} was stopped (ALARM_ACTIVE).")
    );
    assert_eq!(
        rollback_message(&mut sim, &rb),
        format!("Rollback of deployment {d} failed: this deployment was stopped (ALARM_ACTIVE).")
    );
}

fn rollback_message(sim: &mut Sim, id: &str) -> String {
    sim.info(id)
        .rollback_info
        .and_then(|r| r.rollback_message)
        .unwrap_or_default()
}

#[test]
fn rollback_message_follows_the_rollback() {
    let mut sim = Sim::new(&web_fleet(3, |_| String::new()));
    rollback_group(&mut sim, &[AutoRollbackEvent::DeploymentFailure]);
    sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    sim.call(|e, now, _| e.break_host(now, &id(1), FaultKind::Fail))
        .unwrap();
    let d = sim.deploy("a", "g", "v2.zip", |_| {}).unwrap();
    // Step the clock until the deployment has failed and its rollback runs.
    while sim.status(&d) != DeploymentStatus::Failed {
        let due = sim.engine.next_due().expect("something runs");
        sim.tick(due - sim.now);
    }
    let rb = sim
        .info(&d)
        .rollback_info
        .and_then(|r| r.rollback_deployment_id)
        .expect("rolled back");
    assert_eq!(sim.status(&rb), DeploymentStatus::InProgress);
    assert_eq!(
        rollback_message(&mut sim, &d),
        format!("Rollback in progress: deployment {rb} redeploys the last successful revision.")
    );
    assert_eq!(
        rollback_message(&mut sim, &rb),
        format!(
            "Rollback of deployment {d} in progress: redeploying the last successful revision."
        )
    );
    sim.run();
    assert_eq!(sim.status(&rb), DeploymentStatus::Succeeded);
    assert_eq!(
        rollback_message(&mut sim, &d),
        format!("Rollback succeeded: deployment {rb} redeployed the last successful revision.")
    );
    assert_eq!(
        rollback_message(&mut sim, &rb),
        format!("Rollback of deployment {d} succeeded.")
    );
}

#[test]
fn disabled_alarms_and_ignored_poll_failures_do_not_stop() {
    let mut sim = Sim::new(&web_fleet(2, |_| String::new()));
    sim.app("a", "Server");
    sim.group("a", "g", |g| {
        g.ec2_tag_filters = Some(vec![tag_filter("Name", "web")]);
        g.alarm_configuration = Some(AlarmConfiguration {
            enabled: Some(true),
            ignore_poll_alarm_failure: Some(true),
            alarms: Some(vec![Alarm {
                name: Some("Flaky".into()),
            }]),
        });
    })
    .unwrap();
    sim.call(|e, now, _| e.set_alarm(now, "Flaky", AlarmState::PollFailure))
        .unwrap();
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
    // Without ignorePollAlarmFailure the same failure stops it.
    let d = sim
        .deploy("a", "g", "v2.zip", |i| {
            i.override_alarm_configuration = Some(AlarmConfiguration {
                enabled: Some(true),
                ignore_poll_alarm_failure: Some(false),
                alarms: Some(vec![Alarm {
                    name: Some("Flaky".into()),
                }]),
            })
        })
        .unwrap();
    sim.run();
    assert_eq!(
        sim.info(&d).error_information.unwrap().code,
        Some(ErrorCode::AlarmActive)
    );
}

#[test]
fn triggers_send_notifications_with_the_aws_payload() {
    let mut sim = Sim::new(&web_fleet(1, |_| String::new()));
    rollback_group(&mut sim, &[]);
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    let notes: Vec<_> = sim
        .ar
        .events
        .iter()
        .filter_map(|e| e.notification.clone())
        .collect();
    let kinds: Vec<String> = notes.iter().map(|n| n.event.to_string()).collect();
    assert_eq!(
        kinds,
        [
            "DeploymentStart",
            "InstanceStart",
            "InstanceSuccess",
            "DeploymentSuccess"
        ]
    );
    let success = notes.last().unwrap();
    let m = &success.message;
    assert_eq!(m["eventTriggerName"], "ops");
    assert_eq!(m["deploymentId"], d.as_str());
    assert_eq!(m["status"], "SUCCEEDED");
    assert_eq!(m["deploymentOverview"]["Succeeded"], "1");
    assert!(m["createTime"].as_str().unwrap().contains('.'));
    assert!(success.subject.starts_with("SUCCEEDED: AWS CodeDeploy d-"));
    let instance = &notes[2].message;
    assert_eq!(instance["instanceStatus"], "Succeeded");
    assert_eq!(instance["lifecycleEvents"].as_array().unwrap().len(), 7);
}

#[test]
fn on_premises_instances_with_fault_tags() {
    let mut sim = Sim::new("");
    sim.app("a", "Server");
    for (name, fail) in [("onprem-1", None), ("onprem-2", Some("BeforeInstall"))] {
        sim.call(|e, now, ar| {
            e.register_on_premises_instance(
                now,
                ar,
                RegisterOnPremisesInstanceInput {
                    instance_name: Some(name.into()),
                    iam_user_arn: Some(format!("arn:aws:iam::000000000000:user/{name}")),
                    ..Default::default()
                },
            )
        })
        .unwrap();
        let mut tags = vec![Tag {
            key: Some("role".into()),
            value: Some("db".into()),
        }];
        if let Some(ev) = fail {
            tags.push(Tag {
                key: Some("codedeck:fail".into()),
                value: Some(ev.into()),
            });
        }
        sim.call(|e, now, ar| {
            e.add_tags_to_on_premises_instances(
                now,
                ar,
                AddTagsToOnPremisesInstancesInput {
                    tags: Some(tags),
                    instance_names: Some(vec![name.into()]),
                },
            )
        })
        .unwrap();
    }
    sim.group("a", "g", |g| {
        g.on_premises_instance_tag_filters = Some(vec![TagFilter {
            key: Some("role".into()),
            value: Some("db".into()),
            r#type: Some(TagFilterType::KeyAndValue),
        }]);
        g.deployment_config_name = Some("CodeDeployDefault.AllAtOnce".into());
    })
    .unwrap();
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
    let targets = sim.targets(&d);
    assert_eq!(statuses(&targets), ["Succeeded", "Failed"]);
    assert_eq!(
        targets[1].target_arn.as_deref(),
        Some("arn:aws:codedeploy:us-east-1:000000000000:instance/onprem-2")
    );
    let failed = targets[1]
        .lifecycle_events
        .iter()
        .flatten()
        .find(|e| e.status == Some(LifecycleEventStatus::Failed))
        .unwrap();
    assert_eq!(
        failed.lifecycle_event_name.as_deref(),
        Some("BeforeInstall")
    );
    assert!(!failed
        .diagnostics
        .as_ref()
        .unwrap()
        .log_tail
        .as_deref()
        .unwrap()
        .is_empty());
}

#[test]
fn tag_sets_and_auto_scaling_groups_select_targets() {
    let fleet = r#"
[[instance]]
id = "i-00000000000000001"
tags = { Name = "web", env = "prod" }
[[instance]]
id = "i-00000000000000002"
tags = { Name = "web", env = "dev" }
[[instance]]
id = "i-00000000000000003"
tags = { Name = "api", env = "prod" }
[[auto_scaling_group]]
name = "asg"
capacity = 2
"#;
    let mut sim = Sim::new(fleet);
    sim.app("a", "Server");
    sim.group("a", "g", |g| {
        g.ec2_tag_set = Some(EC2TagSet {
            ec2_tag_set_list: Some(vec![
                vec![tag_filter("Name", "web")],
                vec![tag_filter("env", "prod")],
            ]),
        });
        g.auto_scaling_groups = Some(vec!["asg".into()]);
        g.deployment_config_name = Some("CodeDeployDefault.AllAtOnce".into());
    })
    .unwrap();
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    let ids: Vec<String> = sim
        .targets(&d)
        .iter()
        .map(|t| t.target_id.clone().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.contains(&"i-00000000000000001".to_string()));
    let missing = sim
        .group("a", "h", |g| {
            g.auto_scaling_groups = Some(vec!["nope".into()])
        })
        .unwrap_err();
    assert_eq!(missing.exception, Exception::InvalidAutoScalingGroup);
}

#[test]
fn unresponsive_host_fails_after_five_minutes() {
    let mut sim = Sim::new(&web_fleet(2, |i| {
        if i == 0 {
            "state = \"stopped\"".into()
        } else {
            String::new()
        }
    }));
    sim.app("a", "Server");
    sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    let t = &sim.targets(&d)[0];
    assert_eq!(t.status, Some(TargetStatus::Failed));
    let first = &t.lifecycle_events.as_ref().unwrap()[0];
    assert!(first.start_time.is_none());
    assert!(first
        .diagnostics
        .as_ref()
        .unwrap()
        .message
        .as_deref()
        .unwrap()
        .contains("did not start within 5 minutes"));
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
}

#[test]
fn same_inputs_same_history() {
    let run = || {
        let mut sim = Sim::new(&web_fleet(4, |i| {
            if i == 1 {
                "fail = \"Install\"".into()
            } else {
                String::new()
            }
        }));
        sim.app("a", "Server");
        sim.web_group("a", "g", Some("CodeDeployDefault.HalfAtATime"));
        sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
        sim.deploy("a", "g", "v2.zip", |_| {}).unwrap();
        sim.run();
        sim.history
    };
    assert_eq!(run(), run());
}

#[test]
fn get_deployment_never_returns_appspec_content() {
    let mut sim = Sim::new("");
    sim.app("fn", "Lambda");
    sim.group("fn", "prod", |g| {
        g.deployment_config_name = Some("CodeDeployDefault.LambdaAllAtOnce".into())
    })
    .unwrap();
    let spec = "version: 0.0\nResources:\n  - f:\n      Type: AWS::Lambda::Function\n      Properties: {Name: f, Alias: live, CurrentVersion: 1, TargetVersion: 2}\n";
    let d = sim
        .deploy("fn", "prod", "unused", |i| {
            i.revision = Some(RevisionLocation {
                revision_type: Some(RevisionLocationType::AppSpecContent),
                app_spec_content: Some(AppSpecContent {
                    content: Some(spec.into()),
                    sha256: None,
                }),
                ..Default::default()
            })
        })
        .unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert!(
        info.revision
            .unwrap()
            .app_spec_content
            .unwrap()
            .content
            .is_none(),
        "GetDeployment never returns appSpecContent.content"
    );
}

#[test]
fn a_finished_deployment_leaves_nothing_to_step_to() {
    let mut sim = Sim::new(&web_fleet(2, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    // While it runs, the next wake-up is an event ending, not the 8-hour limit.
    sim.tick(1);
    let next = sim.engine.next_due().expect("events are running");
    assert!(next < T0 + 60_000, "{next}");
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    // Its 8-hour deadline went with it: nothing is scheduled, and stepping
    // the clock stopped where the deployment ended.
    assert_eq!(sim.engine.next_due(), None);
    assert_eq!(Some(Timestamp(sim.now)), info.complete_time);
}

/// #22: a deregistered on-premises instance keeps its name and IAM ARN taken
/// while CodeDeploy keeps its record, 24 hours of virtual time, across
/// restarts (the record is in the state file); then the record is deleted from
/// memory and the store, and both are free again.
#[test]
fn a_deregistered_instance_keeps_its_name_for_24_hours_across_restarts() {
    use codedeck::engine::Engine;
    use codedeck::model::time::Millis;
    use codedeck::state::fleet::Fleet;
    use codedeck::state::{ApiResult, Archive};
    use codedeck::store::Store;
    const DAY: Millis = 24 * 3_600_000;
    let mut store = Store::in_memory().expect("store");
    let fleet = Fleet::parse("").expect("fleet");
    let mut engine = Engine::new(EngineOptions::default(), 7, fleet.clone(), T0);
    store.commit(&engine.take_changes()).expect("commit");
    // One step as the runtime runs it: advance, operate, commit.
    fn step<T>(
        engine: &mut Engine,
        store: &mut Store,
        now: Millis,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> ApiResult<T>,
    ) -> ApiResult<T> {
        engine.advance(now);
        let out = f(engine, now, &*store);
        store.commit(&engine.take_changes()).expect("commit");
        out
    }
    let restart = |store: &Store, now: Millis| {
        let snapshot = store.load().expect("load");
        Engine::restore(EngineOptions::default(), snapshot, 7, None, now)
    };
    let register = |name: &str, user: &str| {
        let input = RegisterOnPremisesInstanceInput {
            instance_name: Some(name.into()),
            iam_user_arn: Some(format!("arn:aws:iam::000000000000:user/{user}")),
            ..Default::default()
        };
        move |e: &mut Engine, now: Millis, ar: &dyn Archive| {
            e.register_on_premises_instance(now, ar, input)
        }
    };
    let listed = |e: &mut Engine, now: Millis, ar: &dyn Archive| {
        e.list_on_premises_instances(
            now,
            ar,
            ListOnPremisesInstancesInput {
                registration_status: Some(RegistrationStatus::Deregistered),
                ..Default::default()
            },
        )
        .map(|o| o.instance_names.unwrap_or_default())
    };
    step(&mut engine, &mut store, T0, register("rack-1", "rack-1")).expect("register");
    let gone_at = T0 + 3_600_000;
    step(&mut engine, &mut store, gone_at, |e, now, ar| {
        e.deregister_on_premises_instance(
            now,
            ar,
            DeregisterOnPremisesInstanceInput {
                instance_name: Some("rack-1".into()),
            },
        )
    })
    .expect("deregister");

    // One millisecond before the 24 hours are over, after a restart.
    let before = gone_at + DAY - 1;
    let mut engine = restart(&store, before);
    let refused = |r: ApiResult<()>| r.map_err(|e| e.exception);
    assert_eq!(
        refused(step(
            &mut engine,
            &mut store,
            before,
            register("rack-1", "new")
        )),
        Err(Exception::InstanceNameAlreadyRegistered)
    );
    assert_eq!(
        refused(step(
            &mut engine,
            &mut store,
            before,
            register("rack-2", "rack-1")
        )),
        Err(Exception::IamUserArnAlreadyRegistered)
    );
    assert_eq!(
        step(&mut engine, &mut store, before, listed),
        Ok(vec!["rack-1".to_string()])
    );
    assert_eq!(store.load().expect("load").instances.len(), 1);

    // At 24 hours, after another restart: deleted, from the store too.
    let mut engine = restart(&store, gone_at + DAY);
    assert_eq!(
        step(&mut engine, &mut store, gone_at + DAY, listed),
        Ok(vec![])
    );
    assert!(store.load().expect("load").instances.is_empty());
    step(
        &mut engine,
        &mut store,
        gone_at + DAY,
        register("rack-2", "rack-1"),
    )
    .expect("the IAM user ARN is free");
    step(
        &mut engine,
        &mut store,
        gone_at + DAY,
        register("rack-1", "new"),
    )
    .expect("the name is free");
    let names: Vec<String> = store
        .load()
        .expect("load")
        .instances
        .iter()
        .map(|i| i.name().to_string())
        .collect();
    assert_eq!(names, ["rack-1", "rack-2"]);
}

/// Registers on-premises instance `name`.
fn register(sim: &mut Sim, name: &str) {
    sim.call(|e, now, ar| {
        e.register_on_premises_instance(
            now,
            ar,
            RegisterOnPremisesInstanceInput {
                instance_name: Some(name.into()),
                iam_user_arn: Some(format!("arn:aws:iam::000000000000:user/{name}")),
                ..Default::default()
            },
        )
    })
    .expect("register on-premises instance");
}

/// (event, error code, message) of the failed lifecycle event of a target.
fn failed_event(t: &InstanceTarget) -> (String, LifecycleErrorCode, String) {
    let e = t
        .lifecycle_events
        .iter()
        .flatten()
        .find(|e| e.status == Some(LifecycleEventStatus::Failed))
        .expect("a failed event");
    let d = e.diagnostics.clone().expect("diagnostics");
    (
        e.lifecycle_event_name.clone().unwrap_or_default(),
        d.error_code.expect("error code"),
        d.message.unwrap_or_default(),
    )
}

#[test]
fn events_without_scripts_have_their_own_faults_and_refuse_script_faults() {
    use codedeck::state::fleet::Fleet;
    for (fault, event) in [
        ("timeout", "Install"),
        ("missing", "DownloadBundle"),
        ("timeout", "AllowTraffic"),
    ] {
        let e = Fleet::parse(&web_fleet(1, |_| format!("{fault} = \"{event}\""))).unwrap_err();
        assert!(
            e.to_string()
                .contains(&format!("{event} runs no appspec scripts")),
            "{e}"
        );
    }
    let fleet = web_fleet(3, |i| {
        [
            "fail = \"DownloadBundle\"",
            "disk_full = \"Install\"",
            "disk_full = \"DownloadBundle\"",
        ][i]
            .to_string()
    });
    let mut sim = Sim::new(&fleet);
    sim.app("a", "Server");
    sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d), DeploymentStatus::Failed);
    let failures: Vec<_> = sim.targets(&d).iter().map(failed_event).collect();
    let expect = [
        ("DownloadBundle", "The specified key does not exist."),
        ("Install", "No space left on device"),
        ("DownloadBundle", "No space left on device"),
    ];
    for ((event, code, message), (want_event, want_message)) in failures.iter().zip(expect) {
        assert_eq!(event, want_event);
        assert_eq!(*code, LifecycleErrorCode::UnknownError, "no script ran");
        assert!(message.starts_with(want_message), "{message}");
    }
}

#[test]
fn fault_tags_on_events_without_scripts_are_refused() {
    let mut sim = Sim::new("");
    register(&mut sim, "db-1");
    let tag = |sim: &mut Sim, key: &str, value: &str| {
        let tags = vec![Tag {
            key: Some(key.into()),
            value: Some(value.into()),
        }];
        sim.call(|e, now, ar| {
            e.add_tags_to_on_premises_instances(
                now,
                ar,
                AddTagsToOnPremisesInstancesInput {
                    tags: Some(tags),
                    instance_names: Some(vec!["db-1".into()]),
                },
            )
        })
        .map_err(|e| (e.exception, e.message))
    };
    let (exception, message) = tag(&mut sim, "codedeck:timeout", "Install").unwrap_err();
    assert_eq!(exception, Exception::InvalidTag);
    assert!(
        message.starts_with("codedeck:timeout=Install: Install runs no appspec scripts"),
        "{message}"
    );
    assert!(
        message.contains("disk_full"),
        "offers what Install has: {message}"
    );
    let (_, message) = tag(&mut sim, "codedeck:fail", "Nope").unwrap_err();
    assert!(message.contains("not a lifecycle event"), "{message}");
    assert_eq!(tag(&mut sim, "codedeck:disk-full", "Install"), Ok(()));
    assert_eq!(tag(&mut sim, "codedeck:timeout", "AfterInstall"), Ok(()));
}

// ---- zonal deployments (zonalConfig) -----------------------------------------

const SEC: i64 = 1_000;
/// One host's 7 events at the default durations, without jitter.
const HOST: i64 = 24 * SEC;

/// (first event's start, last event's end) of each target, by host, relative to `t0`.
fn spans(sim: &mut Sim, d: &str, t0: i64) -> std::collections::BTreeMap<String, (i64, i64)> {
    sim.targets(d)
        .iter()
        .map(|t| {
            let events = t.lifecycle_events.clone().unwrap_or_default();
            let start = events
                .first()
                .and_then(|e| e.start_time)
                .map_or(-1, |t| t.0 - t0);
            let end = events
                .last()
                .and_then(|e| e.end_time)
                .map_or(-1, |t| t.0 - t0);
            (t.target_id.clone().unwrap_or_default(), (start, end))
        })
        .collect()
}

#[test]
fn zonal_deployments_go_one_zone_at_a_time_with_monitor_waits() {
    let fleet = zoned_fleet(&[
        (1, "us-east-1b", ""),
        (2, "us-east-1b", ""),
        (3, "us-east-1a", ""),
        (4, "us-east-1a", ""),
    ]);
    let mut sim = Sim::new(&fleet);
    sim.app("a", "Server");
    // An on-premises instance has no zone: it goes after every zone.
    register(&mut sim, "db-1");
    sim.call(|e, now, ar| {
        e.add_tags_to_on_premises_instances(
            now,
            ar,
            AddTagsToOnPremisesInstancesInput {
                tags: Some(vec![Tag {
                    key: Some("Name".into()),
                    value: Some("web".into()),
                }]),
                instance_names: Some(vec!["db-1".into()]),
            },
        )
    })
    .unwrap();
    // Fleet-wide, 4 of 5 may be down; per zone only 1 (one must stay up).
    zonal_config(
        &mut sim,
        (MinimumHealthyHostsType::HostCount, 1),
        (MinimumHealthyHostsPerZoneType::HostCount, 1),
        (Some(600), Some(300)),
    );
    sim.group("a", "g", |g| {
        g.ec2_tag_filters = Some(vec![tag_filter("Name", "web")]);
        g.on_premises_instance_tag_filters = Some(vec![TagFilter {
            key: Some("Name".into()),
            value: Some("web".into()),
            r#type: Some(TagFilterType::KeyAndValue),
        }]);
        g.deployment_config_name = Some("Zonal".into());
    })
    .unwrap();
    let t0 = sim.now;
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    // Never two zones at once, never two instances of one zone.
    let mut zones_seen = Vec::new();
    let d2 = d.clone();
    sim.run_with(|s| {
        if let Some((rec, targets)) = s.engine.active(&d2) {
            let busy: Vec<_> = targets
                .iter()
                .filter(|t| t.status() == TargetStatus::InProgress)
                .map(|t| t.run.zone.clone())
                .collect();
            assert!(busy.len() <= 1, "{busy:?}");
            if let Some((zone, _)) = codedeck::engine::Engine::zone_of(rec) {
                let zone = zone.map(str::to_string);
                if zones_seen.last() != Some(&zone) {
                    zones_seen.push(zone);
                }
            }
        }
    });
    assert_eq!(
        zones_seen,
        [
            Some("us-east-1a".to_string()),
            Some("us-east-1b".into()),
            None
        ]
    );
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
    let spans = spans(&mut sim, &d, t0);
    // us-east-1a one at a time, then 600 s; us-east-1b, then 300 s; then db-1.
    assert_eq!(spans[&id(3)], (0, HOST));
    assert_eq!(spans[&id(4)], (HOST, 2 * HOST));
    let b = 2 * HOST + 600 * SEC;
    assert_eq!(spans[&id(1)], (b, b + HOST));
    assert_eq!(spans[&id(2)], (b + HOST, b + 2 * HOST));
    let c = b + 2 * HOST + 300 * SEC;
    assert_eq!(spans["db-1"], (c, c + HOST));
    let targets = sim.targets(&d);
    assert!(sim
        .log_lines()
        .iter()
        .any(|l| l
            .contains("zone us-east-1a deployed; monitoring it for 600 s before zone us-east-1b")));
    assert_eq!(targets.len(), 5);
}

#[test]
fn the_monitor_wait_is_what_the_clock_steps_to_and_an_alarm_stops_it() {
    let fleet = zoned_fleet(&[(1, "us-east-1a", ""), (2, "us-east-1b", "")]);
    let mut sim = Sim::new(&fleet);
    rollback_group(&mut sim, &[]);
    zonal_config(
        &mut sim,
        (MinimumHealthyHostsType::HostCount, 0),
        (MinimumHealthyHostsPerZoneType::FleetPercent, 0),
        (None, Some(900)),
    );
    sim.call(|e, now, ar| {
        e.update_deployment_group(
            now,
            ar,
            UpdateDeploymentGroupInput {
                application_name: Some("a".into()),
                current_deployment_group_name: Some("g".into()),
                deployment_config_name: Some("Zonal".into()),
                ..Default::default()
            },
        )
    })
    .unwrap();
    let t0 = sim.now;
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.tick(HOST + 60 * SEC);
    // The first zone's wait defaults to monitorDurationInSeconds.
    let until = t0 + HOST + 900 * SEC;
    let (rec, _) = sim.engine.active(&d).expect("running");
    assert_eq!(
        codedeck::engine::Engine::zone_of(rec),
        Some((Some("us-east-1a"), Some(until)))
    );
    assert_eq!(rec.status(), DeploymentStatus::InProgress);
    assert_eq!(
        sim.engine.next_due(),
        Some(until),
        "stepping goes to the wait's end"
    );
    // An alarm during the wait stops the deployment there.
    sim.call(|e, now, _| e.set_alarm(now, "HighErrors", AlarmState::Alarm))
        .unwrap();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(
        info.error_information.and_then(|e| e.code),
        Some(ErrorCode::AlarmActive)
    );
    assert_eq!(statuses(&sim.targets(&d)), ["Succeeded", "Skipped"]);
    assert_eq!(sim.engine.next_due(), None);
}

#[test]
fn too_many_failures_in_a_zone_fail_the_deployment_there() {
    let fleet = zoned_fleet(&[
        (1, "us-east-1a", "fail = \"ValidateService\""),
        (2, "us-east-1a", ""),
        (3, "us-east-1a", ""),
        (4, "us-east-1b", ""),
    ]);
    let mut sim = Sim::new(&fleet);
    sim.app("a", "Server");
    // Fleet-wide anything goes; in a zone of 3, ceil(50 %) = 2 must stay up.
    zonal_config(
        &mut sim,
        (MinimumHealthyHostsType::HostCount, 0),
        (MinimumHealthyHostsPerZoneType::FleetPercent, 50),
        (Some(0), Some(0)),
    );
    sim.web_group("a", "g", Some("Zonal"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let error = info.error_information.expect("error");
    assert_eq!(error.code, Some(ErrorCode::HealthConstraints));
    assert!(
        error
            .message
            .unwrap_or_default()
            .contains("Availability Zone us-east-1a"),
        "the zone is named"
    );
    assert_eq!(
        statuses(&sim.targets(&d)),
        ["Failed", "Skipped", "Skipped", "Skipped"]
    );
}

/// What CreateDeployment records before anything runs: the request, and the
/// group's settings or the API's defaults where the request is silent.
#[test]
fn a_new_deployment_records_the_request_and_the_defaults() {
    let mut sim = Sim::new(&web_fleet(1, |_| String::new()));
    sim.app("a", "Server");
    sim.group("a", "g", |g| {
        g.ec2_tag_filters = Some(vec![tag_filter("Name", "web")]);
        g.auto_rollback_configuration = Some(AutoRollbackConfiguration {
            enabled: Some(true),
            events: Some(vec![AutoRollbackEvent::DeploymentFailure]),
        });
    })
    .unwrap();
    let first = sim
        .deploy("a", "g", "v1.zip", |d| d.description = Some("first".into()))
        .unwrap();
    let info = sim.info(&first);
    assert_eq!(info.description.as_deref(), Some("first"));
    assert_eq!(info.creator, Some(DeploymentCreator::User));
    assert_eq!(info.application_name.as_deref(), Some("a"));
    assert_eq!(info.deployment_group_name.as_deref(), Some("g"));
    assert_eq!(
        info.deployment_config_name.as_deref(),
        Some("CodeDeployDefault.OneAtATime")
    );
    assert_eq!(info.compute_platform, Some(ComputePlatform::Server));
    assert_eq!(info.create_time, Some(Timestamp(sim.now)));
    assert_eq!(
        info.file_exists_behavior,
        Some(FileExistsBehavior::Disallow)
    );
    assert_eq!(
        info.deployment_style,
        Some(DeploymentStyle {
            deployment_type: Some(DeploymentType::InPlace),
            deployment_option: Some(DeploymentOption::WithoutTrafficControl),
        })
    );
    assert_eq!(info.ignore_application_stop_failures, Some(false));
    assert_eq!(info.update_outdated_instances_only, Some(false));
    assert_eq!(info.instance_termination_wait_time_started, Some(false));
    assert_eq!(info.deployment_status_messages, Some(vec![]));
    assert_eq!(info.previous_revision, None, "the group's first deployment");
    assert_eq!(
        info.auto_rollback_configuration.and_then(|c| c.enabled),
        Some(true),
        "the group's rollback settings"
    );
    // Queued behind the first: nothing counted yet, but an overview already.
    let queued = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    let info = sim.info(&queued);
    assert_eq!(info.status, Some(DeploymentStatus::Queued));
    let o = info.deployment_overview.expect("an overview while queued");
    assert_eq!(
        [
            o.pending,
            o.in_progress,
            o.succeeded,
            o.failed,
            o.skipped,
            o.ready
        ],
        [Some(0); 6]
    );
    sim.run();
    assert_eq!(sim.status(&first), DeploymentStatus::Succeeded);

    let second = sim
        .deploy("a", "g", "v2.zip", |d| {
            d.auto_rollback_configuration = Some(AutoRollbackConfiguration {
                enabled: Some(false),
                events: None,
            });
            d.file_exists_behavior = Some(FileExistsBehavior::Overwrite);
        })
        .unwrap();
    let info = sim.info(&second);
    assert_eq!(info.previous_revision, Some(s3("v1.zip")));
    assert_eq!(info.revision, Some(s3("v2.zip")));
    assert_eq!(
        info.auto_rollback_configuration.and_then(|c| c.enabled),
        Some(false),
        "the deployment's own rollback settings win"
    );
    assert_eq!(
        info.file_exists_behavior,
        Some(FileExistsBehavior::Overwrite)
    );
}

/// A deployment may target at most 1,000 instances: 1,000 start, 1,001 fail
/// with OVER_MAX_INSTANCES.
#[test]
fn a_thousand_instances_is_the_most_a_deployment_may_target() {
    for (n, over) in [(1000, false), (1001, true)] {
        let mut sim = Sim::new(&web_fleet(n, |_| String::new()));
        sim.app("a", "Server");
        sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
        let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
        sim.tick(5_000);
        let info = sim.info(&d);
        let code = info.error_information.and_then(|e| e.code);
        if over {
            assert_eq!(info.status, Some(DeploymentStatus::Failed), "{n}");
            assert_eq!(code, Some(ErrorCode::OverMaxInstances), "{n}");
        } else {
            assert_eq!(info.status, Some(DeploymentStatus::InProgress), "{n}");
            assert_eq!(code, None, "{n}");
        }
    }
}

/// updateOutdatedInstancesOnly skips exactly the healthy hosts already on the
/// revision: without it every host is deployed again; with it a host that
/// failed on that very revision is deployed again too.
#[test]
fn only_healthy_hosts_on_the_revision_count_as_up_to_date() {
    let mut sim = Sim::new(&web_fleet(3, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", None);
    let by_id = |sim: &mut Sim, d: &str| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = sim
            .targets(d)
            .iter()
            .map(|t| {
                (
                    t.target_id.clone().unwrap(),
                    t.status.clone().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    sim.call(|e, now, _| e.break_host(now, &id(3), FaultKind::Fail))
        .unwrap();
    let again = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(
        by_id(&mut sim, &again),
        [
            (id(1), "Succeeded".into()),
            (id(2), "Succeeded".into()),
            (id(3), "Failed".into())
        ],
        "without the flag every host is deployed again"
    );
    let outdated = sim
        .deploy("a", "g", "v1.zip", |i| {
            i.update_outdated_instances_only = Some(true)
        })
        .unwrap();
    sim.run();
    assert_eq!(
        by_id(&mut sim, &outdated),
        [
            (id(1), "Skipped".into()),
            (id(2), "Skipped".into()),
            (id(3), "Succeeded".into())
        ],
        "the unhealthy host is not up to date"
    );
}

/// Every target of an EC2/on-premises deployment says it is an instance target.
#[test]
fn server_targets_are_instance_targets() {
    let mut sim = Sim::new(&web_fleet(2, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", None);
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    for t in [id(1), id(2)] {
        let target = sim.deployment_target(&d, &t);
        assert_eq!(
            target.deployment_target_type,
            Some(DeploymentTargetType::InstanceTarget),
            "{t}"
        );
    }
}

/// At the 8-hour limit the instances still running fail, the event they are
/// running with them; those already done keep their result.
#[test]
fn the_eight_hour_limit_fails_what_is_still_running() {
    let mut sim = Sim::new(&web_fleet(2, |i| match i {
        1 => "durations = { Install = 36000.0 }".into(),
        _ => String::new(),
    }));
    sim.app("a", "Server");
    sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
    let d = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(
        info.error_information.and_then(|e| e.code),
        Some(ErrorCode::Timeout)
    );
    assert_eq!(
        info.complete_time.unwrap().0 - info.start_time.unwrap().0,
        8 * 3_600_000
    );
    let targets = sim.targets(&d);
    let of = |host: String| {
        targets
            .iter()
            .find(|t| t.target_id == Some(host.clone()))
            .unwrap()
    };
    assert_eq!(of(id(1)).status, Some(TargetStatus::Succeeded));
    assert_eq!(of(id(2)).status, Some(TargetStatus::Failed));
    let install = of(id(2))
        .lifecycle_events
        .iter()
        .flatten()
        .find(|e| e.lifecycle_event_name.as_deref() == Some("Install"))
        .unwrap();
    assert_eq!(install.status, Some(LifecycleEventStatus::Failed));
    let message = install.diagnostics.as_ref().and_then(|d| d.message.clone());
    assert_eq!(
        message.as_deref(),
        Some("The deployment timed out while this lifecycle event was running.")
    );
}

/// With updateOutdatedInstancesOnly, a deployment whose only outdated host
/// fails has failed: skipping the up-to-date hosts is no success.
#[test]
fn skipped_hosts_do_not_make_a_failed_deployment_succeed() {
    let mut sim = Sim::new(&web_fleet(3, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", Some("CodeDeployDefault.AllAtOnce"));
    sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    sim.call(|e, now, _| e.break_host(now, &id(3), FaultKind::Fail))
        .unwrap();
    sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    sim.call(|e, now, _| e.break_host(now, &id(3), FaultKind::Fail))
        .unwrap();
    let d = sim
        .deploy("a", "g", "v1.zip", |i| {
            i.update_outdated_instances_only = Some(true)
        })
        .unwrap();
    sim.run();
    assert_eq!(
        sorted_statuses(&mut sim, &d),
        ["Failed", "Skipped", "Skipped"]
    );
    assert_eq!(sim.status(&d), DeploymentStatus::Failed);
}

fn sorted_statuses(sim: &mut Sim, d: &str) -> Vec<String> {
    let mut v = statuses(&sim.targets(d));
    v.sort();
    v
}

/// The rollback deployment redeploys with the settings of the deployment it
/// rolls back: its configuration, ignoreApplicationStopFailures and
/// fileExistsBehavior.
#[test]
fn a_rollback_keeps_the_settings_of_the_deployment_it_rolls_back() {
    let mut sim = Sim::new(&web_fleet(1, |_| String::new()));
    rollback_group(&mut sim, &[AutoRollbackEvent::DeploymentFailure]);
    sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    // An unresponsive host fails even ApplicationStop with failures ignored.
    sim.call(|e, now, _| e.break_host(now, &id(1), FaultKind::Unresponsive))
        .unwrap();
    let d = sim
        .deploy("a", "g", "v2.zip", |i| {
            i.deployment_config_name = Some("CodeDeployDefault.AllAtOnce".into());
            i.ignore_application_stop_failures = Some(true);
            i.file_exists_behavior = Some(FileExistsBehavior::Retain);
        })
        .unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let rb = info
        .rollback_info
        .and_then(|r| r.rollback_deployment_id)
        .expect("a rollback deployment");
    let rb = sim.info(&rb);
    assert_eq!(rb.creator, Some(DeploymentCreator::CodeDeployRollback));
    assert_eq!(rb.revision, Some(s3("v1.zip")));
    assert_eq!(
        rb.deployment_config_name.as_deref(),
        Some("CodeDeployDefault.AllAtOnce")
    );
    assert_eq!(rb.ignore_application_stop_failures, Some(true));
    assert_eq!(rb.file_exists_behavior, Some(FileExistsBehavior::Retain));
}

/// Stopping a queued deployment takes it out of the queue and nothing else:
/// the running deployment stays the group's only one, and the next in the
/// queue waits for it (found by the property test's invariant).
#[test]
fn stopping_a_queued_deployment_starts_nothing_else() {
    let mut sim = Sim::new(&web_fleet(2, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", None);
    let running = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.tick(5_000);
    let queued = sim.deploy("a", "g", "v2.zip", |_| {}).unwrap();
    let next = sim.deploy("a", "g", "v3.zip", |_| {}).unwrap();
    sim.tick(1_000);
    assert_eq!(sim.status(&queued), DeploymentStatus::Queued);
    sim.call(|e, now, ar| {
        e.stop_deployment(
            now,
            ar,
            StopDeploymentInput {
                deployment_id: Some(queued.clone()),
                auto_rollback_enabled: None,
            },
        )
    })
    .unwrap();
    assert_eq!(sim.status(&queued), DeploymentStatus::Stopped);
    assert_eq!(sim.status(&running), DeploymentStatus::InProgress);
    assert_eq!(
        sim.status(&next),
        DeploymentStatus::Queued,
        "still behind the running one"
    );
    sim.run();
    assert_eq!(sim.status(&running), DeploymentStatus::Succeeded);
    assert_eq!(sim.status(&next), DeploymentStatus::Succeeded);
}

/// Failed events of a deployment's targets, as `host event` pairs.
fn failed_events(sim: &mut Sim, d: &str) -> Vec<String> {
    sim.targets(d)
        .iter()
        .flat_map(|t| {
            let host = t.target_id.clone().unwrap_or_default();
            t.lifecycle_events
                .iter()
                .flatten()
                .filter(|e| e.status == Some(LifecycleEventStatus::Failed))
                .map(move |e| {
                    format!(
                        "{host} {}",
                        e.lifecycle_event_name.clone().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn a_broken_host_fails_the_first_event_that_runs_a_script_there() {
    // A first install: ApplicationStop would run the previous revision's
    // script, and there is none, so BeforeInstall is the one that fails.
    let mut sim = Sim::new(&web_fleet(1, |_| String::new()));
    sim.app("a", "Server");
    sim.web_group("a", "g", None);
    sim.call(|e, now, _| e.break_host(now, &id(1), FaultKind::Fail))
        .unwrap();
    let d1 = sim.deploy("a", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(
        failed_events(&mut sim, &d1),
        [format!("{} BeforeInstall", id(1))]
    );
    // Installed once: the next break fails ApplicationStop, whose script
    // (the installed revision's) now runs.
    let d2 = sim.deploy("a", "g", "v2.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d2), DeploymentStatus::Succeeded);
    sim.call(|e, now, _| e.break_host(now, &id(1), FaultKind::Fail))
        .unwrap();
    let d3 = sim.deploy("a", "g", "v3.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(
        failed_events(&mut sim, &d3),
        [format!("{} ApplicationStop", id(1))]
    );
}
