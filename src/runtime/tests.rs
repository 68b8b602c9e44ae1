//! The runtime's own tests: opening and closing, and what reads may and may
//! not wait for while a step commits (through the writer's commit hook).

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::*;
use crate::model::labels::parse_revision;
use crate::model::{
    ComputePlatform, CreateApplicationInput, CreateDeploymentGroupInput, CreateDeploymentInput,
    DeploymentStatus, EC2TagFilter, EC2TagFilterType, GetDeploymentInput, ListDeploymentsInput,
};
use crate::state::Change;

/// How long a test waits for a read that must not be blocked before calling
/// it blocked: a guard against hanging, far above any read's duration.
const BLOCKED: Duration = Duration::from_secs(60);

#[test]
fn memory_runtime_opens_and_shuts_down() {
    let rt = Runtime::open(RuntimeOptions::memory(10.0)).expect("open");
    let before = rt.clock_state();
    assert!(!before.paused);
    rt.pause(true);
    let a = rt.clock_state().now;
    let b = rt.clock_state().now;
    assert_eq!(a, b, "paused clock does not move");
    rt.shutdown().expect("shutdown");
    let r = rt.read(|_, _, _| Ok(()));
    assert_eq!(r.map_err(|e| e.exception), Err(Exception::InternalFailure));
}

#[test]
fn state_file_is_single_owner_and_released_on_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let opts = RuntimeOptions {
        state: StateLocation::Path(path.clone()),
        seed: 7,
        fleet: None,
        speed: 1.0,
        strict: false,
        clock: ClockStart::Wall,
        agent: AgentOptions::default(),
    };
    let first = Runtime::open(opts.clone()).expect("open");
    let second = Runtime::open(opts.clone());
    let msg = format!("{:#}", second.expect_err("second open must fail"));
    assert!(msg.contains(&std::process::id().to_string()), "{msg}");
    first.shutdown().expect("shutdown");
    let reopened = Runtime::open(RuntimeOptions { seed: 99, ..opts }).expect("reopen");
    assert_eq!(
        reopened.read(|e, _, _| Ok(e.seed())).expect("read"),
        7,
        "the seed is persisted"
    );
}

#[test]
fn virtual_time_never_goes_backwards_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let opts = RuntimeOptions {
        state: StateLocation::Path(path),
        seed: 1,
        fleet: None,
        speed: 1000.0,
        strict: false,
        clock: ClockStart::Wall,
        agent: AgentOptions::default(),
    };
    let rt = Runtime::open(opts.clone()).expect("open");
    std::thread::sleep(std::time::Duration::from_millis(5));
    rt.tick();
    let reached = rt.read(|e, _, _| Ok(e.now())).expect("read");
    drop(rt);
    let rt = Runtime::open(RuntimeOptions { speed: 1.0, ..opts }).expect("reopen");
    assert!(rt.clock_state().now >= reached);
}

fn file_options(path: &Path) -> RuntimeOptions {
    RuntimeOptions {
        state: StateLocation::Path(path.to_path_buf()),
        ..RuntimeOptions::fixed(1_700_000_000_000)
    }
}

/// Application `app` with group `g`, whose tag matches no instance: a
/// deployment there fails in its first steps (cheap history).
fn app_and_group(rt: &Runtime) {
    rt.write("test", |e, now, ar| {
        e.create_application(
            now,
            ar,
            CreateApplicationInput {
                application_name: Some("app".into()),
                compute_platform: Some(ComputePlatform::Server),
                tags: None,
            },
        )?;
        e.create_deployment_group(
            now,
            ar,
            CreateDeploymentGroupInput {
                application_name: Some("app".into()),
                deployment_group_name: Some("g".into()),
                service_role_arn: Some("arn:aws:iam::000000000000:role/r".into()),
                ec2_tag_filters: Some(vec![EC2TagFilter {
                    key: Some("Name".into()),
                    value: Some("nothing".into()),
                    r#type: Some(EC2TagFilterType::KeyAndValue),
                }]),
                ..Default::default()
            },
        )
        .map(drop)
    })
    .expect("app and group");
}

fn create_deployment(rt: &Runtime) -> ApiResult<String> {
    rt.write("CreateDeployment", |e, now, ar| {
        let out = e.create_deployment(
            now,
            ar,
            CreateDeploymentInput {
                application_name: Some("app".into()),
                deployment_group_name: Some("g".into()),
                revision: parse_revision("b/app.zip"),
                ..Default::default()
            },
        )?;
        Ok(out.deployment_id.unwrap_or_default())
    })
}

fn status(rt: &Runtime, id: &str) -> ApiResult<Option<DeploymentStatus>> {
    rt.read(|e, now, ar| {
        let input = GetDeploymentInput {
            deployment_id: Some(id.to_string()),
        };
        Ok(e.get_deployment(now, ar, input)?
            .deployment_info
            .and_then(|i| i.status))
    })
}

fn listed(rt: &Runtime) -> ApiResult<usize> {
    rt.read(|e, now, ar| {
        let input = ListDeploymentsInput {
            application_name: Some("app".into()),
            deployment_group_name: Some("g".into()),
            ..Default::default()
        };
        Ok(e.list_deployments(now, ar, input)?
            .deployments
            .map_or(0, |d| d.len()))
    })
}

/// Steps until nothing is running.
fn settle(rt: &Runtime) {
    for _ in 0..1000 {
        let running = rt.read(|e, _, _| Ok(e.has_active())).expect("read");
        if !running || rt.step().is_none() {
            return;
        }
    }
    panic!("deployments still running after 1000 steps");
}

/// Makes the next commit whose batch `holds` wait: `entered` hears when it
/// starts waiting, and it goes on once the returned sender is dropped or sent to.
fn hold_commit(
    rt: &Runtime,
    holds: impl Fn(&[Change]) -> bool + Send + 'static,
) -> (mpsc::Receiver<()>, mpsc::Sender<()>) {
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let mut armed = true;
    lock(&rt.inner.writer).before_commit = Some(Box::new(move |changes| {
        if armed && holds(changes) {
            armed = false;
            let _ = entered_tx.send(());
            let _ = release_rx.recv();
        }
        Ok(())
    }));
    (entered, release)
}

/// Runs `f` on another thread; its answer, or `None` if it is still waiting
/// after [`BLOCKED`].
fn unblocked<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(BLOCKED).ok()
}

#[test]
fn reads_do_not_wait_for_each_other() {
    let rt = Runtime::open(RuntimeOptions::fixed(1_700_000_000_000)).expect("open");
    app_and_group(&rt);
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let holder = {
        let rt = rt.clone();
        thread::spawn(move || {
            rt.read(|_, _, _| {
                let _ = entered_tx.send(());
                let _ = release_rx.recv();
                Ok(())
            })
        })
    };
    entered.recv().expect("the first read started");
    let rt2 = rt.clone();
    let second = unblocked(move || (listed(&rt2), rt2.clock_state().now));
    drop(release);
    holder
        .join()
        .expect("first read")
        .expect("first read answered");
    let (n, _) = second.expect("a read waited for another read to finish");
    assert_eq!(n.expect("list"), 0);
}

#[test]
fn reads_go_on_while_a_commit_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = Runtime::open(file_options(&dir.path().join("state.db"))).expect("open");
    app_and_group(&rt);
    let first = create_deployment(&rt).expect("create");
    settle(&rt);
    assert_eq!(status(&rt, &first), Ok(Some(DeploymentStatus::Failed)));

    let (entered, release) = hold_commit(&rt, |_| true);
    let writer = {
        let rt = rt.clone();
        thread::spawn(move || create_deployment(&rt))
    };
    entered.recv().expect("the write reached its commit");
    let rt2 = rt.clone();
    let id = first.clone();
    // A finished deployment (the cache), a listing (the archive, through a
    // read-only connection) and the clock, all while the commit is held.
    let seen = unblocked(move || (status(&rt2, &id), listed(&rt2), rt2.clock_state()));
    drop(release);
    let second = writer.join().expect("writer").expect("the write answered");
    let (first_status, count, _) = seen.expect("a read waited for the commit");
    assert_eq!(first_status, Ok(Some(DeploymentStatus::Failed)));
    // The listing comes from the last commit: the new deployment is not in it yet.
    assert_eq!(count, Ok(1));
    assert_eq!(listed(&rt), Ok(2), "{second} is listed once committed");
}

/// The step that finishes a deployment drops it from the engine's memory;
/// until its commit lands, reads find the last committed version of it, never
/// nothing.
#[test]
fn a_deployment_finishing_in_a_held_commit_reads_as_last_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = Runtime::open(file_options(&dir.path().join("state.db"))).expect("open");
    app_and_group(&rt);
    let id = create_deployment(&rt).expect("create");
    let before = status(&rt, &id).expect("status").expect("a status");
    assert_ne!(before, DeploymentStatus::Failed);
    let finished = id.clone();
    let (entered, release) = hold_commit(&rt, move |changes| {
        changes
            .iter()
            .any(|c| matches!(c, Change::Deployment(d) if d.id() == finished && d.run.is_none()))
    });
    let stepper = {
        let rt = rt.clone();
        thread::spawn(move || settle(&rt))
    };
    entered
        .recv()
        .expect("the finishing step reached its commit");
    let rt2 = rt.clone();
    let id2 = id.clone();
    let during = unblocked(move || {
        let gone = rt2.read(|e, _, _| Ok(!e.has_active())).expect("read");
        (gone, status(&rt2, &id2))
    });
    drop(release);
    stepper.join().expect("stepper");
    let (gone, during) = during.expect("a read waited for the commit");
    assert!(gone, "the engine no longer holds the deployment");
    let during = during
        .expect("the deployment is still found")
        .expect("a status");
    assert_ne!(during, DeploymentStatus::Failed, "not committed yet");
    assert_eq!(status(&rt, &id), Ok(Some(DeploymentStatus::Failed)));
}

/// A write whose commit fails answers InternalFailure; what it changed stays
/// and is saved by the next step's commit.
#[test]
fn a_failed_commit_answers_internal_failure_and_is_retried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    let rt = Runtime::open(file_options(&path)).expect("open");
    let mut fail = true;
    lock(&rt.inner.writer).before_commit = Some(Box::new(move |_| {
        if std::mem::take(&mut fail) {
            return Err("disk full".into());
        }
        Ok(())
    }));
    let app = |rt: &Runtime| {
        rt.write("CreateApplication", |e, now, ar| {
            e.create_application(
                now,
                ar,
                CreateApplicationInput {
                    application_name: Some("kept".into()),
                    compute_platform: Some(ComputePlatform::Server),
                    tags: None,
                },
            )
        })
    };
    let failed = app(&rt).expect_err("the commit failed");
    assert_eq!(failed.exception, Exception::InternalFailure);
    assert!(
        failed.message.contains("CreateApplication"),
        "{}",
        failed.message
    );
    rt.tick();
    rt.shutdown().expect("nothing left unsaved");
    let reopened = Runtime::open(file_options(&path)).expect("reopen");
    let found = reopened.read(|e, _, _| Ok(e.application("kept").is_some()));
    assert_eq!(found, Ok(true), "the retried commit saved the application");
}
