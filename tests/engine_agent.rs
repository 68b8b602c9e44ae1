//! Local hosts at the engine's level: their events go out as orders (no
//! timers), come back as reports, and then follow the same rules as
//! simulated events — batching, failures, ignoreApplicationStopFailures,
//! rollback, and the agent-restart failure. The test plays the agent.

mod common;

use codedeck::engine::agent_events::{EventOrder, EventReport};
use codedeck::model::rules::AGENT_RESTART_MESSAGE;
use codedeck::model::*;
use common::*;

/// `n` hosts tagged Name=web; those in `local` run for real.
fn fleet(n: usize, local: &[usize]) -> String {
    web_fleet(n, |i| {
        if local.contains(&i) {
            "local = true".into()
        } else {
            String::new()
        }
    })
}

fn report(order: &EventOrder, ok: bool) -> EventReport {
    let diagnostics = if ok {
        Diagnostics {
            error_code: Some(LifecycleErrorCode::Success),
            script_name: Some(String::new()),
            message: Some("Succeeded".into()),
            log_tail: Some(String::new()),
        }
    } else {
        Diagnostics {
            error_code: Some(LifecycleErrorCode::ScriptFailed),
            script_name: Some("scripts/validate.sh".into()),
            message: Some(
                "Script at specified location: scripts/validate.sh failed with exit code 1".into(),
            ),
            log_tail: Some("[stdout]checking\n[stderr]health check failed\n".into()),
        }
    };
    EventReport {
        deployment_id: order.deployment_id.clone(),
        index: order.index,
        event: order.event,
        succeeded: ok,
        diagnostics,
        scripts_log: Some(format!("/hosts/{}/scripts.log", order.host)),
    }
}

/// Plays every host's agent until nothing is left: timers run, orders are
/// answered (failing the events `fail` names); the orders seen, in order.
fn play(sim: &mut Sim, fail: &[(&str, &str)]) -> Vec<EventOrder> {
    let mut seen = Vec::new();
    for _ in 0..10_000 {
        let orders = sim.engine.take_orders();
        if orders.is_empty() {
            let Some(due) = sim.engine.next_due() else {
                return seen;
            };
            sim.now = sim.now.max(due);
            sim.tick(0);
            continue;
        }
        for order in orders {
            let bad = fail
                .iter()
                .any(|(host, event)| order.host == *host && order.event == *event);
            sim.now += 1_000;
            sim.call(|e, now, _| e.agent_event_done(now, report(&order, !bad)))
                .expect("the event waits for its agent");
            seen.push(order);
        }
    }
    panic!("the deployment never settled");
}

const HOST1: &str = "i-00000000000000001";

#[test]
fn a_local_hosts_events_go_out_as_orders_in_lifecycle_order() {
    let mut sim = Sim::new(&fleet(2, &[0]));
    sim.app("shop", "Server");
    sim.web_group("shop", "web", Some("CodeDeployDefault.AllAtOnce"));
    let id = sim.deploy("shop", "web", "v1.zip", |_| {}).expect("deploy");
    let orders = play(&mut sim, &[]);
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
    assert!(
        orders.iter().all(|o| o.host == HOST1),
        "only the local host"
    );
    let events: Vec<&str> = orders.iter().map(|o| o.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "ApplicationStop",
            "DownloadBundle",
            "BeforeInstall",
            "Install",
            "AfterInstall",
            "ApplicationStart",
            "ValidateService"
        ]
    );
    let o = &orders[1];
    assert_eq!(o.deployment_id, id);
    assert_eq!(
        (
            o.application_name.as_str(),
            o.deployment_group_name.as_str()
        ),
        ("shop", "web")
    );
    assert!(o
        .revision
        .as_ref()
        .and_then(|r| r.s3_location.as_ref())
        .is_some());
    assert!(
        o.deployment_group_id.len() > 10,
        "{}",
        o.deployment_group_id
    );
    // Both hosts ended, the simulated one on its timers.
    assert_eq!(statuses(&sim.targets(&id)), ["Succeeded", "Succeeded"]);
}

#[test]
fn a_failed_report_fails_the_host_with_the_agents_diagnostics() {
    let mut sim = Sim::new(&fleet(2, &[0, 1]));
    sim.app("shop", "Server");
    sim.web_group("shop", "web", Some("CodeDeployDefault.OneAtATime"));
    let id = sim.deploy("shop", "web", "v1.zip", |_| {}).expect("deploy");
    let orders = play(&mut sim, &[(HOST1, "ValidateService")]);
    assert_eq!(sim.status(&id), DeploymentStatus::Failed);
    // OneAtATime: the first host failed, the second never started.
    assert!(orders.iter().all(|o| o.host == HOST1), "{orders:?}");
    let targets = sim.targets(&id);
    let failed = targets
        .iter()
        .find(|t| t.status == Some(TargetStatus::Failed))
        .expect("a failed host");
    let ev = failed
        .lifecycle_events
        .iter()
        .flatten()
        .find(|e| e.lifecycle_event_name.as_deref() == Some("ValidateService"))
        .expect("ValidateService");
    let d = ev.diagnostics.clone().expect("diagnostics");
    assert_eq!(d.error_code, Some(LifecycleErrorCode::ScriptFailed));
    assert_eq!(d.script_name.as_deref(), Some("scripts/validate.sh"));
    assert!(d
        .log_tail
        .unwrap_or_default()
        .contains("health check failed"));
}

#[test]
fn ignore_application_stop_failures_forgives_a_local_hosts_stop_script() {
    let mut sim = Sim::new(&fleet(1, &[0]));
    sim.app("shop", "Server");
    sim.web_group("shop", "web", None);
    let id = sim
        .deploy("shop", "web", "v1.zip", |d| {
            d.ignore_application_stop_failures = Some(true)
        })
        .expect("deploy");
    play(&mut sim, &[(HOST1, "ApplicationStop")]);
    assert_eq!(sim.status(&id), DeploymentStatus::Succeeded);
    let again = sim.deploy("shop", "web", "v2.zip", |_| {}).expect("deploy");
    play(&mut sim, &[(HOST1, "ApplicationStop")]);
    assert_eq!(
        sim.status(&again),
        DeploymentStatus::Failed,
        "without the flag a failed stop script fails the host"
    );
}

#[test]
fn after_a_restart_a_running_event_fails_and_the_deployment_goes_on() {
    let mut sim = Sim::new(&fleet(2, &[0, 1]));
    sim.app("shop", "Server");
    sim.web_group("shop", "web", Some("CodeDeployDefault.AllAtOnce"));
    let id = sim.deploy("shop", "web", "v1.zip", |_| {}).expect("deploy");
    sim.tick(0);
    let orders = sim.engine.take_orders();
    assert_eq!(orders.len(), 2, "both hosts start ApplicationStop");
    // The process died: nobody answers these orders. On restart:
    let failed = sim
        .call(|e, now, _| Ok(e.fail_interrupted_agent_events(now)))
        .expect("restart");
    assert_eq!(failed, 2);
    play(&mut sim, &[]);
    assert_eq!(sim.status(&id), DeploymentStatus::Failed);
    for t in sim.targets(&id) {
        let first = t
            .lifecycle_events
            .iter()
            .flatten()
            .next()
            .cloned()
            .expect("event");
        let d = first.diagnostics.expect("diagnostics");
        assert_eq!(d.message.as_deref(), Some(AGENT_RESTART_MESSAGE));
        assert_eq!(d.error_code, Some(LifecycleErrorCode::UnknownError));
    }
    // A late report for an event nothing waits for is refused.
    let late = sim.call(|e, now, _| e.agent_event_done(now, report(&orders[0], true)));
    assert!(late.is_err());
}

#[test]
fn a_local_host_cannot_be_broken_from_the_dashboard() {
    let mut sim = Sim::new(&fleet(1, &[0]));
    let r = sim.call(|e, now, _| e.break_host(now, HOST1, codedeck::state::FaultKind::Fail));
    let e = r.expect_err("refused");
    assert!(e.message.contains("local host"), "{}", e.message);
}

#[test]
fn fleet_files_say_what_a_local_host_can_be() {
    use codedeck::state::fleet::Fleet;
    let with_fault = "[[instance]]\nid = \"i-1\"\nlocal = true\nfail = \"Install\"\n";
    let e = Fleet::parse(with_fault).expect_err("a local host with a fault");
    assert!(e.to_string().contains("break a script"), "{e}");
    let root_only = "[[instance]]\nid = \"i-1\"\nroot = \"/tmp/x\"\n";
    let e = Fleet::parse(root_only).expect_err("root without local");
    assert!(e.to_string().contains("local = true"), "{e}");
    let sys = "[[instance]]\nid = \"i-1\"\ninstall_to_system = true\n";
    assert!(
        Fleet::parse(sys).is_err(),
        "install_to_system without local"
    );
    let ok = "s3_root = \"/srv/s3\"\n[[instance]]\nid = \"i-1\"\nlocal = true\nroot = \"/tmp/x\"\n";
    let f = Fleet::parse(ok).expect("valid");
    assert_eq!(f.s3_root.as_deref(), Some("/srv/s3"));
    assert_eq!(f.hosts()[0].root.as_deref(), Some("/tmp/x"));
}

/// The 8-hour in-place deadline passes (in virtual time) while a local host
/// runs an event in real time: the deployment times out when that agent
/// reports, and nothing more is ordered.
#[test]
fn the_deadline_waits_for_a_running_agent() {
    let mut sim = Sim::new(&fleet(1, &[0]));
    sim.app("shop", "Server");
    sim.web_group("shop", "web", Some("CodeDeployDefault.AllAtOnce"));
    let id = sim.deploy("shop", "web", "v1.zip", |_| {}).expect("deploy");
    let mut order = None;
    for _ in 0..100 {
        sim.tick(1_000);
        order = sim.engine.take_orders().into_iter().next();
        if order.is_some() {
            break;
        }
    }
    let order = order.expect("an order");
    sim.tick(9 * 3_600_000);
    assert_eq!(
        sim.status(&id),
        DeploymentStatus::InProgress,
        "the clock does not cut a running agent short"
    );
    sim.call(|e, now, _| e.agent_event_done(now, report(&order, true)))
        .expect("report");
    let info = sim.info(&id);
    assert_eq!(info.status, Some(DeploymentStatus::Failed));
    assert_eq!(
        info.error_information.and_then(|e| e.code),
        Some(ErrorCode::Timeout)
    );
    assert!(sim.engine.take_orders().is_empty(), "nothing more starts");
}
