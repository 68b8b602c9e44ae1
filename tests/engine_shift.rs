//! Lambda and ECS deployments at simulated speed: traffic weights at every
//! step of every predefined config, hooks (simulated, failing, silent, answered
//! through the API), rollback of traffic, ECS test listeners, ready and
//! termination waits.

mod common;

use codedeck::model::time::Millis;
use codedeck::model::*;
use codedeck::state::{HookExecution, ShiftWait};
use common::scenarios::{SHIFT_FLEET as FLEET, *};
use common::*;

const MIN: Millis = 60_000;

fn lambda_sim(config: &str, tweak: impl FnOnce(&mut CreateDeploymentGroupInput)) -> Sim {
    let mut sim = Sim::new(FLEET);
    lambda_group(&mut sim, config, tweak);
    sim
}

fn target(sim: &mut Sim, id: &str) -> DeploymentTarget {
    let ids = sim
        .call(|e, now, ar| {
            e.list_deployment_targets(
                now,
                ar,
                ListDeploymentTargetsInput {
                    deployment_id: Some(id.into()),
                    ..Default::default()
                },
            )
        })
        .expect("list targets")
        .target_ids
        .unwrap_or_default();
    assert_eq!(ids.len(), 1, "Lambda and ECS deployments have one target");
    sim.call(|e, now, ar| {
        e.get_deployment_target(
            now,
            ar,
            GetDeploymentTargetInput {
                deployment_id: Some(id.into()),
                target_id: Some(ids[0].clone()),
            },
        )
    })
    .expect("get target")
    .deployment_target
    .expect("target")
}

fn lambda_weight(sim: &mut Sim, id: &str) -> f64 {
    target(sim, id)
        .lambda_target
        .and_then(|l| l.lambda_function_info)
        .and_then(|i| i.target_version_weight)
        .expect("targetVersionWeight")
}

fn events(t: &DeploymentTarget) -> Vec<(String, String)> {
    let evs = t
        .lambda_target
        .as_ref()
        .and_then(|l| l.lifecycle_events.clone())
        .or_else(|| {
            t.ecs_target
                .as_ref()
                .and_then(|e| e.lifecycle_events.clone())
        })
        .unwrap_or_default();
    evs.into_iter()
        .map(|e| {
            (
                e.lifecycle_event_name.unwrap_or_default(),
                e.status.map(|s| s.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

/// Moves the clock to `at` exactly.
fn at(sim: &mut Sim, t: Millis) {
    assert!(t >= sim.now, "time only moves forward");
    sim.tick(t - sim.now);
}

/// The schedule each predefined config promises, written out independently
/// of the engine: (minutes after AllowTraffic starts, percent).
fn expected(config: &str) -> Vec<(i64, f64)> {
    let canary = |i: i64| vec![(0, 10.0), (i, 100.0)];
    let linear = |i: i64| (0..10).map(|n| (n * i, 10.0 * (n + 1) as f64)).collect();
    match config.trim_start_matches("CodeDeployDefault.") {
        "LambdaAllAtOnce" | "ECSAllAtOnce" => vec![(0, 100.0)],
        "LambdaCanary10Percent5Minutes" | "ECSCanary10Percent5Minutes" => canary(5),
        "LambdaCanary10Percent10Minutes" => canary(10),
        "LambdaCanary10Percent15Minutes" | "ECSCanary10Percent15Minutes" => canary(15),
        "LambdaCanary10Percent30Minutes" => canary(30),
        "LambdaLinear10PercentEvery1Minute" | "ECSLinear10PercentEvery1Minutes" => linear(1),
        "LambdaLinear10PercentEvery2Minutes" => linear(2),
        "LambdaLinear10PercentEvery3Minutes" | "ECSLinear10PercentEvery3Minutes" => linear(3),
        "LambdaLinear10PercentEvery10Minutes" => linear(10),
        other => panic!("no expectation for {other}"),
    }
}

const LAMBDA_CONFIGS: [&str; 9] = [
    "CodeDeployDefault.LambdaAllAtOnce",
    "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
];

const ECS_CONFIGS: [&str; 5] = [
    "CodeDeployDefault.ECSAllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
];

#[test]
fn every_predefined_lambda_config_shifts_on_schedule() {
    for config in LAMBDA_CONFIGS {
        let mut sim = lambda_sim(config, |_| {});
        let id = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(1, 2, &[]));
        let t0 = sim.now;
        let steps = expected(config);
        let mut before = 0.0;
        for (minutes, weight) in &steps {
            let when = t0 + minutes * MIN;
            if when > sim.now + 1 {
                at(&mut sim, when - 1);
                assert_eq!(
                    lambda_weight(&mut sim, &id),
                    before,
                    "{config} just before {minutes} min"
                );
                let alias = &sim.engine.lambda_function("orders").expect("fn").aliases["live"];
                assert_eq!(
                    alias.version, "1",
                    "{config}: the alias keeps version 1 while shifting"
                );
                assert_eq!(alias.additional_version.as_deref(), Some("2"));
                assert_eq!(alias.additional_weight, before);
            }
            at(&mut sim, when);
            assert_eq!(
                lambda_weight(&mut sim, &id),
                *weight,
                "{config} at {minutes} min"
            );
            before = *weight;
        }
        assert_eq!(sim.status(&id), DeploymentStatus::Succeeded, "{config}");
        let alias = &sim.engine.lambda_function("orders").expect("fn").aliases["live"];
        assert_eq!(
            (alias.version.as_str(), alias.additional_version.as_deref()),
            ("2", None)
        );
        let t = target(&mut sim, &id);
        assert_eq!(
            events(&t),
            vec![
                ("BeforeAllowTraffic".into(), "Succeeded".into()),
                ("AllowTraffic".into(), "Succeeded".into()),
                ("AfterAllowTraffic".into(), "Succeeded".into()),
            ]
        );
        assert_eq!(
            t.deployment_target_type,
            Some(DeploymentTargetType::LambdaTarget)
        );
    }
}

fn ecs_sim(
    config: &str,
    test_listener: bool,
    tweak: impl FnOnce(&mut CreateDeploymentGroupInput),
) -> Sim {
    let mut sim = Sim::new(FLEET);
    ecs_group(&mut sim, config, test_listener, tweak);
    sim
}

fn task_sets(sim: &mut Sim, id: &str) -> Vec<ECSTaskSet> {
    target(sim, id)
        .ecs_target
        .and_then(|e| e.task_sets_info)
        .unwrap_or_default()
}

fn weight_of(sets: &[ECSTaskSet], label: TargetLabel) -> f64 {
    sets.iter()
        .find(|s| s.task_set_label.as_ref() == Some(&label))
        .and_then(|s| s.traffic_weight)
        .expect("task set weight")
}

/// ECS AllowTraffic lasts the fleet's AllowTraffic time (6 s, no jitter in
/// these fleets) after its last traffic step: the listener switch is a step
/// of its own.
const ECS_ALLOW: Millis = 6_000;

#[test]
fn every_predefined_ecs_config_shifts_on_schedule() {
    for config in ECS_CONFIGS {
        let mut sim = ecs_sim(config, false, |_| {});
        let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(2, &[]));
        // BeforeInstall has no hook; Install takes its fleet duration (5 s).
        let t0 = sim.now + 5_000;
        let mut before = 0.0;
        for (minutes, weight) in expected(config) {
            let when = t0 + minutes * MIN;
            at(&mut sim, when - 1);
            let sets = task_sets(&mut sim, &id);
            assert_eq!(
                weight_of(&sets, TargetLabel::Green),
                before,
                "{config} before {minutes} min"
            );
            assert_eq!(weight_of(&sets, TargetLabel::Blue), 100.0 - before);
            at(&mut sim, when);
            let sets = task_sets(&mut sim, &id);
            assert_eq!(
                weight_of(&sets, TargetLabel::Green),
                weight,
                "{config} at {minutes} min"
            );
            before = weight;
        }
        let done = sim.now + ECS_ALLOW;
        at(&mut sim, done);
        assert_eq!(sim.status(&id), DeploymentStatus::Succeeded, "{config}");
        let svc = sim.engine.ecs_service("main:web").expect("service").clone();
        assert_eq!(svc.task_sets.len(), 1, "the original task set is gone");
        assert_eq!(svc.task_sets[0].info.status.as_deref(), Some("PRIMARY"));
        assert!(svc.task_sets[0].task_definition.ends_with("web:2"));
        assert_eq!(
            svc.production, "web-green",
            "production now forwards to the other target group"
        );
    }
}

#[test]
fn lambda_hooks_run_in_order_with_execution_ids() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaAllAtOnce", |_| {});
    let spec = lambda_spec(
        1,
        2,
        &[
            ("BeforeAllowTraffic", "CodeDeployHook_ok"),
            ("AfterAllowTraffic", "CodeDeployHook_ok"),
        ],
    );
    let id = deploy_spec(&mut sim, "fn", "prod", &spec);
    sim.tick(1);
    let hooks = sim.engine.hook_executions(&sim.ar, &id);
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].event, "BeforeAllowTraffic");
    assert_eq!(hooks[0].status, LifecycleEventStatus::InProgress);
    assert_eq!(
        lambda_weight(&mut sim, &id),
        0.0,
        "no traffic moves before BeforeAllowTraffic answers"
    );
    assert!(
        sim.log_lines().iter().any(|l| l.contains(&hooks[0].id)),
        "the execution id is in the event log"
    );
    sim.run();
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
    let hooks = sim.engine.hook_executions(&sim.ar, &id);
    let done: Vec<(&str, LifecycleEventStatus, Option<&str>)> = hooks
        .iter()
        .map(|h| (h.event.as_str(), h.status.clone(), h.answered_by.as_deref()))
        .collect();
    assert_eq!(
        done,
        vec![
            (
                "BeforeAllowTraffic",
                LifecycleEventStatus::Succeeded,
                Some("simulated")
            ),
            (
                "AfterAllowTraffic",
                LifecycleEventStatus::Succeeded,
                Some("simulated")
            ),
        ]
    );
    assert_ne!(hooks[0].id, hooks[1].id);
    // The hook runs 3 virtual seconds by default: two hooks, instant shift.
    let info = sim.info(&id);
    let took = info.complete_time.expect("end").0 - info.start_time.expect("start").0;
    assert_eq!(took, 6_000);
}

#[test]
fn a_failing_hook_fails_the_deployment_and_rollback_restores_the_alias() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaCanary10Percent5Minutes", |g| {
        g.auto_rollback_configuration = Some(AutoRollbackConfiguration {
            enabled: Some(true),
            events: Some(vec![AutoRollbackEvent::DeploymentFailure]),
        });
    });
    let first = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(1, 2, &[]));
    sim.run();
    assert_eq!(sim.status(&first), DeploymentStatus::Succeeded);
    let spec = lambda_spec(2, 3, &[("AfterAllowTraffic", "CodeDeployHook_bad")]);
    let second = deploy_spec(&mut sim, "fn", "prod", &spec);
    // Canary: 10 % now, 100 % after 5 minutes, then the failing hook.
    sim.tick(MIN);
    assert_eq!(
        sim.engine.lambda_function("orders").unwrap().aliases["live"].additional_weight,
        10.0
    );
    sim.run();
    let info = sim.info(&second);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let error = info.error_information.expect("error");
    assert_eq!(error.code, Some(ErrorCode::HookExecutionFailure));
    let t = target(&mut sim, &second);
    assert_eq!(
        events(&t),
        vec![
            ("BeforeAllowTraffic".into(), "Succeeded".into()),
            ("AllowTraffic".into(), "Succeeded".into()),
            ("AfterAllowTraffic".into(), "Failed".into()),
        ]
    );
    let diag = t.lambda_target.unwrap().lifecycle_events.unwrap()[2]
        .diagnostics
        .clone()
        .unwrap();
    assert_eq!(diag.error_code, Some(LifecycleErrorCode::ScriptFailed));
    assert_eq!(diag.script_name.as_deref(), Some("CodeDeployHook_bad"));
    // The rollback deployment redeploys 1 -> 2 and the alias ends on 2.
    let rb = info
        .rollback_info
        .and_then(|r| r.rollback_deployment_id)
        .expect("rollback id");
    let rb_info = sim.info(&rb);
    assert_eq!(rb_info.creator, Some(DeploymentCreator::CodeDeployRollback));
    assert_eq!(rb_info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(
        rb_info
            .rollback_info
            .and_then(|r| r.rollback_triggering_deployment_id),
        Some(second.clone())
    );
    let alias = &sim.engine.lambda_function("orders").unwrap().aliases["live"];
    assert_eq!(
        (alias.version.as_str(), alias.additional_version.as_deref()),
        ("2", None)
    );
}

#[test]
fn without_rollback_a_failure_leaves_the_traffic_where_it_was() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaCanary10Percent5Minutes", |g| {
        g.tags = Some(vec![Tag {
            key: Some("codedeck:hook-fail".into()),
            value: Some("AfterAllowTraffic".into()),
        }]);
    });
    let spec = lambda_spec(1, 2, &[("AfterAllowTraffic", "CodeDeployHook_ok")]);
    let id = deploy_spec(&mut sim, "fn", "prod", &spec);
    sim.run();
    let info = sim.info(&id);
    assert_eq!(
        info.status,
        Some(DeploymentStatus::Failed),
        "the codedeck:hook-fail group tag fails the hook"
    );
    assert!(info.rollback_info.is_none());
    assert_eq!(
        sim.engine.lambda_function("orders").unwrap().aliases["live"].version,
        "2"
    );
}

#[test]
fn a_silent_hook_times_out_after_one_hour() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaAllAtOnce", |_| {});
    let id = deploy_spec(
        &mut sim,
        "fn",
        "prod",
        &lambda_spec(1, 2, &[("BeforeAllowTraffic", "CodeDeployHook_silent")]),
    );
    let start = sim.now;
    at(&mut sim, start + 3600 * 1000 - 1);
    assert_eq!(sim.status(&id), DeploymentStatus::InProgress);
    at(&mut sim, start + 3600 * 1000);
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let hooks = sim.engine.hook_executions(&sim.ar, &id);
    assert_eq!(hooks[0].answered_by.as_deref(), Some("timeout"));
    let t = target(&mut sim, &id);
    let diag = t.lambda_target.unwrap().lifecycle_events.unwrap()[0]
        .diagnostics
        .clone()
        .unwrap();
    assert_eq!(diag.error_code, Some(LifecycleErrorCode::ScriptTimedOut));
    assert_eq!(
        sim.engine.lambda_function("orders").unwrap().aliases["live"].version,
        "1"
    );
}

fn put_status(
    sim: &mut Sim,
    id: &str,
    hook: &str,
    status: LifecycleEventStatus,
) -> Result<(), Exception> {
    sim.call(|e, now, ar| {
        e.put_lifecycle_event_hook_execution_status(
            now,
            ar,
            PutLifecycleEventHookExecutionStatusInput {
                deployment_id: Some(id.into()),
                lifecycle_event_hook_execution_id: Some(hook.into()),
                status: Some(status),
            },
        )
    })
    .map(|o| assert_eq!(o.lifecycle_event_hook_execution_id.as_deref(), Some(hook)))
    .map_err(|e| e.exception)
}

fn external_group(g: &mut CreateDeploymentGroupInput) {
    g.tags = Some(vec![Tag {
        key: Some("codedeck:hooks".into()),
        value: Some("external".into()),
    }]);
}

#[test]
fn external_hooks_wait_for_put_lifecycle_event_hook_execution_status() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaAllAtOnce", external_group);
    let spec = lambda_spec(
        1,
        2,
        &[
            ("BeforeAllowTraffic", "CodeDeployHook_ok"),
            ("AfterAllowTraffic", "CodeDeployHook_ok"),
        ],
    );
    let id = deploy_spec(&mut sim, "fn", "prod", &spec);
    sim.tick(10 * MIN);
    assert_eq!(
        sim.status(&id),
        DeploymentStatus::InProgress,
        "nothing answers by itself"
    );
    let pending: Vec<HookExecution> = sim
        .engine
        .pending_hooks()
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    assert_eq!(pending.len(), 1);
    let first = pending[0].id.clone();
    assert_eq!(
        put_status(&mut sim, &id, "not-an-id", LifecycleEventStatus::Succeeded),
        Err(Exception::InvalidLifecycleEventHookExecutionId)
    );
    assert_eq!(
        put_status(&mut sim, &id, &first, LifecycleEventStatus::Pending),
        Err(Exception::InvalidLifecycleEventHookExecutionStatus)
    );
    assert_eq!(
        put_status(&mut sim, &id, &first, LifecycleEventStatus::Succeeded),
        Ok(())
    );
    assert_eq!(
        put_status(&mut sim, &id, &first, LifecycleEventStatus::Succeeded),
        Err(Exception::LifecycleEventAlreadyCompleted)
    );
    assert_eq!(lambda_weight(&mut sim, &id), 100.0);
    let second = sim.engine.pending_hooks()[0].1.id.clone();
    assert_eq!(
        put_status(&mut sim, &id, &second, LifecycleEventStatus::Failed),
        Ok(())
    );
    assert_eq!(sim.status(&id), DeploymentStatus::Failed);
    assert_eq!(
        put_status(&mut sim, &id, &second, LifecycleEventStatus::Succeeded),
        Err(Exception::LifecycleEventAlreadyCompleted)
    );
    let hooks = sim.engine.hook_executions(&sim.ar, &id);
    assert_eq!(
        hooks
            .iter()
            .map(|h| h.answered_by.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        vec!["api", "api"]
    );
}

#[test]
fn stopping_a_canary_with_rollback_restores_the_alias_at_once() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaCanary10Percent30Minutes", |_| {});
    let first = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(1, 2, &[]));
    sim.run();
    assert_eq!(sim.status(&first), DeploymentStatus::Succeeded);
    let id = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(2, 3, &[]));
    sim.tick(MIN);
    assert_eq!(lambda_weight(&mut sim, &id), 10.0);
    let out = sim
        .call(|e, now, ar| {
            e.stop_deployment(
                now,
                ar,
                StopDeploymentInput {
                    deployment_id: Some(id.clone()),
                    auto_rollback_enabled: Some(true),
                },
            )
        })
        .expect("stop");
    assert_eq!(out.status, Some(StopStatus::Succeeded));
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(
        info.error_information.and_then(|e| e.code),
        Some(ErrorCode::ManualStop)
    );
    let alias = sim.engine.lambda_function("orders").unwrap().aliases["live"].clone();
    assert_eq!(
        (alias.version.as_str(), alias.additional_version),
        ("2", None)
    );
    assert!(info
        .rollback_info
        .and_then(|r| r.rollback_deployment_id)
        .is_some());
    sim.run();
}

#[test]
fn an_alarm_stops_a_lambda_deployment_while_shifting() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaLinear10PercentEvery1Minute", |g| {
        g.alarm_configuration = Some(AlarmConfiguration {
            enabled: Some(true),
            ignore_poll_alarm_failure: Some(false),
            alarms: Some(vec![Alarm {
                name: Some("errors".into()),
            }]),
        });
        g.auto_rollback_configuration = Some(AutoRollbackConfiguration {
            enabled: Some(true),
            events: Some(vec![AutoRollbackEvent::DeploymentStopOnAlarm]),
        });
    });
    let id = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(1, 2, &[]));
    sim.tick(3 * MIN);
    assert_eq!(lambda_weight(&mut sim, &id), 40.0);
    sim.call(|e, now, _| e.set_alarm(now, "errors", codedeck::state::AlarmState::Alarm))
        .expect("alarm");
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(
        info.error_information.and_then(|e| e.code),
        Some(ErrorCode::AlarmActive)
    );
    assert_eq!(
        sim.engine.lambda_function("orders").unwrap().aliases["live"].version,
        "1"
    );
}

#[test]
fn bad_appspecs_are_refused_and_s3_appspecs_come_from_the_fleet() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaAllAtOnce", |_| {});
    let bad = lambda_spec(1, 2, &[]).replace("        TargetVersion: \"2\"\n", "");
    let rev = content(&bad);
    let e = sim
        .deploy("fn", "prod", "x", |d| d.revision = Some(rev))
        .expect_err("invalid");
    assert_eq!(e.exception, Exception::InvalidRevision);
    assert!(e.message.contains("TargetVersion"), "{}", e.message);
    let s3 = |key: &str| RevisionLocation {
        revision_type: Some(RevisionLocationType::S3),
        s3_location: Some(S3Location {
            bucket: Some("specs".into()),
            key: Some(key.into()),
            bundle_type: Some(BundleType::Yaml),
            ..Default::default()
        }),
        ..Default::default()
    };
    let missing = s3("nope.yaml");
    let id = sim
        .deploy("fn", "prod", "x", |d| d.revision = Some(missing))
        .expect("accepted");
    sim.run();
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(
        info.error_information.and_then(|e| e.code),
        Some(ErrorCode::RevisionMissing)
    );
    let found = s3("lambda-3.yaml");
    let id = sim
        .deploy("fn", "prod", "x", |d| d.revision = Some(found))
        .expect("accepted");
    sim.run();
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
    assert_eq!(
        sim.engine.lambda_function("orders").unwrap().aliases["live"].version,
        "3"
    );
}

#[test]
fn ecs_with_a_test_listener_moves_it_before_production() {
    let mut sim = ecs_sim("CodeDeployDefault.ECSAllAtOnce", true, |_| {});
    let id = deploy_spec(
        &mut sim,
        "svc",
        "prod",
        &ecs_spec(2, &[("AfterAllowTestTraffic", "CodeDeployHook_ok")]),
    );
    // BeforeInstall (no hook), Install 5 s, then AfterAllowTestTraffic's hook runs.
    sim.tick(5_000 + 1);
    let svc = sim.engine.ecs_service("main:web").expect("service").clone();
    assert_eq!(
        svc.test.as_deref(),
        Some("web-green"),
        "the test listener is on the replacement"
    );
    assert_eq!(svc.production, "web-blue", "production has not moved yet");
    let sets = task_sets(&mut sim, &id);
    assert_eq!(weight_of(&sets, TargetLabel::Green), 0.0);
    sim.run();
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
    let t = target(&mut sim, &id);
    let names: Vec<String> = events(&t)
        .into_iter()
        .map(|(n, s)| format!("{n}:{s}"))
        .collect();
    assert_eq!(
        names,
        [
            "BeforeInstall",
            "Install",
            "AfterInstall",
            "AllowTestTraffic",
            "AfterAllowTestTraffic",
            "BeforeAllowTraffic",
            "AllowTraffic",
            "AfterAllowTraffic",
        ]
        .map(|n| format!("{n}:Succeeded"))
    );
    assert_eq!(t.ecs_target.unwrap().target_id.as_deref(), Some("main:web"));
    assert_eq!(sim.engine.hook_executions(&sim.ar, &id).len(), 1);
}

#[test]
fn ecs_without_a_test_listener_skips_its_hook() {
    let mut sim = ecs_sim("CodeDeployDefault.ECSAllAtOnce", false, |_| {});
    let id = deploy_spec(
        &mut sim,
        "svc",
        "prod",
        &ecs_spec(2, &[("AfterAllowTestTraffic", "CodeDeployHook_bad")]),
    );
    sim.run();
    assert_eq!(
        sim.status(&id),
        DeploymentStatus::Succeeded,
        "the ignored hook never ran"
    );
    assert!(sim.engine.hook_executions(&sim.ar, &id).is_empty());
}

fn continue_(sim: &mut Sim, id: &str, wait: DeploymentWaitType) -> Result<(), Exception> {
    continue_with_message(sim, id, wait).map_err(|e| e.exception)
}

fn continue_with_message(
    sim: &mut Sim,
    id: &str,
    wait: DeploymentWaitType,
) -> Result<(), codedeck::state::ApiError> {
    sim.call(|e, now, ar| {
        e.continue_deployment(
            now,
            ar,
            ContinueDeploymentInput {
                deployment_id: Some(id.into()),
                deployment_wait_type: Some(wait),
            },
        )
    })
}

#[test]
fn ecs_ready_wait_with_continue_then_termination_wait() {
    let mut sim = ecs_sim("CodeDeployDefault.ECSAllAtOnce", false, |g| {
        ready_wait(g, 60, 30)
    });
    let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(2, &[]));
    sim.tick(10 * MIN);
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Ready));
    assert_eq!(info.deployment_overview.and_then(|o| o.ready), Some(1));
    assert_eq!(
        continue_(&mut sim, &id, DeploymentWaitType::TerminationWait),
        Err(Exception::DeploymentIsNotInReadyState)
    );
    assert_eq!(
        continue_(&mut sim, &id, DeploymentWaitType::ReadyWait),
        Ok(())
    );
    assert_eq!(
        weight_of(&task_sets(&mut sim, &id), TargetLabel::Green),
        100.0
    );
    sim.tick(ECS_ALLOW);
    let info = sim.info(&id);
    assert_eq!(
        info.status,
        Some(DeploymentStatus::InProgress),
        "the termination wait keeps it unfinished"
    );
    assert_eq!(info.instance_termination_wait_time_started, Some(true));
    assert_eq!(
        sim.engine.ecs_service("main:web").unwrap().task_sets.len(),
        2,
        "the original waits to be removed"
    );
    assert_eq!(
        continue_(&mut sim, &id, DeploymentWaitType::TerminationWait),
        Ok(())
    );
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
    assert_eq!(
        sim.engine.ecs_service("main:web").unwrap().task_sets.len(),
        1
    );
    assert_eq!(
        continue_(&mut sim, &id, DeploymentWaitType::ReadyWait),
        Err(Exception::DeploymentAlreadyCompleted)
    );
}

#[test]
fn ecs_ready_wait_times_out_to_stopped_and_termination_wait_ends_by_itself() {
    let mut sim = ecs_sim("CodeDeployDefault.ECSAllAtOnce", false, |g| {
        ready_wait(g, 20, 5)
    });
    let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(2, &[]));
    sim.run();
    let info = sim.info(&id);
    assert_eq!(
        info.status,
        Some(DeploymentStatus::Stopped),
        "no ContinueDeployment within 20 minutes"
    );
    let svc = sim.engine.ecs_service("main:web").unwrap().clone();
    assert_eq!(svc.production, "web-blue");

    let mut sim = ecs_sim("CodeDeployDefault.ECSAllAtOnce", false, |g| {
        ready_wait(g, 20, 5);
        if let Some(b) = g.blue_green_deployment_configuration.as_mut() {
            b.deployment_ready_option = None;
        }
    });
    let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(2, &[]));
    let start = sim.now;
    sim.run();
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(
        info.complete_time.unwrap().0 - start,
        5_000 + ECS_ALLOW + 5 * MIN,
        "Install, AllowTraffic, then the 5-minute termination wait"
    );
}

#[test]
fn ecs_failure_with_rollback_reroutes_to_the_original_task_set() {
    let mut sim = ecs_sim("CodeDeployDefault.ECSCanary10Percent5Minutes", false, |g| {
        g.auto_rollback_configuration = Some(AutoRollbackConfiguration {
            enabled: Some(true),
            events: Some(vec![AutoRollbackEvent::DeploymentFailure]),
        });
    });
    let id = deploy_spec(
        &mut sim,
        "svc",
        "prod",
        &ecs_spec(2, &[("AfterAllowTraffic", "CodeDeployHook_bad")]),
    );
    sim.run();
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let sets = task_sets(&mut sim, &id);
    assert_eq!(weight_of(&sets, TargetLabel::Blue), 100.0);
    assert_eq!(weight_of(&sets, TargetLabel::Green), 0.0);
    let svc = sim.engine.ecs_service("main:web").unwrap().clone();
    assert_eq!(svc.production, "web-blue");
    assert_eq!(svc.task_sets.len(), 1);
    assert!(
        svc.task_sets[0].task_definition.ends_with("web:1"),
        "the original keeps serving"
    );
    // No earlier successful revision: no rollback deployment; the message says
    // what happened (traffic went back) and why there is no rollback deployment.
    let rb = info.rollback_info.expect("rollback info");
    assert!(rb.rollback_deployment_id.is_none());
    assert_eq!(
        rb.rollback_message.as_deref(),
        Some("Rollback succeeded: production traffic is back on the original task set. No rollback deployment was created: deployment group 'prod' has no earlier successful revision to roll back to.")
    );
}

#[test]
fn a_first_lambda_deployment_failing_with_rollback_says_its_traffic_went_back() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaCanary10Percent5Minutes", |g| {
        g.auto_rollback_configuration = Some(AutoRollbackConfiguration {
            enabled: Some(true),
            events: Some(vec![AutoRollbackEvent::DeploymentFailure]),
        });
    });
    let spec = lambda_spec(1, 2, &[("AfterAllowTraffic", "CodeDeployHook_bad")]);
    let id = deploy_spec(&mut sim, "fn", "prod", &spec);
    sim.run();
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let alias = sim.engine.lambda_function("orders").unwrap().aliases["live"].clone();
    assert_eq!(
        (alias.version.as_str(), alias.additional_version),
        ("1", None),
        "traffic is back on the original version"
    );
    let rb = info.rollback_info.expect("rollback info");
    assert_eq!(rb.rollback_deployment_id, None);
    assert_eq!(
        rb.rollback_message.as_deref(),
        Some("Rollback succeeded: alias orders:live points at its original version 1 again. No rollback deployment was created: deployment group 'prod' has no earlier successful revision to roll back to.")
    );
}

#[test]
fn ecs_groups_without_load_balancer_get_a_simulated_pair() {
    let mut sim = Sim::new(FLEET);
    sim.app("svc", "ECS");
    sim.group("svc", "prod", |g| {
        g.ecs_services = Some(vec![ECSService {
            cluster_name: Some("c".into()),
            service_name: Some("api".into()),
        }]);
    })
    .expect("default mode accepts it");
    let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(7, &[]));
    sim.run();
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
    let svc = sim.engine.ecs_service("c:api").unwrap();
    assert_eq!(
        svc.target_groups,
        vec!["api-tg-1".to_string(), "api-tg-2".to_string()]
    );
    assert_eq!(svc.production, "api-tg-2");
}

/// Runs a Lambda canary with hooks and an ECS deployment with both waits,
/// optionally rebuilding the engine from the store after every step; returns
/// everything observable at the end.
fn shift_run(restart_every_step: bool) -> String {
    use codedeck::engine::{Engine, EngineOptions};
    use codedeck::state::fleet::Fleet;
    use codedeck::state::Archive;
    use codedeck::store::Store;
    let mut store = Store::in_memory().expect("store");
    let mut engine = Engine::new(
        EngineOptions::default(),
        9,
        Fleet::parse(FLEET).expect("fleet"),
        T0,
    );
    store.commit(&engine.take_changes()).expect("commit");
    let mut now = T0;
    let call = |engine: &mut Engine,
                store: &mut Store,
                now: Millis,
                f: &mut dyn FnMut(&mut Engine, Millis, &dyn Archive)| {
        engine.advance(now);
        f(engine, now, &*store);
        store.commit(&engine.take_changes()).expect("commit");
    };
    let mut ids = vec![];
    call(&mut engine, &mut store, now, &mut |e, now, ar| {
        for (app, platform) in [
            ("fn", ComputePlatform::Lambda),
            ("svc", ComputePlatform::Ecs),
        ] {
            e.create_application(
                now,
                ar,
                CreateApplicationInput {
                    application_name: Some(app.into()),
                    compute_platform: Some(platform),
                    tags: None,
                },
            )
            .expect("app");
        }
        e.create_deployment_group(
            now,
            ar,
            CreateDeploymentGroupInput {
                application_name: Some("fn".into()),
                deployment_group_name: Some("prod".into()),
                service_role_arn: Some(ROLE.into()),
                deployment_config_name: Some(
                    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute".into(),
                ),
                ..Default::default()
            },
        )
        .expect("group");
        let mut ecs = CreateDeploymentGroupInput {
            application_name: Some("svc".into()),
            deployment_group_name: Some("prod".into()),
            service_role_arn: Some(ROLE.into()),
            deployment_config_name: Some("CodeDeployDefault.ECSCanary10Percent5Minutes".into()),
            ecs_services: Some(vec![ECSService {
                cluster_name: Some("main".into()),
                service_name: Some("web".into()),
            }]),
            ..Default::default()
        };
        ready_wait(&mut ecs, 0, 10);
        if let Some(b) = ecs.blue_green_deployment_configuration.as_mut() {
            b.deployment_ready_option = None;
        }
        e.create_deployment_group(now, ar, ecs).expect("ecs group");
        for (app, text) in [
            (
                "fn",
                lambda_spec(
                    1,
                    2,
                    &[
                        ("BeforeAllowTraffic", "CodeDeployHook_ok"),
                        ("AfterAllowTraffic", "CodeDeployHook_ok"),
                    ],
                ),
            ),
            ("svc", ecs_spec(2, &[("AfterInstall", "CodeDeployHook_ok")])),
        ] {
            let out = e
                .create_deployment(
                    now,
                    ar,
                    CreateDeploymentInput {
                        application_name: Some(app.into()),
                        deployment_group_name: Some("prod".into()),
                        revision: Some(content(&text)),
                        ..Default::default()
                    },
                )
                .expect("deployment");
            ids.push(out.deployment_id.unwrap_or_default());
        }
    });
    while let Some(due) = engine.next_due() {
        now = now.max(due);
        call(&mut engine, &mut store, now, &mut |_, _, _| {});
        if restart_every_step {
            let snapshot = store.load().expect("load");
            engine = Engine::restore(EngineOptions::default(), snapshot, 0, None, now);
        }
    }
    let mut out = String::new();
    for id in &ids {
        let info = engine
            .get_deployment(
                now,
                &store,
                GetDeploymentInput {
                    deployment_id: Some(id.clone()),
                },
            )
            .expect("get");
        let status = info.deployment_info.as_ref().and_then(|i| i.status.clone());
        assert_eq!(status, Some(DeploymentStatus::Succeeded), "{id}");
        let targets = store.targets(id).expect("targets");
        out.push_str(&format!(
            "{info:?}\n{targets:?}\n{:?}\n",
            engine.hook_executions(&store, id)
        ));
    }
    out.push_str(&format!(
        "{:?}\n{:?}\n",
        engine.lambda_function("orders"),
        engine.ecs_service("main:web")
    ));
    out
}

#[test]
fn restarting_at_every_step_changes_nothing_for_lambda_and_ecs() {
    let straight = shift_run(false);
    assert!(straight.contains("Succeeded"), "{straight}");
    assert_eq!(straight, shift_run(true));
}

#[test]
fn functions_declared_in_the_fleet_keep_their_aliases() {
    let fleet = format!("{FLEET}\n[[lambda_function]]\nname = \"orders\"\naliases = {{ live = \"5\", beta = \"6\" }}\n");
    let mut sim = Sim::new(&fleet);
    sim.app("fn", "Lambda");
    sim.group("fn", "prod", |g| {
        g.deployment_config_name = Some("CodeDeployDefault.LambdaAllAtOnce".into())
    })
    .expect("group");
    let id = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(5, 7, &[]));
    sim.tick(1);
    let f = sim
        .engine
        .lambda_function("orders")
        .expect("declared function")
        .clone();
    assert_eq!(
        f.aliases["beta"].version, "6",
        "aliases the deployment does not touch stay"
    );
    assert_eq!(f.aliases["live"].version, "7");
    assert_eq!(f.versions, vec!["5".to_string(), "7".to_string()]);
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
}

/// (label, status, traffic weight, running tasks) of each task set, in order.
fn set_states(sets: &[ECSTaskSet]) -> Vec<(String, String, f64, i64)> {
    sets.iter()
        .map(|s| {
            (
                s.task_set_label
                    .as_ref()
                    .map(|l| l.to_string())
                    .unwrap_or_default(),
                s.status.clone().unwrap_or_default(),
                s.traffic_weight.unwrap_or(-1.0),
                s.running_count.unwrap_or(-1),
            )
        })
        .collect()
}

fn state(label: &str, status: &str, weight: f64, running: i64) -> (String, String, f64, i64) {
    (label.into(), status.into(), weight, running)
}

#[test]
fn ecs_task_set_status_follows_production_traffic() {
    let mut sim = ecs_sim("CodeDeployDefault.ECSCanary10Percent5Minutes", false, |g| {
        ready_wait(g, 0, 30);
        if let Some(b) = g.blue_green_deployment_configuration.as_mut() {
            b.deployment_ready_option = None;
        }
    });
    let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(2, &[]));
    // Install takes 5 s; then the canary: 10 % now, 100 % after 5 minutes.
    let t0 = sim.now + 5_000;
    at(&mut sim, t0 + MIN);
    assert_eq!(
        set_states(&task_sets(&mut sim, &id)),
        vec![
            state("Blue", "PRIMARY", 90.0, 2),
            state("Green", "ACTIVE", 10.0, 2)
        ],
        "the original serves production until all traffic has moved"
    );
    at(&mut sim, t0 + 5 * MIN);
    assert_eq!(sim.status(&id), DeploymentStatus::InProgress);
    let during_wait = vec![
        state("Blue", "ACTIVE", 0.0, 2),
        state("Green", "PRIMARY", 100.0, 2),
    ];
    assert_eq!(
        set_states(&task_sets(&mut sim, &id)),
        during_wait,
        "termination wait: the replacement serves, the original waits without traffic"
    );
    let svc = sim.engine.ecs_service("main:web").unwrap().clone();
    let service_states: Vec<_> = svc.task_sets.iter().map(|t| t.info.clone()).collect();
    assert_eq!(
        set_states(&service_states),
        during_wait,
        "the service agrees"
    );
    assert_eq!(svc.production, "web-green");
    sim.run();
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
    assert_eq!(
        set_states(&task_sets(&mut sim, &id)),
        vec![
            state("Blue", "DRAINING", 0.0, 0),
            state("Green", "PRIMARY", 100.0, 2)
        ]
    );
}

#[test]
fn ecs_stop_with_rollback_reroutes_to_the_original_without_a_third_task_set() {
    let mut sim = ecs_sim(
        "CodeDeployDefault.ECSCanary10Percent15Minutes",
        false,
        |_| {},
    );
    let first = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(2, &[]));
    sim.run();
    assert_eq!(sim.status(&first), DeploymentStatus::Succeeded);
    let original = sim.engine.ecs_service("main:web").unwrap().task_sets[0]
        .info
        .identifer
        .clone();
    let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(3, &[]));
    sim.tick(MIN);
    assert_eq!(
        weight_of(&task_sets(&mut sim, &id), TargetLabel::Green),
        10.0
    );
    sim.call(|e, now, ar| {
        e.stop_deployment(
            now,
            ar,
            StopDeploymentInput {
                deployment_id: Some(id.clone()),
                auto_rollback_enabled: Some(true),
            },
        )
    })
    .expect("stop");
    assert_eq!(sim.status(&id), DeploymentStatus::Stopped);
    assert_eq!(
        set_states(&task_sets(&mut sim, &id)),
        vec![
            state("Blue", "PRIMARY", 100.0, 2),
            state("Green", "DRAINING", 0.0, 0)
        ],
        "the original serves again; the replacement is deleted"
    );
    let rb = sim
        .info(&id)
        .rollback_info
        .and_then(|r| r.rollback_deployment_id)
        .expect("rollback deployment");
    sim.run();
    assert_eq!(sim.status(&rb), DeploymentStatus::Succeeded);
    let sets = task_sets(&mut sim, &rb);
    assert_eq!(set_states(&sets), vec![state("Blue", "PRIMARY", 100.0, 2)]);
    assert_eq!(
        sets[0].identifer, original,
        "the original task set, not a new one"
    );
    assert!(events(&target(&mut sim, &rb))
        .iter()
        .all(|(_, s)| s == "Succeeded"));
    let svc = sim.engine.ecs_service("main:web").unwrap().clone();
    assert_eq!(svc.task_sets.len(), 1, "no third task set");
    assert_eq!(svc.task_sets[0].info.identifer, original);
    assert!(svc.task_sets[0].task_definition.ends_with("web:2"));
    assert_eq!(svc.production, "web-green");
}

#[test]
fn ecs_failure_without_rollback_after_the_shift_leaves_the_replacement_primary() {
    let mut sim = ecs_sim("CodeDeployDefault.ECSAllAtOnce", false, |_| {});
    let id = deploy_spec(
        &mut sim,
        "svc",
        "prod",
        &ecs_spec(2, &[("AfterAllowTraffic", "CodeDeployHook_bad")]),
    );
    sim.run();
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert!(info.rollback_info.is_none());
    assert_eq!(
        set_states(&task_sets(&mut sim, &id)),
        vec![
            state("Blue", "ACTIVE", 0.0, 2),
            state("Green", "PRIMARY", 100.0, 2)
        ],
        "traffic stays where it was: on the replacement"
    );
    assert_eq!(
        sim.engine.ecs_service("main:web").unwrap().production,
        "web-green"
    );
}

fn stop(sim: &mut Sim, id: &str, rollback: bool) {
    sim.call(|e, now, ar| {
        e.stop_deployment(
            now,
            ar,
            StopDeploymentInput {
                deployment_id: Some(id.into()),
                auto_rollback_enabled: Some(rollback),
            },
        )
    })
    .expect("stop");
}

#[test]
fn an_alias_left_on_two_versions_fails_deployments_until_repaired() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaCanary10Percent30Minutes", |_| {});
    let first = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(1, 2, &[]));
    sim.tick(MIN);
    // Repairing is refused while a deployment shifts the alias.
    let busy = sim
        .call(|e, now, _| e.repair_alias(now, "orders", "live"))
        .unwrap_err();
    assert_eq!(busy.exception, Exception::InvalidOperation);
    assert!(
        !sim.engine.alias_left_split("orders", "live"),
        "split by the running canary, not left so"
    );
    stop(&mut sim, &first, false);
    assert!(sim.engine.alias_left_split("orders", "live"));
    let alias = sim.engine.lambda_function("orders").unwrap().aliases["live"].clone();
    assert_eq!(
        (alias.version.as_str(), alias.additional_version.as_deref()),
        ("1", Some("2")),
        "stopped without rollback: the alias stays on two versions"
    );
    // The next deployment to that alias fails at once, and says how to repair it.
    let second = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(1, 2, &[]));
    sim.run();
    let info = sim.info(&second);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let error = info.error_information.expect("error");
    assert_eq!(error.code, Some(ErrorCode::InvalidLambdaConfiguration));
    let message = error.message.unwrap_or_default();
    assert!(
        message.contains("routes traffic to two versions: 1 and 2 (10% of it)"),
        "{message}"
    );
    assert!(message.contains("Repair the alias"), "{message}");
    let t = target(&mut sim, &second);
    assert_eq!(
        t.lambda_target.as_ref().and_then(|l| l.status.clone()),
        Some(TargetStatus::Failed)
    );
    assert!(
        events(&t).iter().all(|(_, s)| s == "Skipped"),
        "nothing ran"
    );
    // Repair (the dashboard's action): the alias keeps its primary version.
    let kept = sim
        .call(|e, now, _| e.repair_alias(now, "orders", "live"))
        .expect("repair");
    assert_eq!(kept, "1");
    let alias = sim.engine.lambda_function("orders").unwrap().aliases["live"].clone();
    assert_eq!(
        (alias.version.as_str(), alias.additional_version),
        ("1", None)
    );
    let again = sim
        .call(|e, now, _| e.repair_alias(now, "orders", "live"))
        .unwrap_err();
    assert_eq!(
        again.exception,
        Exception::InvalidOperation,
        "nothing to repair"
    );
    let third = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(1, 2, &[]));
    sim.run();
    assert_eq!(sim.status(&third), DeploymentStatus::Succeeded);
    assert_eq!(
        sim.engine.lambda_function("orders").unwrap().aliases["live"].version,
        "2"
    );
}

#[test]
fn the_deprecated_instance_operations_answer_for_lambda_deployments() {
    let mut sim = lambda_sim("CodeDeployDefault.LambdaAllAtOnce", |_| {});
    let id = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(1, 2, &[]));
    sim.run();
    let list = sim
        .call(|e, now, ar| {
            e.list_deployment_instances(
                now,
                ar,
                ListDeploymentInstancesInput {
                    deployment_id: Some(id.clone()),
                    ..Default::default()
                },
            )
        })
        .expect("ListDeploymentInstances");
    assert_eq!(list.instances_list, Some(vec!["orders".to_string()]));
    let summary = sim
        .call(|e, now, ar| {
            e.get_deployment_instance(
                now,
                ar,
                GetDeploymentInstanceInput {
                    deployment_id: Some(id.clone()),
                    instance_id: Some("orders".into()),
                },
            )
        })
        .expect("GetDeploymentInstance")
        .instance_summary
        .expect("instanceSummary");
    assert_eq!(summary.status, Some(InstanceStatus::Succeeded));
    assert_eq!(
        summary.instance_id.as_deref(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:orders:live")
    );
    assert_eq!(summary.instance_type, None);
    let names: Vec<String> = summary
        .lifecycle_events
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.lifecycle_event_name)
        .collect();
    assert_eq!(names, LAMBDA_EVENTS_NAMES);
    let batch = sim
        .call(|e, now, ar| {
            e.batch_get_deployment_instances(
                now,
                ar,
                BatchGetDeploymentInstancesInput {
                    deployment_id: Some(id.clone()),
                    instance_ids: Some(vec!["orders".into(), "nope".into()]),
                },
            )
        })
        .expect("BatchGetDeploymentInstances");
    assert_eq!(batch.instances_summary.map(|s| s.len()), Some(1));
    assert!(batch.error_message.unwrap_or_default().contains("nope"));
}

const LAMBDA_EVENTS_NAMES: [&str; 3] = ["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"];

#[test]
fn a_malformed_ecs_target_id_is_invalid_not_missing() {
    let mut sim = ecs_sim("CodeDeployDefault.ECSAllAtOnce", false, |_| {});
    let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(2, &[]));
    sim.run();
    let get = |sim: &mut Sim, target: &str| {
        sim.call(|e, now, ar| {
            e.get_deployment_target(
                now,
                ar,
                GetDeploymentTargetInput {
                    deployment_id: Some(id.clone()),
                    target_id: Some(target.into()),
                },
            )
        })
        .map(|_| ())
        .map_err(|e| (e.exception, e.message))
    };
    for bad in ["justcluster", "main:", ":web"] {
        let (exception, message) = get(&mut sim, bad).unwrap_err();
        assert_eq!(exception, Exception::InvalidDeploymentTargetId, "{bad}");
        assert!(
            message.contains("valid Id should be in format <cluster-name>:<service-name>"),
            "{message}"
        );
    }
    assert_eq!(
        get(&mut sim, "main:other").unwrap_err().0,
        Exception::DeploymentTargetDoesNotExist,
        "well formed, just not this deployment's"
    );
    assert_eq!(get(&mut sim, "main:web"), Ok(()));
    let batch = sim
        .call(|e, now, ar| {
            e.batch_get_deployment_targets(
                now,
                ar,
                BatchGetDeploymentTargetsInput {
                    deployment_id: Some(id.clone()),
                    target_ids: Some(vec!["justcluster".into()]),
                },
            )
        })
        .unwrap_err();
    assert_eq!(batch.exception, Exception::InvalidDeploymentTargetId);
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn get_deployment_returns_inline_revisions_with_their_sha256() {
    // ECS, AppSpecContent: the sha256 of the content; the content itself is
    // never returned (reference §2.1). It used to come back as `{}`.
    let mut sim = ecs_sim("CodeDeployDefault.ECSAllAtOnce", false, |_| {});
    let text = ecs_spec(2, &[]);
    let id = deploy_spec(&mut sim, "svc", "prod", &text);
    let rev = sim.info(&id).revision.expect("revision");
    assert_eq!(
        rev.revision_type,
        Some(RevisionLocationType::AppSpecContent)
    );
    assert_eq!(
        rev.app_spec_content,
        Some(AppSpecContent {
            content: None,
            sha256: Some(sha256_hex(&text)),
        })
    );
    // A sha256 the caller sent is returned as given.
    sim.run();
    let given = RevisionLocation {
        revision_type: Some(RevisionLocationType::AppSpecContent),
        app_spec_content: Some(AppSpecContent {
            content: Some(ecs_spec(3, &[])),
            sha256: Some("given".into()),
        }),
        ..Default::default()
    };
    let id = sim
        .deploy("svc", "prod", "unused", |d| d.revision = Some(given))
        .expect("deploy");
    let c = sim.info(&id).revision.and_then(|r| r.app_spec_content);
    assert_eq!(c.and_then(|c| c.sha256).as_deref(), Some("given"));

    // Lambda, the deprecated String type: its content and sha256.
    let mut sim = lambda_sim("CodeDeployDefault.LambdaAllAtOnce", |_| {});
    let text = lambda_spec(1, 2, &[]);
    let raw = RevisionLocation {
        revision_type: Some(RevisionLocationType::String),
        string: Some(RawString {
            content: Some(text.clone()),
            sha256: None,
        }),
        ..Default::default()
    };
    let id = sim
        .deploy("fn", "prod", "unused", |d| d.revision = Some(raw))
        .expect("deploy");
    assert_eq!(
        sim.info(&id).revision.and_then(|r| r.string),
        Some(RawString {
            content: Some(text.clone()),
            sha256: Some(sha256_hex(&text)),
        })
    );
}

#[test]
fn a_taught_fault_fails_the_running_hook_or_else_the_next_one() {
    // A hook running now: it answers Failed instead of Succeeded.
    let mut sim = lambda_sim("CodeDeployDefault.LambdaAllAtOnce", |_| {});
    let spec = lambda_spec(
        1,
        2,
        &[
            ("BeforeAllowTraffic", "CodeDeployHook_ok"),
            ("AfterAllowTraffic", "CodeDeployHook_ok"),
        ],
    );
    let id = deploy_spec(&mut sim, "fn", "prod", &spec);
    sim.tick(1_000);
    assert_eq!(sim.engine.hook_executions(&sim.ar, &id).len(), 1);
    let what = sim
        .call(|e, now, _| e.fail_next_hook(now, &id))
        .expect("fault set");
    assert!(what.contains("will answer Failed"), "{what}");
    sim.run();
    let t = target(&mut sim, &id);
    assert_eq!(
        events(&t)[0],
        ("BeforeAllowTraffic".into(), "Failed".into())
    );
    assert_eq!(sim.status(&id), DeploymentStatus::Failed);
    // Between hooks (none running): the next hook fails, the first one not.
    let mut sim = lambda_sim("CodeDeployDefault.LambdaAllAtOnce", |_| {});
    let spec = lambda_spec(1, 2, &[("AfterAllowTraffic", "CodeDeployHook_ok")]);
    let id = deploy_spec(&mut sim, "fn", "prod", &spec);
    sim.call(|e, now, _| e.fail_next_hook(now, &id))
        .expect("fault set");
    sim.run();
    let t = target(&mut sim, &id);
    assert_eq!(
        events(&t),
        vec![
            ("BeforeAllowTraffic".into(), "Succeeded".into()),
            ("AllowTraffic".into(), "Succeeded".into()),
            ("AfterAllowTraffic".into(), "Failed".into()),
        ],
        "a hook without a function is not the one that fails"
    );
    // A finished deployment has no hook left: a precise error.
    let err = sim
        .call(|e, now, _| e.fail_next_hook(now, &id))
        .expect_err("finished");
    assert_eq!(err.exception, Exception::DeploymentAlreadyCompleted);
}

fn running_weight(sim: &Sim, id: &str) -> Option<f64> {
    let (rec, _) = sim.engine.active(id)?;
    rec.run.as_ref()?.shift.as_ref().map(|s| s.weight)
}

/// The deployment's own weight (what the dashboard's bar shows while it
/// runs) is the weight each step put on the alias, step by step.
#[test]
fn the_running_weight_is_the_weight_of_the_last_step() {
    let mut sim = lambda_sim(
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        |_| {},
    );
    let id = deploy_spec(&mut sim, "fn", "prod", &lambda_spec(1, 2, &[]));
    let mut seen = vec![];
    while !sim.status(&id).is_final() {
        sim.tick(MIN / 2);
        let Some(weight) = running_weight(&sim, &id) else {
            continue;
        };
        let on_alias = target(&mut sim, &id)
            .lambda_target
            .and_then(|l| l.lambda_function_info)
            .and_then(|i| i.target_version_weight);
        assert_eq!(weight, on_alias.unwrap_or(0.0), "at {}", sim.now);
        seen.push(weight);
    }
    assert!(
        seen.iter().any(|w| *w > 0.0 && *w < 100.0),
        "a linear shift passes through partial weights: {seen:?}"
    );
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
}

/// The Ready wait ends `waitTimeInMinutes` after the deployment became Ready;
/// with 0 minutes it lasts the ECS maximum, 120 hours.
#[test]
fn the_ready_wait_lasts_its_minutes_and_zero_means_the_120_hour_maximum() {
    for (minutes, lasts) in [(20, 20 * MIN), (0, 120 * 60 * MIN)] {
        let mut sim = ecs_sim("CodeDeployDefault.ECSAllAtOnce", false, |g| {
            ready_wait(g, minutes, 5)
        });
        let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(2, &[]));
        for _ in 0..600 {
            if sim.status(&id) == DeploymentStatus::Ready {
                break;
            }
            sim.tick(1_000);
        }
        assert_eq!(
            sim.status(&id),
            DeploymentStatus::Ready,
            "{minutes} minutes"
        );
        let ready_at = sim.now;
        sim.tick(lasts - 1_000);
        assert_eq!(
            sim.status(&id),
            DeploymentStatus::Ready,
            "{minutes} minutes"
        );
        sim.tick(MIN);
        let info = sim.info(&id);
        assert_eq!(
            info.status,
            Some(DeploymentStatus::Stopped),
            "{minutes} minutes"
        );
        assert_eq!(info.complete_time.unwrap().0 - ready_at, lasts);
    }
}

/// ContinueDeployment(READY_WAIT) ends the Ready wait (the dashboard stops
/// counting it down) and, asked again during the termination wait, says the
/// deployment is not waiting Ready.
#[test]
fn continuing_ends_the_ready_wait_and_a_second_continue_says_why_not() {
    let mut sim = ecs_sim("CodeDeployDefault.ECSCanary10Percent5Minutes", false, |g| {
        ready_wait(g, 60, 30)
    });
    let id = deploy_spec(&mut sim, "svc", "prod", &ecs_spec(2, &[]));
    sim.tick(10 * MIN);
    let wait = |sim: &Sim| {
        let (rec, _) = sim.engine.active(&id).expect("running");
        let shift = rec
            .run
            .as_ref()
            .and_then(|r| r.shift.as_ref())
            .expect("shift");
        (shift.wait, shift.wait_until)
    };
    assert_eq!(wait(&sim).0, Some(ShiftWait::Ready));
    assert_eq!(
        continue_(&mut sim, &id, DeploymentWaitType::ReadyWait),
        Ok(())
    );
    assert_eq!(wait(&sim), (None, None), "shifting: no wait");
    sim.tick(5 * MIN + ECS_ALLOW);
    assert_eq!(
        wait(&sim),
        (Some(ShiftWait::Termination), Some(sim.now + 30 * MIN))
    );
    let error = continue_with_message(&mut sim, &id, DeploymentWaitType::ReadyWait)
        .expect_err("not Ready any more");
    assert_eq!(error.exception, Exception::DeploymentIsNotInReadyState);
    assert!(
        error.message.contains("not waiting Ready"),
        "{}",
        error.message
    );
}
