//! EC2 blue/green deployments at simulated speed (reference §7.2, §8.2.8, §10,
//! §11): replacement instances discovered by tags or copied from an Auto Scaling
//! group, the ready wait, rerouting in batches under minimum healthy hosts,
//! blocking the originals, the termination wait, KEEP_ALIVE, target listings by
//! label, rollback swapping roles, and restarts at every step.

mod common;

use std::collections::BTreeMap;

use codedeck::model::time::Millis;
use codedeck::model::*;
use codedeck::state::Change;
use codedeck::state::HostRecord;
use common::scenarios::*;
use common::*;

const SEC: Millis = 1_000;
const MIN: Millis = 60 * SEC;
/// ApplicationStop .. ValidateService at the built-in durations (2+4+3+5+3+3+4 s).
const INSTALL: Millis = 24 * SEC;
/// BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic (2+6+2 s).
const REROUTE: Millis = 10 * SEC;
/// BeforeBlockTraffic, BlockTraffic, AfterBlockTraffic (2+6+2 s).
const BLOCK: Millis = 10 * SEC;

/// Written out from the reference's availability table (§7.1, §7.2), not
/// taken from the engine.
const GREEN_EVENTS: [&str; 10] = [
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
];
const BLUE_EVENTS: [&str; 3] = ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"];
const ALLOW_EVENTS: [&str; 3] = ["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"];

fn server_sim(fleet_toml: &str) -> Sim {
    let mut sim = Sim::new(fleet_toml);
    sim.app("app", "Server");
    sim
}

/// Moves the clock to `t` exactly.
fn at(sim: &mut Sim, t: Millis) {
    assert!(t >= sim.now, "time only moves forward");
    sim.tick(t - sim.now);
}

fn by_host(sim: &mut Sim, id: &str) -> BTreeMap<String, InstanceTarget> {
    sim.targets(id)
        .into_iter()
        .map(|t| (t.target_id.clone().unwrap_or_default(), t))
        .collect()
}

fn label(t: &InstanceTarget) -> TargetLabel {
    t.instance_label.clone().expect("instanceLabel")
}

fn event_statuses(t: &InstanceTarget) -> Vec<(String, LifecycleEventStatus)> {
    t.lifecycle_events
        .iter()
        .flatten()
        .map(|e| {
            (
                e.lifecycle_event_name.clone().unwrap_or_default(),
                e.status.clone().expect("event status"),
            )
        })
        .collect()
}

/// (start, end) of one lifecycle event, relative to `t0`.
fn span(t: &InstanceTarget, event: &str, t0: Millis) -> (Millis, Millis) {
    let e = t
        .lifecycle_events
        .iter()
        .flatten()
        .find(|e| e.lifecycle_event_name.as_deref() == Some(event))
        .unwrap_or_else(|| panic!("{event} in {t:?}"));
    (
        e.start_time.expect("start").0 - t0,
        e.end_time.expect("end").0 - t0,
    )
}

/// Every event ran, succeeded, and started when the one before it ended,
/// except that the first Allow event of a replacement waits for rerouting.
fn assert_contiguous(t: &InstanceTarget) {
    let evs: Vec<&LifecycleEvent> = t.lifecycle_events.iter().flatten().collect();
    for pair in evs.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        let (end, start) = (prev.end_time.unwrap().0, next.start_time.unwrap().0);
        if next.lifecycle_event_name.as_deref() == Some("BeforeAllowTraffic") {
            assert!(start >= end, "{t:?}");
        } else {
            assert_eq!(start, end, "events run back to back: {t:?}");
        }
    }
    for e in evs {
        assert_eq!(e.status, Some(LifecycleEventStatus::Succeeded), "{t:?}");
    }
}

fn names(events: &[&str]) -> Vec<String> {
    events.iter().map(|e| e.to_string()).collect()
}

fn group_info(sim: &mut Sim, name: &str) -> DeploymentGroupInfo {
    sim.call(|e, now, ar| {
        e.get_deployment_group(
            now,
            ar,
            GetDeploymentGroupInput {
                application_name: Some("app".into()),
                deployment_group_name: Some(name.into()),
            },
        )
    })
    .expect("get group")
    .deployment_group_info
    .expect("group info")
}

/// The latest stored state of a host record.
fn host_record(sim: &Sim, id: &str) -> Option<HostRecord> {
    sim.history.iter().rev().find_map(|c| match c {
        Change::Host(h) if h.id == id => Some(h.clone()),
        _ => None,
    })
}

/// The declared instances (b, a, c) still running in the simulated world.
fn world(sim: &Sim) -> Vec<String> {
    sim.engine
        .host_ids()
        .into_iter()
        .filter(|h| h.starts_with("i-0000000000000"))
        .collect()
}

fn continue_(sim: &mut Sim, id: &str, wait: DeploymentWaitType) -> Result<(), Exception> {
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
    .map_err(|e| e.exception)
}

fn skip_wait(sim: &mut Sim, id: &str) -> Result<(), Exception> {
    sim.call(|e, now, ar| {
        e.skip_wait_time_for_instance_termination(
            now,
            ar,
            SkipWaitTimeForInstanceTerminationInput {
                deployment_id: Some(id.into()),
            },
        )
    })
    .map_err(|e| e.exception)
}

fn stop(sim: &mut Sim, id: &str, rollback: Option<bool>) -> StopDeploymentOutput {
    sim.call(|e, now, ar| {
        e.stop_deployment(
            now,
            ar,
            StopDeploymentInput {
                deployment_id: Some(id.into()),
                auto_rollback_enabled: rollback,
            },
        )
    })
    .expect("stop")
}

fn list_targets(
    sim: &mut Sim,
    id: &str,
    filters: &[(&str, &[&str])],
) -> Result<Vec<String>, Exception> {
    let filters: BTreeMap<String, Vec<String>> = filters
        .iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect();
    sim.call(|e, now, ar| {
        e.list_deployment_targets(
            now,
            ar,
            ListDeploymentTargetsInput {
                deployment_id: Some(id.into()),
                target_filters: Some(filters),
                ..Default::default()
            },
        )
    })
    .map(|o| o.target_ids.unwrap_or_default())
    .map_err(|e| e.exception)
}

fn list_instances(
    sim: &mut Sim,
    id: &str,
    statuses: &[InstanceStatus],
    types: &[InstanceType],
) -> Result<Vec<String>, Exception> {
    sim.call(|e, now, ar| {
        e.list_deployment_instances(
            now,
            ar,
            ListDeploymentInstancesInput {
                deployment_id: Some(id.into()),
                instance_status_filter: Some(statuses.to_vec()),
                instance_type_filter: Some(types.to_vec()),
                ..Default::default()
            },
        )
    })
    .map(|o| o.instances_list.unwrap_or_default())
    .map_err(|e| e.exception)
}

fn error_code(info: &DeploymentInfo) -> Option<ErrorCode> {
    info.error_information.as_ref().and_then(|e| e.code.clone())
}

fn overview(info: &DeploymentInfo) -> (i64, i64, i64, i64, i64, i64) {
    let o = info.deployment_overview.clone().expect("overview");
    (
        o.pending.unwrap_or(-1),
        o.in_progress.unwrap_or(-1),
        o.ready.unwrap_or(-1),
        o.succeeded.unwrap_or(-1),
        o.failed.unwrap_or(-1),
        o.skipped.unwrap_or(-1),
    )
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// ---- 1. DISCOVER_EXISTING ------------------------------------------------------

#[test]
fn discover_existing_installs_green_reroutes_then_blocks_blue_and_regroups() {
    let mut sim = server_sim(&fleet(3, 3, 2, &[]));
    discover_group(
        &mut sim,
        "CodeDeployDefault.OneAtATime",
        (InstanceAction::Terminate, 0),
    );
    let d = deploy_to(&mut sim, "v1.zip", "green");
    let t0 = sim.now;

    // While installing: replacements InProgress, originals Pending, nothing else.
    at(&mut sim, t0 + 10 * SEC);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::InProgress));
    assert_eq!(overview(&info), (3, 3, 0, 0, 0, 0));
    let ts = by_host(&mut sim, &d);
    for b in hosts('b', 3) {
        assert!(event_statuses(&ts[&b])
            .iter()
            .all(|(_, s)| *s == LifecycleEventStatus::Pending));
    }

    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(info.error_information, None);
    assert_eq!(info.start_time, Some(Timestamp(t0)));
    // 24 s install, three reroutes one at a time, then one block of every original.
    assert_eq!(
        info.complete_time,
        Some(Timestamp(t0 + INSTALL + 3 * REROUTE + BLOCK))
    );
    assert_eq!(overview(&info), (0, 0, 0, 6, 0, 0));
    assert_eq!(info.instance_termination_wait_time_started, Some(true));

    let targets = sim.targets(&d);
    let order: Vec<String> = targets
        .iter()
        .map(|t| t.target_id.clone().unwrap())
        .collect();
    let mut expected_order = hosts('a', 3);
    expected_order.extend(hosts('b', 3));
    assert_eq!(order, expected_order, "replacements first, then originals");
    let ts = by_host(&mut sim, &d);
    for (i, g) in hosts('a', 3).iter().enumerate() {
        let t = &ts[g];
        assert_eq!(label(t), TargetLabel::Green);
        assert_eq!(t.status, Some(TargetStatus::Succeeded));
        assert_eq!(event_names(t), names(&GREEN_EVENTS));
        assert_contiguous(t);
        assert_eq!(
            span(t, "ApplicationStop", t0).0,
            0,
            "install starts at once on all"
        );
        assert_eq!(span(t, "ValidateService", t0).1, INSTALL);
        let i = i as Millis;
        assert_eq!(span(t, "BeforeAllowTraffic", t0).0, INSTALL + i * REROUTE);
        assert_eq!(
            span(t, "AfterAllowTraffic", t0).1,
            INSTALL + (i + 1) * REROUTE
        );
        assert!(t
            .target_arn
            .as_deref()
            .unwrap()
            .ends_with(&format!("instance/{g}")));
    }
    for b in hosts('b', 3) {
        let t = &ts[&b];
        assert_eq!(label(t), TargetLabel::Blue);
        assert_eq!(t.status, Some(TargetStatus::Succeeded));
        assert_eq!(event_names(t), names(&BLUE_EVENTS));
        assert_contiguous(t);
        // Blocking starts only once the last replacement took traffic.
        assert_eq!(span(t, "BeforeBlockTraffic", t0).0, INSTALL + 3 * REROUTE);
        assert_eq!(
            span(t, "AfterBlockTraffic", t0).1,
            INSTALL + 3 * REROUTE + BLOCK
        );
    }

    // The originals are gone (TERMINATE, no wait), the replacements are the group.
    let w = world(&sim);
    for b in hosts('b', 3) {
        assert!(!w.contains(&b), "{b} terminated");
        let rec = host_record(&sim, &b).expect("host record");
        assert_eq!(rec.terminated, Some(t0 + INSTALL + 3 * REROUTE + BLOCK));
    }
    let g = group_info(&mut sim, "prod");
    assert_eq!(g.target_revision, Some(s3("v1.zip")));
    assert_eq!(
        g.last_successful_deployment.and_then(|l| l.deployment_id),
        Some(d.clone())
    );

    // The next deployment's originals are the hosts the first one installed.
    let d2 = deploy_to(&mut sim, "v2.zip", "spare");
    sim.run();
    assert_eq!(sim.status(&d2), DeploymentStatus::Succeeded);
    let ts2 = by_host(&mut sim, &d2);
    let blue: Vec<String> = ts2
        .iter()
        .filter(|(_, t)| label(t) == TargetLabel::Blue)
        .map(|(h, _)| h.clone())
        .collect();
    let green: Vec<String> = ts2
        .iter()
        .filter(|(_, t)| label(t) == TargetLabel::Green)
        .map(|(h, _)| h.clone())
        .collect();
    assert_eq!(blue, hosts('a', 3));
    assert_eq!(green, hosts('c', 2));
    assert_eq!(
        sim.info(&d2).previous_revision,
        Some(s3("v1.zip")),
        "previousRevision is the group's last good revision"
    );
}

#[test]
fn discover_existing_needs_replacements_and_originals() {
    let mut sim = server_sim(&fleet(2, 2, 0, &[]));
    discover_group(
        &mut sim,
        "CodeDeployDefault.AllAtOnce",
        (InstanceAction::Terminate, 0),
    );
    // Nothing matches targetInstances: refused when it is created (#22), so
    // no deployment exists to fail later.
    let none = sim
        .deploy("app", "prod", "v1.zip", |d| {
            d.target_instances = Some(discover("purple"))
        })
        .unwrap_err();
    assert_eq!(none.exception, Exception::InvalidTargetInstances);
    assert!(sim.ar.deployments.is_empty() && !sim.engine.has_active());
    // The replacements are the originals too: nothing would be left to block.
    let ti = TargetInstances {
        tag_filters: Some(vec![tag_filter("Name", "web")]),
        ..Default::default()
    };
    let same = sim
        .deploy("app", "prod", "v1.zip", |d| d.target_instances = Some(ti))
        .unwrap();
    sim.run();
    let info = sim.info(&same);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(error_code(&info), Some(ErrorCode::NoInstances));
    // targetInstances is refused where it does not apply.
    sim.app("plain", "Server");
    sim.web_group("plain", "g", None);
    let err = sim
        .deploy("plain", "g", "v1.zip", |d| {
            d.target_instances = Some(discover("green"))
        })
        .unwrap_err();
    assert_eq!(err.exception, Exception::InvalidTargetInstances);
}

/// #22: CreateDeployment checks targetInstances against the world (a tag no
/// instance carries, too many tags, a malformed one), and the start resolves
/// them again with the same rule: a deployment queued while its replacements
/// existed fails with NO_INSTANCES when they are gone by its start.
#[test]
fn target_instances_are_checked_when_created_and_resolved_again_at_the_start() {
    let mut sim = server_sim(&fleet(2, 2, 0, &[]));
    discover_group(
        &mut sim,
        "CodeDeployDefault.AllAtOnce",
        (InstanceAction::Terminate, 0),
    );
    let tags = |list: Vec<EC2TagFilter>| TargetInstances {
        tag_filters: Some(list),
        ..Default::default()
    };
    let malformed = EC2TagFilter {
        key: None,
        value: Some("green".into()),
        r#type: Some(EC2TagFilterType::KeyOnly),
    };
    for (ti, why) in [
        (discover("purple"), "applied nowhere"),
        (
            tags(vec![
                tag_filter("fleet", "green"),
                tag_filter("fleet", "purple"),
            ]),
            "one of two applied nowhere",
        ),
        (tags(vec![tag_filter("fleet", "green"); 11]), "11 tags"),
        (tags(vec![malformed]), "malformed"),
    ] {
        let refused = sim
            .deploy("app", "prod", "v1.zip", |d| d.target_instances = Some(ti))
            .unwrap_err();
        assert_eq!(
            refused.exception,
            Exception::InvalidTargetInstances,
            "{why}"
        );
    }
    assert!(!sim.engine.has_active(), "nothing was created");
    let d1 = sim
        .deploy("app", "prod", "v1.zip", |d| {
            d.target_instances = Some(tags(vec![tag_filter("fleet", "green"); 10]))
        })
        .expect("10 tags are allowed");
    // The next deployment names the `b` originals as its replacements: they
    // exist when it is created, queued behind the one that terminates them.
    let d2 = deploy_to(&mut sim, "v2.zip", "blue");
    assert_eq!(sim.status(&d2), DeploymentStatus::Queued);
    sim.run();
    assert_eq!(sim.status(&d1), DeploymentStatus::Succeeded);
    let info = sim.info(&d2);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(error_code(&info), Some(ErrorCode::NoInstances));
    assert!(sim.targets(&d2).is_empty());
}

// ---- 2. COPY_AUTO_SCALING_GROUP ------------------------------------------------

#[test]
fn copy_auto_scaling_group_launches_a_copy_that_becomes_the_group() {
    let mut sim = server_sim(&fleet(0, 0, 0, &[]));
    bg_group(
        &mut sim,
        "prod",
        "CodeDeployDefault.HalfAtATime",
        bg_config(
            GreenFleetProvisioningAction::CopyAutoScalingGroup,
            None,
            (InstanceAction::Terminate, 0),
        ),
        |_| {},
    );
    let before = sim.engine.host_ids();
    assert_eq!(before.len(), 3, "web-asg has three instances");
    // targetInstances applies only to DISCOVER_EXISTING.
    let err = sim
        .deploy("app", "prod", "v1.zip", |d| {
            d.target_instances = Some(discover("green"))
        })
        .unwrap_err();
    assert_eq!(err.exception, Exception::InvalidTargetInstances);

    let d = sim.deploy("app", "prod", "v1.zip", |_| {}).unwrap();
    let t0 = sim.now;
    sim.tick(1);
    let copy = format!("CodeDeploy_prod_{d}");
    let ts = by_host(&mut sim, &d);
    let green: Vec<String> = ts
        .iter()
        .filter(|(_, t)| label(t) == TargetLabel::Green)
        .map(|(h, _)| h.clone())
        .collect();
    let blue: Vec<String> = ts
        .iter()
        .filter(|(_, t)| label(t) == TargetLabel::Blue)
        .map(|(h, _)| h.clone())
        .collect();
    assert_eq!(
        blue, before,
        "the originals are the group's Auto Scaling group"
    );
    assert_eq!(green.len(), 3, "as many instances as the source group has");
    for g in &green {
        assert!(!before.contains(g), "{g} is a new instance");
        assert!(
            g.starts_with("i-") && g.len() == 19 && g[2..].bytes().all(|b| b.is_ascii_hexdigit()),
            "{g} looks like an EC2 instance ID"
        );
        assert!(
            sim.engine.host_ids().contains(g),
            "{g} runs in the simulated world"
        );
        let launched = host_record(&sim, g)
            .and_then(|h| h.launched)
            .expect("launched host");
        assert_eq!(launched.asg, copy);
        assert_eq!(launched.deployment_id, d);
        assert_eq!(launched.launched_at, t0);
        assert_eq!(launched.origin_asg.as_deref(), Some("web-asg"));
        assert_eq!(
            launched.tags.get("aws:autoscaling:groupName"),
            Some(&copy),
            "the copy's instances carry its name"
        );
        assert_eq!(
            launched.tags.get("Name").map(String::as_str),
            Some("asg-web")
        );
    }
    assert!(sim.log_lines().iter().any(
        |l| l == &format!("Auto Scaling group {copy} created from web-asg with 3 instance(s)")
    ));

    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    // HalfAtATime of 3: one at a time (floor(3/2) = 1), then the block.
    assert_eq!(
        info.complete_time,
        Some(Timestamp(t0 + INSTALL + 3 * REROUTE + BLOCK))
    );
    let g = group_info(&mut sim, "prod");
    let asgs: Vec<String> = g
        .auto_scaling_groups
        .iter()
        .flatten()
        .filter_map(|a| a.name.clone())
        .collect();
    assert_eq!(
        asgs,
        vec![copy.clone()],
        "the copy replaces web-asg in the group"
    );
    assert_eq!(
        sorted(sim.engine.host_ids()),
        sorted(green.clone()),
        "web-asg's instances terminated"
    );

    // The next deployment copies the copy.
    let d2 = sim.deploy("app", "prod", "v2.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&d2), DeploymentStatus::Succeeded);
    let ts2 = by_host(&mut sim, &d2);
    let blue2: Vec<String> = ts2
        .iter()
        .filter(|(_, t)| label(t) == TargetLabel::Blue)
        .map(|(h, _)| h.clone())
        .collect();
    assert_eq!(blue2, sorted(green));
    let copy2 = format!("CodeDeploy_prod_{d2}");
    let asgs: Vec<String> = group_info(&mut sim, "prod")
        .auto_scaling_groups
        .iter()
        .flatten()
        .filter_map(|a| a.name.clone())
        .collect();
    assert_eq!(asgs, vec![copy2.clone()]);
    for h in sim.engine.host_ids() {
        let l = host_record(&sim, &h)
            .and_then(|r| r.launched)
            .expect("launched");
        assert_eq!(l.asg, copy2);
        assert_eq!(
            l.origin_asg.as_deref(),
            Some("web-asg"),
            "behaviour still from web-asg"
        );
    }
    // The copy is a real Auto Scaling group: a group can name it.
    sim.call(|e, now, ar| {
        e.update_deployment_group(
            now,
            ar,
            UpdateDeploymentGroupInput {
                application_name: Some("app".into()),
                current_deployment_group_name: Some("prod".into()),
                auto_scaling_groups: Some(vec![copy2.clone()]),
                ..Default::default()
            },
        )
    })
    .expect("the copy can be named");
}

// ---- 3. deploymentReadyOption STOP_DEPLOYMENT ----------------------------------

fn ready_sim(wait: i32, termination_wait: i32) -> (Sim, String) {
    let mut sim = server_sim(&fleet(2, 2, 0, &[]));
    bg_group(
        &mut sim,
        "prod",
        "CodeDeployDefault.AllAtOnce",
        bg_config(
            GreenFleetProvisioningAction::DiscoverExisting,
            Some((DeploymentReadyAction::StopDeployment, wait)),
            (InstanceAction::Terminate, termination_wait),
        ),
        |g| {
            g.trigger_configurations = Some(vec![TriggerConfig {
                trigger_name: Some("ops".into()),
                trigger_target_arn: Some("arn:aws:sns:us-east-1:000000000000:ops".into()),
                trigger_events: Some(vec![
                    TriggerEventType::DeploymentReady,
                    TriggerEventType::InstanceReady,
                ]),
            }]);
        },
    );
    let d = deploy_to(&mut sim, "v1.zip", "green");
    (sim, d)
}

/// (time, event, target, status in the message) of every notification sent.
fn notifications(sim: &Sim) -> Vec<(Millis, TriggerEventType, Option<String>, String)> {
    sim.ar
        .events
        .iter()
        .filter_map(|e| {
            let n = e.notification.as_ref()?;
            let status = n.message["status"]
                .as_str()
                .or_else(|| n.message["instanceStatus"].as_str())
                .unwrap_or_default()
                .to_string();
            Some((e.time.0, n.event.clone(), e.target_id.clone(), status))
        })
        .collect()
}

#[test]
fn stop_deployment_waits_ready_until_continue_deployment() {
    let (mut sim, d) = ready_sim(30, 0);
    let t0 = sim.now;
    at(&mut sim, t0 + INSTALL - 1);
    assert_eq!(sim.status(&d), DeploymentStatus::InProgress);
    at(&mut sim, t0 + INSTALL);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Ready));
    assert_eq!(
        overview(&info),
        (2, 0, 2, 0, 0, 0),
        "green Ready, blue Pending"
    );
    let ready = t0 + INSTALL;
    assert_eq!(
        notifications(&sim),
        vec![
            (
                ready,
                TriggerEventType::DeploymentReady,
                None,
                "READY".into()
            ),
            (
                ready,
                TriggerEventType::InstanceReady,
                Some(host('a', 1)),
                "Ready".into()
            ),
            (
                ready,
                TriggerEventType::InstanceReady,
                Some(host('a', 2)),
                "Ready".into()
            ),
        ]
    );
    let ts = by_host(&mut sim, &d);
    for g in hosts('a', 2) {
        let t = &ts[&g];
        assert_eq!(t.status, Some(TargetStatus::Ready));
        let st = event_statuses(t);
        assert!(st[..7]
            .iter()
            .all(|(_, s)| *s == LifecycleEventStatus::Succeeded));
        assert!(st[7..]
            .iter()
            .all(|(_, s)| *s == LifecycleEventStatus::Pending));
    }
    // Ten minutes later it still waits; the wrong wait type is refused and
    // there is no termination wait to skip.
    at(&mut sim, t0 + 10 * MIN);
    assert_eq!(sim.status(&d), DeploymentStatus::Ready);
    assert_eq!(
        continue_(&mut sim, &d, DeploymentWaitType::TerminationWait),
        Err(Exception::DeploymentIsNotInReadyState)
    );
    assert_eq!(skip_wait(&mut sim, &d), Ok(()));
    assert_eq!(sim.status(&d), DeploymentStatus::Ready);

    assert_eq!(
        continue_(&mut sim, &d, DeploymentWaitType::ReadyWait),
        Ok(())
    );
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::InProgress));
    assert_eq!(overview(&info).2, 0, "nothing Ready any more");
    assert_eq!(
        continue_(&mut sim, &d, DeploymentWaitType::ReadyWait),
        Err(Exception::DeploymentIsNotInReadyState),
        "only once"
    );
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(
        info.complete_time,
        Some(Timestamp(t0 + 10 * MIN + REROUTE + BLOCK))
    );
    let ts = by_host(&mut sim, &d);
    for g in hosts('a', 2) {
        let t = &ts[&g];
        assert_eq!(t.status, Some(TargetStatus::Succeeded));
        assert_eq!(event_names(t), names(&GREEN_EVENTS));
        assert_contiguous(t);
        assert_eq!(span(t, "ValidateService", t0).1, INSTALL);
        assert_eq!(
            span(t, "BeforeAllowTraffic", t0).0,
            10 * MIN,
            "rerouting starts at the continue"
        );
    }
    for b in hosts('b', 2) {
        assert_eq!(
            span(&ts[&b], "BeforeBlockTraffic", t0).0,
            10 * MIN + REROUTE
        );
    }
    assert_eq!(
        continue_(&mut sim, &d, DeploymentWaitType::ReadyWait),
        Err(Exception::DeploymentAlreadyCompleted)
    );
}

#[test]
fn stop_deployment_ready_wait_times_out_to_stopped() {
    let (mut sim, d) = ready_sim(30, 0);
    let t0 = sim.now;
    at(&mut sim, t0 + INSTALL + 30 * MIN - 1);
    assert_eq!(sim.status(&d), DeploymentStatus::Ready);
    at(&mut sim, t0 + INSTALL + 30 * MIN);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(error_code(&info), Some(ErrorCode::Timeout));
    assert_eq!(info.complete_time, Some(Timestamp(t0 + INSTALL + 30 * MIN)));
    assert_eq!(
        info.rollback_info, None,
        "nothing was rerouted: no rollback"
    );
    assert_eq!(
        overview(&info),
        (0, 0, 0, 0, 2, 2),
        "the installed replacements were cut short, the originals never started"
    );
    let ts = by_host(&mut sim, &d);
    for g in hosts('a', 2) {
        // Installed, never took traffic: not Skipped (they were deployed to).
        assert_eq!(ts[&g].status, Some(TargetStatus::Failed));
        let st = event_statuses(&ts[&g]);
        assert!(st[..7]
            .iter()
            .all(|(_, s)| *s == LifecycleEventStatus::Succeeded));
        assert!(st[7..]
            .iter()
            .all(|(_, s)| *s == LifecycleEventStatus::Skipped));
    }
    for b in hosts('b', 2) {
        assert_eq!(ts[&b].status, Some(TargetStatus::Skipped));
    }

    // The originals keep serving: still in the world and in the group.
    assert_eq!(world(&sim).len(), 4);
    assert_eq!(group_info(&mut sim, "prod").target_revision, None);
    assert_eq!(
        continue_(&mut sim, &d, DeploymentWaitType::ReadyWait),
        Err(Exception::DeploymentAlreadyCompleted)
    );
}

#[test]
fn stepping_skips_the_ready_deadline_continue_deployment_ended() {
    let (mut sim, d) = ready_sim(30, 60);
    let t0 = sim.now;
    at(&mut sim, t0 + 10 * MIN);
    assert_eq!(
        continue_(&mut sim, &d, DeploymentWaitType::ReadyWait),
        Ok(())
    );
    let waiting = t0 + 10 * MIN + REROUTE + BLOCK;
    at(&mut sim, waiting);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::InProgress));
    assert_eq!(info.instance_termination_wait_time_started, Some(true));
    // The ready wait would have ended at 30 minutes; it ended at the continue.
    assert_eq!(sim.engine.next_due(), Some(waiting + 60 * MIN));
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(info.complete_time, Some(Timestamp(waiting + 60 * MIN)));
    assert_eq!(sim.engine.next_due(), None);
}

#[test]
fn ready_wait_of_zero_minutes_waits_the_48_hour_maximum() {
    let (mut sim, d) = ready_sim(0, 0);
    let t0 = sim.now;
    at(&mut sim, t0 + INSTALL + 2880 * MIN - 1);
    assert_eq!(sim.status(&d), DeploymentStatus::Ready);
    at(&mut sim, t0 + INSTALL + 2880 * MIN);
    assert_eq!(sim.status(&d), DeploymentStatus::Stopped);
}

// ---- 4. rerouting under minimum healthy hosts ----------------------------------

/// Runs a deployment to 4 replacements and 2 originals, watching at every step
/// how many replacements are inside their Allow events; returns that maximum
/// and the deployment.
fn reroute_run(config: &str, extra: &[(&str, &str, &str)]) -> (Sim, String, usize) {
    let mut sim = server_sim(&fleet(2, 4, 2, extra));
    if !config.starts_with("CodeDeployDefault.") {
        let (kind, value) = match config {
            "Percent75" => (MinimumHealthyHostsType::FleetPercent, 75),
            "Count4" => (MinimumHealthyHostsType::HostCount, 4),
            other => panic!("{other}"),
        };
        sim.call(|e, now, ar| {
            e.create_deployment_config(
                now,
                ar,
                CreateDeploymentConfigInput {
                    deployment_config_name: Some(config.into()),
                    minimum_healthy_hosts: Some(MinimumHealthyHosts {
                        r#type: Some(kind),
                        value: Some(value),
                    }),
                    ..Default::default()
                },
            )
        })
        .expect("config");
    }
    discover_group(&mut sim, config, (InstanceAction::Terminate, 0));
    let d = deploy_to(&mut sim, "v1.zip", "green");
    let mut most = 0;
    let dd = d.clone();
    sim.run_with(|s| {
        let allowing =
            s.ar.targets
                .values()
                .filter(|t| t.deployment_id == dd)
                .filter(|t| {
                    t.target
                        .instance_target
                        .as_ref()
                        .and_then(|i| i.lifecycle_events.as_ref())
                        .is_some_and(|evs| {
                            evs.iter().any(|e| {
                                e.status == Some(LifecycleEventStatus::InProgress)
                                    && ALLOW_EVENTS
                                        .contains(&e.lifecycle_event_name.as_deref().unwrap_or(""))
                            })
                        })
                })
                .count();
        most = most.max(allowing);
    });
    (sim, d, most)
}

#[test]
fn rerouting_batches_obey_minimum_healthy_hosts() {
    for (config, batch, starts) in [
        ("CodeDeployDefault.OneAtATime", 1, vec![0, 1, 2, 3]),
        ("CodeDeployDefault.HalfAtATime", 2, vec![0, 0, 1, 1]),
        ("CodeDeployDefault.AllAtOnce", 4, vec![0, 0, 0, 0]),
        ("Percent75", 1, vec![0, 1, 2, 3]),
    ] {
        let (mut sim, d, most) = reroute_run(config, &[]);
        let t0 = sim.info(&d).start_time.unwrap().0;
        assert_eq!(most, batch, "{config}: replacements rerouting at once");
        let info = sim.info(&d);
        assert_eq!(info.status, Some(DeploymentStatus::Succeeded), "{config}");
        let rounds = *starts.iter().max().unwrap() + 1;
        assert_eq!(
            info.complete_time,
            Some(Timestamp(t0 + INSTALL + rounds * REROUTE + BLOCK)),
            "{config}"
        );
        let ts = by_host(&mut sim, &d);
        for (g, round) in hosts('a', 4).iter().zip(&starts) {
            assert_eq!(
                span(&ts[g], "BeforeAllowTraffic", t0).0,
                INSTALL + round * REROUTE,
                "{config} {g}"
            );
        }
    }
}

#[test]
fn no_headroom_on_the_replacement_fleet_fails_before_touching_anything() {
    let (mut sim, d, most) = reroute_run("Count4", &[]);
    assert_eq!(most, 0);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(error_code(&info), Some(ErrorCode::HealthConstraintsInvalid));
    // The user guide's words for the code, as for in-place (#22).
    let message = info
        .error_information
        .as_ref()
        .and_then(|e| e.message.as_deref());
    assert!(
        message.is_some_and(|m| m.starts_with("The deployment can't start because")),
        "{message:?}"
    );
    assert_eq!(info.complete_time, info.start_time);
    for t in sim.targets(&d) {
        assert_eq!(t.status, Some(TargetStatus::Skipped));
        assert!(event_statuses(&t)
            .iter()
            .all(|(_, s)| *s == LifecycleEventStatus::Skipped));
    }
    assert_eq!(world(&sim).len(), 8, "nothing terminated");
}

#[test]
fn all_at_once_succeeds_with_one_rerouted_one_at_a_time_fails_on_the_first() {
    let bad = host('a', 1);
    let extra = [(bad.as_str(), "", "fail = \"AllowTraffic\"")];
    // AllAtOnce: three of four rerouted is enough.
    let (mut sim, d, most) = reroute_run("CodeDeployDefault.AllAtOnce", &extra);
    assert_eq!(most, 4);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(overview(&info), (0, 0, 0, 5, 1, 0));
    let ts = by_host(&mut sim, &d);
    assert_eq!(ts[&bad].status, Some(TargetStatus::Failed));
    let st = event_statuses(&ts[&bad]);
    assert_eq!(st[8], ("AllowTraffic".into(), LifecycleEventStatus::Failed));
    assert_eq!(
        st[9],
        ("AfterAllowTraffic".into(), LifecycleEventStatus::Skipped)
    );
    // The failed replacement does not join the group.
    let d2 = deploy_to(&mut sim, "v2.zip", "spare");
    sim.run();
    let blue2: Vec<String> = by_host(&mut sim, &d2)
        .into_iter()
        .filter(|(_, t)| label(t) == TargetLabel::Blue)
        .map(|(h, _)| h)
        .collect();
    assert_eq!(blue2, hosts('a', 4)[1..].to_vec());

    // OneAtATime: the first replacement fails to reroute, three remain: failed.
    let (mut sim, d, most) = reroute_run("CodeDeployDefault.OneAtATime", &extra);
    assert_eq!(most, 1);
    let info = sim.info(&d);
    let t0 = info.start_time.unwrap().0;
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(error_code(&info), Some(ErrorCode::HealthConstraints));
    assert_eq!(info.complete_time, Some(Timestamp(t0 + INSTALL + 8 * SEC)));
    let ts = by_host(&mut sim, &d);
    assert_eq!(ts[&bad].status, Some(TargetStatus::Failed));
    for h in hosts('a', 4)[1..].iter().chain(hosts('b', 2).iter()) {
        assert_eq!(ts[h].status, Some(TargetStatus::Skipped), "{h}");
    }
    assert_eq!(world(&sim).len(), 8, "nothing terminated");

    // OneAtATime: a failure on the last replacement is tolerated.
    let last = host('a', 4);
    let extra = [(last.as_str(), "", "fail = \"AllowTraffic\"")];
    let (mut sim, d, _) = reroute_run("CodeDeployDefault.OneAtATime", &extra);
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
}

#[test]
fn an_original_failing_to_block_traffic_fails_the_deployment() {
    let b = host('b', 2);
    let extra = [(b.as_str(), "", "fail = \"BlockTraffic\"")];
    let (mut sim, d, _) = reroute_run("CodeDeployDefault.AllAtOnce", &extra);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(error_code(&info), Some(ErrorCode::HealthConstraints));
    let ts = by_host(&mut sim, &d);
    assert_eq!(ts[&b].status, Some(TargetStatus::Failed));
    assert_eq!(ts[&host('b', 1)].status, Some(TargetStatus::Succeeded));
    assert_eq!(world(&sim).len(), 8, "nothing terminated after a failure");
    assert_eq!(info.instance_termination_wait_time_started, Some(false));
}

// ---- 5. termination wait, skip, KEEP_ALIVE -------------------------------------

#[test]
fn termination_wait_keeps_the_deployment_in_progress_then_terminates() {
    let mut sim = server_sim(&fleet(2, 2, 0, &[]));
    discover_group(
        &mut sim,
        "CodeDeployDefault.AllAtOnce",
        (InstanceAction::Terminate, 60),
    );
    let d = deploy_to(&mut sim, "v1.zip", "green");
    let t0 = sim.now;
    let blocked = t0 + INSTALL + REROUTE + BLOCK;
    at(&mut sim, blocked - 1);
    assert_eq!(
        sim.info(&d).instance_termination_wait_time_started,
        Some(false)
    );
    at(&mut sim, blocked);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::InProgress));
    assert_eq!(info.instance_termination_wait_time_started, Some(true));
    assert_eq!(info.complete_time, None);
    assert_eq!(overview(&info), (0, 0, 0, 4, 0, 0), "every target is done");
    assert_eq!(
        continue_(&mut sim, &d, DeploymentWaitType::ReadyWait),
        Err(Exception::DeploymentIsNotInReadyState)
    );
    at(&mut sim, blocked + 60 * MIN - 1);
    assert_eq!(sim.status(&d), DeploymentStatus::InProgress);
    assert_eq!(
        world(&sim).len(),
        4,
        "originals still running during the wait"
    );
    at(&mut sim, blocked + 60 * MIN);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(info.complete_time, Some(Timestamp(blocked + 60 * MIN)));
    assert_eq!(sorted(world(&sim)), hosts('a', 2));
    for b in hosts('b', 2) {
        assert_eq!(
            host_record(&sim, &b).and_then(|h| h.terminated),
            Some(blocked + 60 * MIN)
        );
    }
    assert_eq!(
        skip_wait(&mut sim, &d),
        Err(Exception::DeploymentAlreadyCompleted)
    );
}

#[test]
fn skipping_the_termination_wait_ends_it_at_once() {
    for by_continue in [false, true] {
        let mut sim = server_sim(&fleet(2, 2, 0, &[]));
        discover_group(
            &mut sim,
            "CodeDeployDefault.AllAtOnce",
            (InstanceAction::Terminate, 60),
        );
        let d = deploy_to(&mut sim, "v1.zip", "green");
        let t0 = sim.now;
        let blocked = t0 + INSTALL + REROUTE + BLOCK;
        at(&mut sim, blocked + 5 * MIN);
        assert_eq!(sim.status(&d), DeploymentStatus::InProgress);
        if by_continue {
            assert_eq!(
                continue_(&mut sim, &d, DeploymentWaitType::TerminationWait),
                Ok(())
            );
        } else {
            assert_eq!(skip_wait(&mut sim, &d), Ok(()));
        }
        let info = sim.info(&d);
        assert_eq!(
            info.status,
            Some(DeploymentStatus::Succeeded),
            "continue={by_continue}"
        );
        assert_eq!(info.complete_time, Some(Timestamp(blocked + 5 * MIN)));
        assert_eq!(info.instance_termination_wait_time_started, Some(true));
        assert_eq!(sorted(world(&sim)), hosts('a', 2));
        // The old wake-up changes nothing.
        sim.run();
        assert_eq!(
            sim.info(&d).complete_time,
            Some(Timestamp(blocked + 5 * MIN))
        );
    }
}

#[test]
fn keep_alive_leaves_the_originals_running_outside_the_group() {
    let mut sim = server_sim(&fleet(2, 2, 0, &[]));
    discover_group(
        &mut sim,
        "CodeDeployDefault.AllAtOnce",
        (InstanceAction::KeepAlive, 60),
    );
    let d = deploy_to(&mut sim, "v1.zip", "green");
    let t0 = sim.now;
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(
        info.complete_time,
        Some(Timestamp(t0 + INSTALL + REROUTE + BLOCK)),
        "no termination wait with KEEP_ALIVE"
    );
    assert_eq!(info.instance_termination_wait_time_started, Some(false));
    assert_eq!(world(&sim).len(), 4, "originals keep running");
    for b in hosts('b', 2) {
        let rec = host_record(&sim, &b).expect("record");
        assert_eq!(rec.terminated, None);
    }
    // They left the group: the next deployment's originals are the replacements,
    // and the old originals can serve as its replacements.
    let d2 = deploy_to(&mut sim, "v2.zip", "blue");
    sim.run();
    assert_eq!(sim.status(&d2), DeploymentStatus::Succeeded);
    let ts = by_host(&mut sim, &d2);
    for a in hosts('a', 2) {
        assert_eq!(label(&ts[&a]), TargetLabel::Blue);
    }
    for b in hosts('b', 2) {
        assert_eq!(label(&ts[&b]), TargetLabel::Green);
    }
    // And back again: the b hosts rejoined the group.
    let d3 = deploy_to(&mut sim, "v3.zip", "green");
    sim.run();
    let ts = by_host(&mut sim, &d3);
    for b in hosts('b', 2) {
        assert_eq!(label(&ts[&b]), TargetLabel::Blue);
    }
    assert_eq!(ts.len(), 4);
}

// ---- 6. listings by label ------------------------------------------------------

#[test]
fn targets_and_instances_filter_by_blue_and_green() {
    let (mut sim, d) = ready_sim(30, 0);
    let t = sim.now + INSTALL;
    at(&mut sim, t);
    assert_eq!(sim.status(&d), DeploymentStatus::Ready);
    let (green, blue) = (hosts('a', 2), hosts('b', 2));
    let all: Vec<String> = green.iter().chain(&blue).cloned().collect();
    for _ in 0..2 {
        assert_eq!(list_targets(&mut sim, &d, &[]), Ok(all.clone()));
        assert_eq!(
            list_targets(&mut sim, &d, &[("ServerInstanceLabel", &["Blue"])]),
            Ok(blue.clone())
        );
        assert_eq!(
            list_targets(&mut sim, &d, &[("ServerInstanceLabel", &["Green"])]),
            Ok(green.clone())
        );
        assert_eq!(
            list_targets(&mut sim, &d, &[("ServerInstanceLabel", &["Blue", "Green"])]),
            Ok(all.clone())
        );
        assert_eq!(
            list_targets(&mut sim, &d, &[("ServerInstanceLabel", &["Purple"])]),
            Err(Exception::InvalidInstanceType)
        );
        assert_eq!(
            list_instances(&mut sim, &d, &[], &[InstanceType::Blue]),
            Ok(blue.clone())
        );
        assert_eq!(
            list_instances(&mut sim, &d, &[], &[InstanceType::Green]),
            Ok(green.clone())
        );
        assert_eq!(list_instances(&mut sim, &d, &[], &[]), Ok(all.clone()));
        if sim.status(&d) == DeploymentStatus::Ready {
            assert_eq!(
                list_targets(
                    &mut sim,
                    &d,
                    &[
                        ("ServerInstanceLabel", &["Green"]),
                        ("TargetStatus", &["Ready"])
                    ]
                ),
                Ok(green.clone())
            );
            assert_eq!(
                list_targets(
                    &mut sim,
                    &d,
                    &[
                        ("ServerInstanceLabel", &["Blue"]),
                        ("TargetStatus", &["Ready"])
                    ]
                ),
                Ok(vec![])
            );
            assert_eq!(
                list_instances(
                    &mut sim,
                    &d,
                    &[InstanceStatus::Ready],
                    &[InstanceType::Green]
                ),
                Ok(green.clone())
            );
            assert_eq!(
                list_instances(&mut sim, &d, &[InstanceStatus::Pending], &[]),
                Ok(blue.clone())
            );
            let s = sim
                .call(|e, now, ar| {
                    e.get_deployment_instance(
                        now,
                        ar,
                        GetDeploymentInstanceInput {
                            deployment_id: Some(d.clone()),
                            instance_id: Some(host('a', 1)),
                        },
                    )
                })
                .expect("instance")
                .instance_summary
                .expect("summary");
            assert_eq!(s.instance_type, Some(InstanceType::Green));
            assert_eq!(s.status, Some(InstanceStatus::Ready));
            // The same answers once the deployment has finished (from the archive).
            assert_eq!(
                continue_(&mut sim, &d, DeploymentWaitType::ReadyWait),
                Ok(())
            );
            sim.run();
            assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
        }
    }
    assert_eq!(
        list_instances(
            &mut sim,
            &d,
            &[InstanceStatus::Succeeded],
            &[InstanceType::Blue]
        ),
        Ok(blue.clone())
    );
    // An in-place deployment (to the replacements, which outlived the
    // terminated originals) has no labels to filter on.
    sim.app("plain", "Server");
    sim.group("plain", "g", |g| {
        g.ec2_tag_filters = Some(vec![tag_filter("fleet", "green")])
    })
    .expect("in-place group");
    let p = sim.deploy("plain", "g", "v1.zip", |_| {}).unwrap();
    sim.run();
    assert_eq!(sim.status(&p), DeploymentStatus::Succeeded);
    assert_eq!(
        list_instances(&mut sim, &p, &[], &[InstanceType::Blue]),
        Err(Exception::InvalidDeploymentInstanceType)
    );
    // ListDeploymentTargets answers the same for its ServerInstanceLabel (#22);
    // its status filter and no filter still work, and a bad label is still
    // reported as a bad label first.
    for labels in [&["Blue"][..], &["Green"], &["Blue", "Green"]] {
        assert_eq!(
            list_targets(&mut sim, &p, &[("ServerInstanceLabel", labels)]),
            Err(Exception::InvalidDeploymentInstanceType),
            "{labels:?}"
        );
    }
    assert_eq!(
        list_targets(&mut sim, &p, &[("ServerInstanceLabel", &["Purple"])]),
        Err(Exception::InvalidInstanceType)
    );
    assert_eq!(list_targets(&mut sim, &p, &[]), Ok(green.clone()));
    assert_eq!(
        list_targets(&mut sim, &p, &[("TargetStatus", &["Succeeded"])]),
        Ok(green)
    );
}

// ---- 7. rollback swaps roles ---------------------------------------------------

/// A group whose first deployment (v1 to the `a` hosts) succeeded; returns the
/// sim ready for a second deployment to the `c` spares.
fn after_first_success(extra: &[(&str, &str, &str)]) -> Sim {
    let mut sim = server_sim(&fleet(3, 3, 3, extra));
    rollback_group(&mut sim);
    let d1 = deploy_to(&mut sim, "v1.zip", "green");
    sim.run();
    assert_eq!(sim.status(&d1), DeploymentStatus::Succeeded);
    assert_eq!(
        sorted(world(&sim)),
        sorted([hosts('a', 3), hosts('c', 3)].concat())
    );
    sim
}

fn rollback_of(sim: &mut Sim, d: &str) -> String {
    sim.info(d)
        .rollback_info
        .and_then(|r| r.rollback_deployment_id)
        .expect("rollback deployment")
}

/// The rollback deployment's targets: originals (label Blue) take traffic back
/// with the three Allow events, replacements (label Green) run the Block events.
fn assert_swapped(
    sim: &mut Sim,
    rb: &str,
    originals: &[String],
    replacements: &[String],
) -> Millis {
    let info = sim.info(rb);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    assert_eq!(info.creator, Some(DeploymentCreator::CodeDeployRollback));
    assert_eq!(info.revision, Some(s3("v1.zip")));
    let t0 = info.start_time.unwrap().0;
    let targets = sim.targets(rb);
    let order: Vec<String> = targets
        .iter()
        .map(|t| t.target_id.clone().unwrap())
        .collect();
    assert_eq!(order, [originals, replacements].concat(), "originals first");
    let ts = by_host(sim, rb);
    for (i, o) in originals.iter().enumerate() {
        let t = &ts[o];
        assert_eq!(label(t), TargetLabel::Blue, "{o}");
        assert_eq!(event_names(t), names(&ALLOW_EVENTS));
        assert_eq!(t.status, Some(TargetStatus::Succeeded));
        assert_contiguous(t);
        // OneAtATime again: one original takes traffic back at a time.
        assert_eq!(span(t, "BeforeAllowTraffic", t0).0, i as Millis * REROUTE);
    }
    let n = originals.len() as Millis;
    for r in replacements {
        let t = &ts[r];
        assert_eq!(label(t), TargetLabel::Green, "{r}");
        assert_eq!(event_names(t), names(&BLUE_EVENTS));
        assert_eq!(t.status, Some(TargetStatus::Succeeded));
        assert_contiguous(t);
        assert_eq!(span(t, "BeforeBlockTraffic", t0).0, n * REROUTE);
    }
    let block = if replacements.is_empty() { 0 } else { BLOCK };
    assert_eq!(
        info.complete_time,
        Some(Timestamp(t0 + n * REROUTE + block))
    );
    t0
}

#[test]
fn a_failing_replacement_rolls_back_with_roles_swapped() {
    // A fault tag on one replacement: its ValidateService script fails.
    let bad = host('c', 2);
    let mut sim = after_first_success(&[(
        bad.as_str(),
        ", \"codedeck:fail\" = \"ValidateService\"",
        "",
    )]);
    let d2 = deploy_to(&mut sim, "v2.zip", "spare");
    let t0 = sim.now;
    sim.run();
    let info = sim.info(&d2);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(error_code(&info), Some(ErrorCode::HealthConstraints));
    assert_eq!(info.complete_time, Some(Timestamp(t0 + INSTALL)));
    let ts = by_host(&mut sim, &d2);
    let st = event_statuses(&ts[&bad]);
    assert_eq!(
        st[6],
        ("ValidateService".into(), LifecycleEventStatus::Failed)
    );
    assert_eq!(ts[&bad].status, Some(TargetStatus::Failed));

    let rb = rollback_of(&mut sim, &d2);
    assert_eq!(
        sim.info(&rb)
            .rollback_info
            .and_then(|r| r.rollback_triggering_deployment_id),
        Some(d2.clone())
    );
    let rb0 = assert_swapped(&mut sim, &rb, &hosts('a', 3), &hosts('c', 3));
    assert_eq!(
        rb0,
        t0 + INSTALL,
        "the rollback starts as the deployment fails"
    );
    // Traffic is back on the originals: they are still the group, the spares
    // are left running outside it.
    assert_eq!(
        sorted(world(&sim)),
        sorted([hosts('a', 3), hosts('c', 3)].concat())
    );
    let g = group_info(&mut sim, "prod");
    assert_eq!(g.target_revision, Some(s3("v1.zip")));
    assert_eq!(
        g.last_successful_deployment.and_then(|l| l.deployment_id),
        Some(rb.clone())
    );
    let d3 = deploy_to(&mut sim, "v3.zip", "spare");
    sim.tick(1);
    let blue3: Vec<String> = by_host(&mut sim, &d3)
        .into_iter()
        .filter(|(_, t)| label(t) == TargetLabel::Blue)
        .map(|(h, _)| h)
        .collect();
    assert_eq!(blue3, hosts('a', 3));
}

#[test]
fn a_fleet_fault_while_rerouting_rolls_back_too() {
    let bad = host('c', 1);
    let mut sim = after_first_success(&[(bad.as_str(), "", "fail = \"AfterAllowTraffic\"")]);
    let d2 = deploy_to(&mut sim, "v2.zip", "spare");
    let t0 = sim.now;
    sim.run();
    let info = sim.info(&d2);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(info.complete_time, Some(Timestamp(t0 + INSTALL + REROUTE)));
    let rb = rollback_of(&mut sim, &d2);
    assert_swapped(&mut sim, &rb, &hosts('a', 3), &hosts('c', 3));
}

#[test]
fn stop_with_rollback_while_rerouting_swaps_roles() {
    let mut sim = after_first_success(&[]);
    let d2 = deploy_to(&mut sim, "v2.zip", "spare");
    let t0 = sim.now;
    // The first spare is in AllowTraffic (26 s .. 32 s after the start).
    at(&mut sim, t0 + INSTALL + 5 * SEC);
    let out = stop(&mut sim, &d2, Some(true));
    assert_eq!(out.status, Some(StopStatus::Pending), "an event is running");
    assert_eq!(sim.status(&d2), DeploymentStatus::InProgress);
    sim.run();
    let info = sim.info(&d2);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(error_code(&info), Some(ErrorCode::ManualStop));
    // AllowTraffic finishes, nothing starts after it.
    assert_eq!(info.complete_time, Some(Timestamp(t0 + INSTALL + 8 * SEC)));
    let ts = by_host(&mut sim, &d2);
    let first = &ts[&host('c', 1)];
    assert_eq!(first.status, Some(TargetStatus::Failed));
    let st = event_statuses(first);
    assert_eq!(
        st[8],
        ("AllowTraffic".into(), LifecycleEventStatus::Succeeded)
    );
    assert_eq!(
        st[9],
        ("AfterAllowTraffic".into(), LifecycleEventStatus::Skipped)
    );
    for h in [host('c', 2), host('c', 3)] {
        assert_eq!(ts[&h].status, Some(TargetStatus::Skipped));
    }
    for a in hosts('a', 3) {
        assert_eq!(ts[&a].status, Some(TargetStatus::Skipped), "never blocked");
    }
    let rb = rollback_of(&mut sim, &d2);
    let rb0 = assert_swapped(&mut sim, &rb, &hosts('a', 3), &hosts('c', 3));
    assert_eq!(rb0, t0 + INSTALL + 8 * SEC);
    assert_eq!(
        sorted(world(&sim)),
        sorted([hosts('a', 3), hosts('c', 3)].concat())
    );
}

#[test]
fn stop_without_rollback_and_first_deployment_failures_do_not_roll_back() {
    let mut sim = after_first_success(&[]);
    let d2 = deploy_to(&mut sim, "v2.zip", "spare");
    let t = sim.now + 5 * SEC;
    at(&mut sim, t);
    let out = stop(&mut sim, &d2, Some(false));
    assert_eq!(out.status, Some(StopStatus::Pending));
    sim.run();
    let info = sim.info(&d2);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(info.rollback_info, None);

    // A first deployment has no revision to roll back to.
    let bad = host('a', 1);
    let mut sim = server_sim(&fleet(1, 1, 0, &[(bad.as_str(), "", "fail = \"Install\"")]));
    bg_group(
        &mut sim,
        "prod",
        "CodeDeployDefault.AllAtOnce",
        bg_config(
            GreenFleetProvisioningAction::DiscoverExisting,
            None,
            (InstanceAction::Terminate, 0),
        ),
        |g| g.auto_rollback_configuration = Some(rollback_config()),
    );
    let d = deploy_to(&mut sim, "v1.zip", "green");
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    let ri = info.rollback_info.expect("rollback info");
    assert_eq!(ri.rollback_deployment_id, None);
    assert!(ri
        .rollback_message
        .unwrap()
        .contains("no earlier successful revision"));
}

// ---- 8. restarts ---------------------------------------------------------------

/// Runs blue/green deployments of every kind (ready wait continued, termination
/// wait, a copied Auto Scaling group, a failure rolled back), optionally
/// rebuilding the engine from the store after every step; returns everything
/// observable at the end.
fn bg_run(restart_every_step: bool) -> String {
    use codedeck::engine::{Engine, EngineOptions};
    use codedeck::state::fleet::Fleet;
    use codedeck::state::Archive;
    use codedeck::store::Store;
    let bad = host('c', 1);
    let toml = fleet(
        3,
        3,
        3,
        &[(bad.as_str(), "", "fail = \"AfterAllowTraffic\"")],
    );
    let mut store = Store::in_memory().expect("store");
    let mut engine = Engine::new(
        EngineOptions::default(),
        11,
        Fleet::parse(&toml).expect("fleet"),
        T0,
    );
    store.commit(&engine.take_changes()).expect("commit");
    let mut now = T0;
    fn call<T>(
        engine: &mut Engine,
        store: &mut Store,
        now: Millis,
        f: impl FnOnce(&mut Engine, Millis, &dyn Archive) -> T,
    ) -> T {
        engine.advance(now);
        let out = f(engine, now, &*store);
        store.commit(&engine.take_changes()).expect("commit");
        out
    }
    let group =
        |name: &str, bg: BlueGreenDeploymentConfiguration, copy: bool| CreateDeploymentGroupInput {
            application_name: Some("app".into()),
            deployment_group_name: Some(name.into()),
            service_role_arn: Some(ROLE.into()),
            deployment_config_name: Some("CodeDeployDefault.HalfAtATime".into()),
            deployment_style: Some(DeploymentStyle {
                deployment_type: Some(DeploymentType::BlueGreen),
                deployment_option: Some(DeploymentOption::WithTrafficControl),
            }),
            load_balancer_info: Some(LoadBalancerInfo {
                elb_info_list: Some(vec![ELBInfo {
                    name: Some("web-elb".into()),
                }]),
                ..Default::default()
            }),
            blue_green_deployment_configuration: Some(bg),
            ec2_tag_filters: (!copy).then(|| vec![tag_filter("Name", "web")]),
            auto_scaling_groups: copy.then(|| vec!["web-asg".into()]),
            auto_rollback_configuration: Some(rollback_config()),
            ..Default::default()
        };
    let deployment = |group: &str, key: &str, ti: Option<TargetInstances>| CreateDeploymentInput {
        application_name: Some("app".into()),
        deployment_group_name: Some(group.into()),
        revision: Some(s3(key)),
        target_instances: ti,
        ..Default::default()
    };
    let mut ids: Vec<String> = vec![];
    call(&mut engine, &mut store, now, |e, now, ar| {
        e.create_application(
            now,
            ar,
            CreateApplicationInput {
                application_name: Some("app".into()),
                compute_platform: Some(ComputePlatform::Server),
                tags: None,
            },
        )
        .expect("app");
        e.create_deployment_group(
            now,
            ar,
            group(
                "prod",
                bg_config(
                    GreenFleetProvisioningAction::DiscoverExisting,
                    Some((DeploymentReadyAction::StopDeployment, 60)),
                    (InstanceAction::Terminate, 5),
                ),
                false,
            ),
        )
        .expect("group");
        e.create_deployment_group(
            now,
            ar,
            group(
                "asg",
                bg_config(
                    GreenFleetProvisioningAction::CopyAutoScalingGroup,
                    None,
                    (InstanceAction::KeepAlive, 0),
                ),
                true,
            ),
        )
        .expect("asg group");
        for (g, ti) in [("prod", Some(discover("green"))), ("asg", None)] {
            let out = e
                .create_deployment(now, ar, deployment(g, "v1.zip", ti))
                .expect("deployment");
            ids.push(out.deployment_id.unwrap_or_default());
        }
    });
    let status = |engine: &mut Engine, store: &Store, id: &str, now: Millis| {
        engine
            .get_deployment(
                now,
                store,
                GetDeploymentInput {
                    deployment_id: Some(id.into()),
                },
            )
            .expect("get")
            .deployment_info
            .and_then(|i| i.status)
    };
    let mut continued = 0;
    let mut second = false;
    while let Some(due) = engine.next_due() {
        now = now.max(due);
        call(&mut engine, &mut store, now, |_, _, _| {});
        // Every deployment of "prod" waits Ready; continue each as it does.
        let ready: Vec<String> = ids
            .iter()
            .filter(|id| status(&mut engine, &store, id, now) == Some(DeploymentStatus::Ready))
            .cloned()
            .collect();
        for id in ready {
            continued += 1;
            call(&mut engine, &mut store, now, |e, now, ar| {
                e.continue_deployment(
                    now,
                    ar,
                    ContinueDeploymentInput {
                        deployment_id: Some(id),
                        deployment_wait_type: Some(DeploymentWaitType::ReadyWait),
                    },
                )
                .expect("continue");
            });
        }
        if !second && status(&mut engine, &store, &ids[0], now) == Some(DeploymentStatus::Succeeded)
        {
            second = true;
            // The spares replace the first deployment's replacements; one of
            // them fails to reroute, and the deployment rolls back.
            let id = call(&mut engine, &mut store, now, |e, now, ar| {
                e.create_deployment(
                    now,
                    ar,
                    deployment("prod", "v2.zip", Some(discover("spare"))),
                )
                .expect("second deployment")
                .deployment_id
                .unwrap_or_default()
            });
            ids.push(id);
        }
        if restart_every_step {
            let snapshot = store.load().expect("load");
            engine = Engine::restore(EngineOptions::default(), snapshot, 0, None, now);
        }
    }
    assert_eq!((continued, second), (2, true), "every action happened");
    let mut out = String::new();
    let mut all = ids.clone();
    for id in &ids {
        let info = engine
            .get_deployment(
                now,
                &store,
                GetDeploymentInput {
                    deployment_id: Some(id.clone()),
                },
            )
            .expect("get")
            .deployment_info
            .expect("info");
        if let Some(rb) = info
            .rollback_info
            .as_ref()
            .and_then(|r| r.rollback_deployment_id.clone())
        {
            all.push(rb);
        }
    }
    for id in &all {
        let info = engine
            .get_deployment(
                now,
                &store,
                GetDeploymentInput {
                    deployment_id: Some(id.clone()),
                },
            )
            .expect("get");
        let targets = store.targets(id).expect("targets");
        out.push_str(&format!("{info:?}\n{targets:?}\n"));
    }
    for g in ["prod", "asg"] {
        let info = engine
            .get_deployment_group(
                now,
                &store,
                GetDeploymentGroupInput {
                    application_name: Some("app".into()),
                    deployment_group_name: Some(g.into()),
                },
            )
            .expect("group");
        out.push_str(&format!("{info:?}\n"));
    }
    let snapshot = store.load().expect("load");
    out.push_str(&format!("{:?}\n{:?}\n", engine.host_ids(), snapshot.hosts));
    out
}

#[test]
fn restarting_at_every_step_changes_nothing_for_blue_green() {
    let straight = bg_run(false);
    for expected in [
        "status: Some(Succeeded)",
        "status: Some(Failed)",
        "creator: Some(CodeDeployRollback)",
        "instance_label: Some(Green)",
        "CodeDeploy_asg_",
    ] {
        assert!(straight.contains(expected), "{expected} in {straight}");
    }
    assert_eq!(straight, bg_run(true));
}

// ---- more edges ----------------------------------------------------------------

#[test]
fn a_stopped_instance_fails_even_when_application_stop_failures_are_ignored() {
    // ApplicationStop (green) and BeforeBlockTraffic (blue) are the hooks
    // ignoreApplicationStopFailures forgives; a stopped instance never runs
    // them at all, and stopped instances count as failures (§8.2 rule 5).
    let (green, blue) = (host('a', 1), host('b', 1));
    let mut sim = server_sim(&fleet(
        2,
        2,
        0,
        &[
            (green.as_str(), "", "state = \"stopped\""),
            (blue.as_str(), "", "fail = \"BeforeBlockTraffic\""),
        ],
    ));
    discover_group(
        &mut sim,
        "CodeDeployDefault.AllAtOnce",
        (InstanceAction::KeepAlive, 0),
    );
    let d = sim
        .deploy("app", "prod", "v1.zip", |d| {
            d.target_instances = Some(discover("green"));
            d.ignore_application_stop_failures = Some(true);
        })
        .unwrap();
    let t0 = sim.now;
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    let ts = by_host(&mut sim, &d);
    assert_eq!(ts[&green].status, Some(TargetStatus::Failed));
    let st = event_statuses(&ts[&green]);
    assert_eq!(
        st[0],
        ("ApplicationStop".into(), LifecycleEventStatus::Failed)
    );
    assert!(st[1..]
        .iter()
        .all(|(_, s)| *s == LifecycleEventStatus::Skipped));
    // Install waited five minutes for the stopped instance.
    assert_eq!(
        span(&ts[&host('a', 2)], "BeforeAllowTraffic", t0).0,
        5 * MIN
    );
    // The original's broken BeforeBlockTraffic script is forgiven.
    assert_eq!(ts[&blue].status, Some(TargetStatus::Succeeded));
    let st = event_statuses(&ts[&blue]);
    assert_eq!(
        st[0],
        ("BeforeBlockTraffic".into(), LifecycleEventStatus::Failed)
    );
    assert_eq!(
        st[1],
        ("BlockTraffic".into(), LifecycleEventStatus::Succeeded)
    );
}

#[test]
fn an_alarm_while_rerouting_stops_and_rolls_back() {
    let mut sim = server_sim(&fleet(2, 2, 2, &[]));
    bg_group(
        &mut sim,
        "prod",
        "CodeDeployDefault.OneAtATime",
        bg_config(
            GreenFleetProvisioningAction::DiscoverExisting,
            None,
            (InstanceAction::Terminate, 0),
        ),
        |g| {
            g.auto_rollback_configuration = Some(AutoRollbackConfiguration {
                enabled: Some(true),
                events: Some(vec![AutoRollbackEvent::DeploymentStopOnAlarm]),
            });
            g.alarm_configuration = Some(AlarmConfiguration {
                enabled: Some(true),
                ignore_poll_alarm_failure: Some(false),
                alarms: Some(vec![Alarm {
                    name: Some("Errors".into()),
                }]),
            });
        },
    );
    let d1 = deploy_to(&mut sim, "v1.zip", "green");
    sim.run();
    assert_eq!(sim.status(&d1), DeploymentStatus::Succeeded);
    let d2 = deploy_to(&mut sim, "v2.zip", "spare");
    let t0 = sim.now;
    // During the second spare's rerouting (the first finished at 34 s).
    let t = t0 + INSTALL + REROUTE + 3 * SEC;
    at(&mut sim, t);
    sim.call(|e, now, _| e.set_alarm(now, "Errors", codedeck::state::AlarmState::Alarm))
        .expect("alarm");
    sim.call(|e, now, _| e.set_alarm(now, "Errors", codedeck::state::AlarmState::Ok))
        .expect("alarm off");
    sim.run();
    let info = sim.info(&d2);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(error_code(&info), Some(ErrorCode::AlarmActive));
    // AllowTraffic of the second spare ends at 24 + 10 + 8 s.
    assert_eq!(
        info.complete_time,
        Some(Timestamp(t0 + INSTALL + REROUTE + 8 * SEC))
    );
    let ts = by_host(&mut sim, &d2);
    assert_eq!(ts[&host('c', 1)].status, Some(TargetStatus::Succeeded));
    assert_eq!(ts[&host('c', 2)].status, Some(TargetStatus::Failed));
    let rb = rollback_of(&mut sim, &d2);
    let info = sim.info(&rb);
    assert_eq!(info.status, Some(DeploymentStatus::Succeeded));
    let ts = by_host(&mut sim, &rb);
    for a in hosts('a', 2) {
        assert_eq!(label(&ts[&a]), TargetLabel::Blue);
        assert_eq!(event_names(&ts[&a]), names(&ALLOW_EVENTS));
    }
    for c in hosts('c', 2) {
        assert_eq!(label(&ts[&c]), TargetLabel::Green);
        assert_eq!(event_names(&ts[&c]), names(&BLUE_EVENTS));
    }
}

#[test]
fn target_instances_by_auto_scaling_group() {
    let mut sim = server_sim(&fleet(2, 0, 2, &[]));
    discover_group(
        &mut sim,
        "CodeDeployDefault.AllAtOnce",
        (InstanceAction::Terminate, 0),
    );
    // An Auto Scaling group that does not exist is refused when the deployment
    // is created (#22; the start-time check is for a world changed since).
    let missing = sim
        .deploy("app", "prod", "v1.zip", |d| {
            d.target_instances = Some(TargetInstances {
                auto_scaling_groups: Some(vec!["nope-asg".into()]),
                ..Default::default()
            })
        })
        .unwrap_err();
    assert_eq!(missing.exception, Exception::InvalidAutoScalingGroup);

    let asg_hosts: Vec<String> = sim
        .engine
        .host_ids()
        .into_iter()
        .filter(|h| !h.starts_with("i-0000000000000"))
        .collect();
    assert_eq!(asg_hosts.len(), 3);
    let d = sim
        .deploy("app", "prod", "v1.zip", |d| {
            d.target_instances = Some(TargetInstances {
                auto_scaling_groups: Some(vec!["web-asg".into()]),
                ..Default::default()
            })
        })
        .unwrap();
    sim.run();
    assert_eq!(sim.status(&d), DeploymentStatus::Succeeded);
    let green: Vec<String> = by_host(&mut sim, &d)
        .into_iter()
        .filter(|(_, t)| label(t) == TargetLabel::Green)
        .map(|(h, _)| h)
        .collect();
    assert_eq!(green, sorted(asg_hosts.clone()));
    // An ec2TagSet that matches nothing finds no replacement: refused at
    // create time, whether a tag is applied nowhere or no instance carries
    // every group's tag (#22).
    for groups in [
        vec![vec![tag_filter("fleet", "nothing")]],
        vec![
            vec![tag_filter("fleet", "spare")],
            vec![tag_filter("Name", "web")],
        ],
    ] {
        let refused = sim
            .deploy("app", "prod", "v2.zip", |d| {
                d.target_instances = Some(TargetInstances {
                    ec2_tag_set: Some(EC2TagSet {
                        ec2_tag_set_list: Some(groups),
                    }),
                    ..Default::default()
                })
            })
            .unwrap_err();
        assert_eq!(refused.exception, Exception::InvalidTargetInstances);
    }
    // The Auto Scaling instances joined the group although it selects by tag
    // only: they are the originals of the next deployment.
    let d3 = sim
        .deploy("app", "prod", "v3.zip", |d| {
            d.target_instances = Some(TargetInstances {
                ec2_tag_set: Some(EC2TagSet {
                    ec2_tag_set_list: Some(vec![
                        vec![tag_filter("fleet", "spare")],
                        vec![tag_filter("Name", "web-spare")],
                    ]),
                }),
                ..Default::default()
            })
        })
        .unwrap();
    sim.run();
    assert_eq!(sim.status(&d3), DeploymentStatus::Succeeded);
    let ts = by_host(&mut sim, &d3);
    let blue: Vec<String> = ts
        .iter()
        .filter(|(_, t)| label(t) == TargetLabel::Blue)
        .map(|(h, _)| h.clone())
        .collect();
    assert_eq!(blue, sorted(asg_hosts));
    assert_eq!(ts.len(), 5);
}

#[test]
fn copying_an_auto_scaling_group_counts_only_running_instances() {
    let toml = "[defaults]\njitter = 0.0\n[[auto_scaling_group]]\nname = \"web-asg\"\ncapacity = 2\nstate = \"stopped\"\n";
    let mut sim = server_sim(toml);
    bg_group(
        &mut sim,
        "prod",
        "CodeDeployDefault.AllAtOnce",
        bg_config(
            GreenFleetProvisioningAction::CopyAutoScalingGroup,
            None,
            (InstanceAction::Terminate, 0),
        ),
        |_| {},
    );
    let d = sim.deploy("app", "prod", "v1.zip", |_| {}).unwrap();
    sim.run();
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(error_code(&info), Some(ErrorCode::NoInstances));
    assert_eq!(sim.engine.host_ids().len(), 2, "nothing launched");
}

#[test]
fn a_failure_before_any_instance_was_touched_rolls_back_to_the_group() {
    // The replacements named are the group's instances already: the start
    // finds no originals (a targetInstances that finds nothing is refused
    // before it starts, #22).
    let mut sim = after_first_success(&[]);
    let d2 = deploy_to(&mut sim, "v2.zip", "green");
    sim.run();
    let info = sim.info(&d2);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(error_code(&info), Some(ErrorCode::NoInstances));
    assert!(sim.targets(&d2).is_empty());
    // Traffic never left the group's instances; the rollback routes it to them
    // (again) and has nothing to block.
    let rb = rollback_of(&mut sim, &d2);
    assert_swapped(&mut sim, &rb, &hosts('a', 3), &[]);
}

#[test]
fn stopping_while_ready_ends_at_once() {
    let (mut sim, d) = ready_sim(30, 0);
    let t = sim.now + INSTALL + MIN;
    at(&mut sim, t);
    assert_eq!(sim.status(&d), DeploymentStatus::Ready);
    let out = stop(&mut sim, &d, None);
    assert_eq!(
        out.status,
        Some(StopStatus::Succeeded),
        "nothing was running"
    );
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    assert_eq!(error_code(&info), Some(ErrorCode::ManualStop));
    assert_eq!(info.complete_time, Some(Timestamp(t)));
    assert_eq!(overview(&info), (0, 0, 0, 0, 2, 2));
    // The ready wait's timer went with the deployment: nothing is left to step to.
    assert_eq!(sim.engine.next_due(), None);
    sim.run();
    assert_eq!(sim.info(&d).complete_time, Some(Timestamp(t)));
    assert_eq!(sim.now, t, "stepping found nothing to do");
    assert_eq!(world(&sim).len(), 4);
}

#[test]
fn stop_and_roll_back_during_the_termination_wait_routes_traffic_back() {
    let mut sim = server_sim(&fleet(2, 2, 2, &[]));
    bg_group(
        &mut sim,
        "prod",
        "CodeDeployDefault.AllAtOnce",
        bg_config(
            GreenFleetProvisioningAction::DiscoverExisting,
            None,
            (InstanceAction::Terminate, 60),
        ),
        |g| g.auto_rollback_configuration = Some(rollback_config()),
    );
    let d1 = deploy_to(&mut sim, "v1.zip", "green");
    let t = sim.now + INSTALL + REROUTE + BLOCK;
    at(&mut sim, t);
    assert_eq!(
        sim.status(&d1),
        DeploymentStatus::InProgress,
        "waiting to terminate"
    );
    assert_eq!(skip_wait(&mut sim, &d1), Ok(()));
    assert_eq!(sim.status(&d1), DeploymentStatus::Succeeded);
    // The a hosts serve v1; the next deployment moves traffic to the spares.
    let d2 = deploy_to(&mut sim, "v2.zip", "spare");
    let t0 = sim.now;
    let waiting = t0 + INSTALL + REROUTE + BLOCK;
    at(&mut sim, waiting + MIN);
    assert_eq!(
        sim.info(&d2).instance_termination_wait_time_started,
        Some(true)
    );
    let out = stop(&mut sim, &d2, Some(true));
    assert_eq!(out.status, Some(StopStatus::Succeeded));
    let info = sim.info(&d2);
    assert_eq!(info.status, Some(DeploymentStatus::Stopped));
    let rb = rollback_of(&mut sim, &d2);
    sim.run();
    let rinfo = sim.info(&rb);
    assert_eq!(rinfo.status, Some(DeploymentStatus::Succeeded));
    let ts = by_host(&mut sim, &rb);
    for a in hosts('a', 2) {
        assert_eq!(label(&ts[&a]), TargetLabel::Blue);
        assert_eq!(event_names(&ts[&a]), names(&ALLOW_EVENTS));
    }
    for c in hosts('c', 2) {
        assert_eq!(label(&ts[&c]), TargetLabel::Green);
        assert_eq!(event_names(&ts[&c]), names(&BLUE_EVENTS));
    }
    // Nobody was terminated: the originals serve again, still in the group.
    assert_eq!(
        sorted(world(&sim)),
        sorted([hosts('a', 2), hosts('c', 2)].concat())
    );
    let d3 = deploy_to(&mut sim, "v3.zip", "spare");
    sim.tick(1);
    let blue: Vec<String> = by_host(&mut sim, &d3)
        .into_iter()
        .filter(|(_, t)| label(t) == TargetLabel::Blue)
        .map(|(h, _)| h)
        .collect();
    assert_eq!(blue, hosts('a', 2));
}

/// Four replacements under HalfAtATime (minimum 2 healthy) waiting Ready,
/// `failing` of them failing Install.
fn ready_after_failed_installs(failing: usize) -> (Sim, String) {
    let bad: Vec<String> = hosts('a', 4).into_iter().take(failing).collect();
    let extra: Vec<(&str, &str, &str)> = bad
        .iter()
        .map(|h| (h.as_str(), "", "fail = \"Install\""))
        .collect();
    let mut sim = server_sim(&fleet(2, 4, 0, &extra));
    bg_group(
        &mut sim,
        "prod",
        "CodeDeployDefault.HalfAtATime",
        bg_config(
            GreenFleetProvisioningAction::DiscoverExisting,
            Some((DeploymentReadyAction::StopDeployment, 60)),
            (InstanceAction::Terminate, 0),
        ),
        |_| {},
    );
    let d = deploy_to(&mut sim, "v1.zip", "green");
    let t0 = sim.now;
    at(&mut sim, t0 + INSTALL + SEC);
    (sim, d)
}

/// Installation must leave at least the minimum healthy replacements: with
/// fewer the deployment fails as installation ends, before it waits Ready;
/// exactly the minimum is enough to wait Ready.
#[test]
fn too_few_installed_replacements_fail_before_the_ready_wait() {
    let (mut sim, d) = ready_after_failed_installs(3);
    let info = sim.info(&d);
    assert_eq!(
        info.status,
        Some(DeploymentStatus::Failed),
        "1 installed < 2"
    );
    assert_eq!(error_code(&info), Some(ErrorCode::HealthConstraints));

    let (mut sim, d) = ready_after_failed_installs(2);
    assert_eq!(sim.status(&d), DeploymentStatus::Ready, "2 installed = 2");
}

/// AllAtOnce needs no healthy minimum, but a reroute where every replacement
/// failed to take traffic still fails.
#[test]
fn all_at_once_fails_when_no_replacement_took_traffic() {
    let bad = hosts('a', 4);
    let extra: Vec<(&str, &str, &str)> = bad
        .iter()
        .map(|h| (h.as_str(), "", "fail = \"AllowTraffic\""))
        .collect();
    let (mut sim, d, most) = reroute_run("CodeDeployDefault.AllAtOnce", &extra);
    assert_eq!(most, 4);
    let info = sim.info(&d);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(error_code(&info), Some(ErrorCode::HealthConstraints));
    assert_eq!(world(&sim).len(), 8, "nothing terminated");
}

/// A replacement that failed to take traffic counts against the instances
/// that may be out at once: under HalfAtATime (2 of 4) the rest reroute one
/// at a time after it.
#[test]
fn a_failed_reroute_narrows_the_batches_that_follow() {
    let bad = host('a', 1);
    let extra = [(bad.as_str(), "", "fail = \"AllowTraffic\"")];
    let (mut sim, d, most) = reroute_run("CodeDeployDefault.HalfAtATime", &extra);
    assert_eq!(most, 2, "the first batch; then one at a time");
    let t0 = sim.info(&d).start_time.unwrap().0;
    let ts = by_host(&mut sim, &d);
    assert_eq!(
        span(&ts[&host('a', 3)], "BeforeAllowTraffic", t0).0,
        INSTALL + REROUTE
    );
    assert_eq!(
        span(&ts[&host('a', 4)], "BeforeAllowTraffic", t0).0,
        INSTALL + 2 * REROUTE
    );
    assert_eq!(
        sim.status(&d),
        DeploymentStatus::Succeeded,
        "3 of 4 took traffic"
    );
}
