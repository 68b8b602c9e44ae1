use super::*;
use crate::watch::fixtures::{detail, event, target};
use LifecycleEventStatus::*;

const T0: Millis = 1_700_000_000_000;

fn plain() -> Style {
    Style {
        json: false,
        color: false,
    }
}

/// A two-host deployment: i-1 succeeded, i-2 failed ValidateService, the
/// deployment failed at T0+60 s.
fn failed() -> Detail {
    let mut d = detail(
        DeploymentStatus::Failed,
        vec![
            event("Install", Succeeded, Some(T0 + 1_000), Some(T0 + 5_000)),
            event(
                "ValidateService",
                Succeeded,
                Some(T0 + 5_000),
                Some(T0 + 9_000),
            ),
        ],
    );
    d.targets[0].status = TargetStatus::Succeeded;
    let mut bad = event(
        "ValidateService",
        Failed,
        Some(T0 + 20_000),
        Some(T0 + 30_000),
    );
    bad.diagnostics = Some(Diagnostics {
        error_code: Some(LifecycleErrorCode::ScriptFailed),
        script_name: Some("scripts/validate.sh".into()),
        message: Some("exit 1".into()),
        log_tail: Some("boom".into()),
    });
    d.targets.push(target(
        "i-2",
        TargetStatus::Failed,
        vec![
            event("Install", Succeeded, Some(T0 + 10_000), Some(T0 + 20_000)),
            bad,
        ],
    ));
    let i = &mut d.info;
    i.create_time = Some(Timestamp(T0));
    i.start_time = Some(Timestamp(T0 + 500));
    i.complete_time = Some(Timestamp(T0 + 60_000));
    i.error_information = Some(ErrorInformation {
        code: Some(ErrorCode::HealthConstraints),
        message: Some("too few healthy".into()),
    });
    d
}

#[test]
fn a_finished_deployment_is_its_whole_history_in_time_order_with_the_result_last() {
    let lines = Transcript::default().lines(&failed());
    let times: Vec<Millis> = lines.iter().map(|l| l.at).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let text: Vec<String> = lines.iter().map(|l| render(l, plain())).collect();
    let last = text.last().expect("lines");
    assert_eq!(
        last,
        "2023-11-14T22:14:20Z d-ABCDEFGHI Failed in 1m00s (HEALTH_CONSTRAINTS): 1 of 2 targets \
         failed, 1 succeeded, first i-2 ValidateService ScriptFailed scripts/validate.sh"
    );
    // Every event transition once: 4 events, each started and ended.
    let events = lines.iter().filter(|l| l.kind == Kind::Event).count();
    assert_eq!(events, 8, "{text:#?}");
    // A target's verdict comes after its events.
    let pos = |f: &dyn Fn(&Line) -> bool| lines.iter().position(f).expect("line");
    let verdict = pos(&|l| l.kind == Kind::Target && l.status.as_deref() == Some("Failed"));
    let failure = pos(&|l| l.kind == Kind::Event && l.status.as_deref() == Some("Failed"));
    assert!(failure < verdict, "{text:#?}");
    assert_eq!(lines[0].status.as_deref(), Some("Created"));
    assert_eq!(lines[0].at, T0);
}

#[test]
fn each_transition_is_printed_once_whatever_reading_shows_it() {
    let mut done = failed();
    let mut early = done.clone();
    early.info.status = Some(DeploymentStatus::InProgress);
    early.info.complete_time = None;
    early.targets.truncate(1);
    early.targets[0].status = TargetStatus::InProgress;
    early.targets[0].events[1] = event("ValidateService", InProgress, Some(T0 + 5_000), None);
    let mut t = Transcript::default();
    let first = t.lines(&early);
    assert!(first.iter().all(|l| l.kind != Kind::Result));
    let second = t.lines(&done);
    let all: Vec<&Line> = first.iter().chain(second.iter()).collect();
    assert!(all.windows(2).all(|w| w[0].at <= w[1].at));
    let started = all
        .iter()
        .filter(|l| {
            l.event.as_deref() == Some("ValidateService") && l.target.as_deref() == Some("i-1")
        })
        .count();
    assert_eq!(started, 2, "InProgress once, Succeeded once");
    assert!(t.lines(&done).is_empty(), "nothing new");
    done.info.deployment_id = None;
    assert_eq!(deployment_id(&done), "-");
}

#[test]
fn skipped_events_without_times_take_the_latest_time_known() {
    let mut d = failed();
    d.targets.push(target(
        "i-3",
        TargetStatus::Skipped,
        vec![event("Install", Skipped, None, None)],
    ));
    let lines = Transcript::default().lines(&d);
    let skipped = lines
        .iter()
        .find(|l| l.target.as_deref() == Some("i-3") && l.kind == Kind::Event)
        .expect("skipped line");
    assert_eq!(skipped.at, T0 + 60_000);
    assert_eq!(lines.last().map(|l| l.kind), Some(Kind::Result));
    assert!(lines
        .last()
        .is_some_and(|l| l.message.contains("1 skipped")));
}

#[test]
fn json_lines_carry_the_reported_time_and_the_result_figures() {
    let lines = Transcript::default().lines(&failed());
    let json = Style {
        json: true,
        ..plain()
    };
    let first: serde_json::Value = serde_json::from_str(&render(&lines[0], json)).expect("json");
    assert_eq!(first["time"], "2023-11-14T22:13:20.000Z");
    assert_eq!(first["kind"], "deployment");
    let last: serde_json::Value =
        serde_json::from_str(&render(lines.last().expect("result"), json)).expect("json");
    assert_eq!(last["kind"], "result");
    assert_eq!(last["outcome"], "failed");
    assert_eq!(last["error_code"], "HEALTH_CONSTRAINTS");
    assert_eq!(last["duration_ms"], 60_000);
    assert_eq!(last["targets"]["failed"], 1);
    assert_eq!(last["first_failure"]["target"], "i-2");
    assert_eq!(last["first_failure"]["script"], "scripts/validate.sh");
    let failure = lines
        .iter()
        .find(|l| l.status.as_deref() == Some("Failed") && l.kind == Kind::Event)
        .expect("failure");
    assert!(render(failure, plain()).contains("\n    | boom"));
    assert!(annotation(lines.last().expect("result")).is_some_and(|a| a.starts_with("::error")));
}
