//! State file benchmarks.
//!
//! * `store/commit_step/{100,100000}`: one typical engine step (a deployment
//!   upsert with its run state, 2 target upserts, 1 event, meta) committed to a
//!   file already holding 100 vs 100,000 finished deployments. Target: within 2x.
//! * `store/cold_start/100000`: `Store::open` + `load` of the 100,000-deployment
//!   file (3 targets each). Target: under 1 s.
//! * After the benchmarks, one cold start runs in a fresh child process (this
//!   binary re-executed with `CODEDECK_STORE_BENCH_COLD_START=<file>`), which
//!   reports its wall time and peak RSS (`VmHWM`). Target: under 100 MB.
//!
//! Run with `cargo bench --bench store`. Without `--bench` (e.g. `cargo test
//! --benches`) the files are smaller so the smoke run stays quick.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use codedeck::model::*;
use codedeck::state::fleet::Fleet;
use codedeck::state::*;
use codedeck::store::Store;
use criterion::{criterion_group, BatchSize, Criterion};

const CHILD_ENV: &str = "CODEDECK_STORE_BENCH_COLD_START";

const EVENTS: [&str; 13] = [
    "BeforeBlockTraffic",
    "BlockTraffic",
    "AfterBlockTraffic",
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

const GROUPS: u64 = 10;
const BASE: i64 = 1_750_000_000_000;

fn group_id(g: u64) -> String {
    format!("5f0c2f3e-0000-4000-8000-{g:012}")
}

fn deployment_id(seq: u64) -> String {
    format!("d-{seq:09}")
}

fn deployment(seq: u64, active: bool) -> DeploymentRecord {
    let t = BASE + seq as i64 * 60_000;
    let info = DeploymentInfo {
        application_name: Some("web-shop".into()),
        deployment_group_name: Some(format!("prod-{}", seq % GROUPS)),
        deployment_config_name: Some("CodeDeployDefault.OneAtATime".into()),
        previous_revision: Some(s3_location(seq.saturating_sub(1))),
        revision: Some(s3_location(seq)),
        status: Some(if active {
            DeploymentStatus::InProgress
        } else {
            DeploymentStatus::Succeeded
        }),
        create_time: Some(Timestamp(t)),
        start_time: Some(Timestamp(t + 1_000)),
        complete_time: (!active).then_some(Timestamp(t + 95_000)),
        deployment_overview: Some(DeploymentOverview {
            pending: Some(if active { 2 } else { 0 }),
            in_progress: Some(if active { 1 } else { 0 }),
            succeeded: Some(if active { 0 } else { 3 }),
            failed: Some(0),
            skipped: Some(0),
            ready: Some(0),
        }),
        description: Some(format!("release {seq} from CI pipeline")),
        creator: Some(DeploymentCreator::User),
        ignore_application_stop_failures: Some(false),
        update_outdated_instances_only: Some(false),
        deployment_style: Some(DeploymentStyle {
            deployment_type: Some(DeploymentType::InPlace),
            deployment_option: Some(DeploymentOption::WithoutTrafficControl),
        }),
        file_exists_behavior: Some(FileExistsBehavior::Disallow),
        ..Default::default()
    };
    let run = active.then(|| RunState {
        start_due: None,
        min_healthy: 2,
        max_down: 1,
        pending: vec![1, 2],
        stop: None,
        deadline: Some(t + 3_600_000),
        deadline_passed: false,
        shift: None,
        blue_green: None,
        zonal: None,
    });
    DeploymentRecord::new(
        deployment_id(seq),
        info,
        seq,
        "3c8e7a51-0000-4000-8000-000000000001".into(),
        group_id(seq % GROUPS),
        run,
    )
}

fn s3_location(seq: u64) -> RevisionLocation {
    RevisionLocation {
        revision_type: Some(RevisionLocationType::S3),
        s3_location: Some(S3Location {
            bucket: Some("my-artifacts-bucket".into()),
            key: Some(format!("web-shop/build-{seq}.zip")),
            bundle_type: Some(BundleType::Zip),
            e_tag: Some(format!("\"{seq:032x}\"")),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn target(seq: u64, index: u32, active: bool) -> TargetRecord {
    let id = deployment_id(seq);
    let host = format!("i-{:017x}", 0xabc0_0000 + u64::from(index));
    let t = BASE + seq as i64 * 60_000 + i64::from(index) * 30_000;
    let events = EVENTS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let traffic = name.contains("Traffic");
            let ran = !traffic && !active;
            LifecycleEvent {
                lifecycle_event_name: Some(name.to_string()),
                diagnostics: ran.then(|| Diagnostics {
                    error_code: Some(LifecycleErrorCode::Success),
                    script_name: Some(String::new()),
                    message: Some("Succeeded".into()),
                    log_tail: Some(String::new()),
                }),
                start_time: ran.then_some(Timestamp(t + i as i64 * 3_000)),
                end_time: ran.then_some(Timestamp(t + i as i64 * 3_000 + 2_500)),
                status: Some(match (traffic, active) {
                    (true, _) => LifecycleEventStatus::Skipped,
                    (false, true) => LifecycleEventStatus::Pending,
                    (false, false) => LifecycleEventStatus::Succeeded,
                }),
            }
        })
        .collect();
    TargetRecord {
        deployment_id: id.clone(),
        target_id: host.clone(),
        index,
        target: DeploymentTarget {
            deployment_target_type: Some(DeploymentTargetType::InstanceTarget),
            instance_target: Some(InstanceTarget {
                deployment_id: Some(id),
                target_id: Some(host.clone()),
                target_arn: Some(format!(
                    "arn:aws:ec2:us-east-1:123456789012:instance/{host}"
                )),
                status: Some(if active {
                    TargetStatus::InProgress
                } else {
                    TargetStatus::Succeeded
                }),
                last_updated_at: Some(Timestamp(t + 40_000)),
                lifecycle_events: Some(events),
                instance_label: None,
            }),
            ..Default::default()
        },
        run: TargetRun {
            host,
            event: if active { 4 } else { 13 },
            due: active.then_some(t + 5_000),
            fault: None,
            zone: Some("us-east-1a".into()),
            ..Default::default()
        },
    }
}

fn meta(next_seq: u64, next_event_seq: u64) -> Meta {
    Meta {
        seed: 7,
        next_seq,
        next_event_seq,
        next_id: next_seq * 3,
        now: BASE + next_seq as i64 * 60_000,
    }
}

fn event(seq: u64) -> EventRecord {
    EventRecord {
        seq,
        time: Timestamp(BASE + seq as i64),
        deployment_id: Some(deployment_id(1)),
        target_id: Some("i-000000000abc00000".into()),
        kind: EventKind::Target,
        text: format!("i-000000000abc00000 Install succeeded ({seq})"),
        notification: None,
    }
}

/// Builds a state file holding `finished` finished deployments (3 targets
/// each) plus 2 running ones, in one transaction, without holding the records
/// in memory. Returns the sequence number of a running deployment.
fn build(path: &Path, finished: u64) -> u64 {
    let started = Instant::now();
    let mut store = Store::open(path).expect("open bench store");
    let active: [u64; 2] = [finished + 1, finished + 2];
    let base = [
        Change::Meta(meta(finished + 3, 1)),
        Change::Fleet(Fleet::sample()),
        Change::Application(ApplicationRecord::new(
            "3c8e7a51-0000-4000-8000-000000000001".into(),
            "web-shop".into(),
            ApplicationInfo {
                create_time: Some(Timestamp(BASE)),
                compute_platform: Some(ComputePlatform::Server),
                ..Default::default()
            },
            vec![],
        )),
    ];
    let records = (1..=finished + 2).flat_map(move |seq| {
        let running = active.contains(&seq);
        std::iter::once(Change::Deployment(deployment(seq, running)))
            .chain((0..3).map(move |i| Change::Target(target(seq, i, running))))
    });
    store
        .commit_iter(base.into_iter().chain(records))
        .expect("bulk commit");
    drop(store);
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "built {} with {finished} finished deployments: {:.1} MB in {:.1?}",
        path.display(),
        size as f64 / 1e6,
        started.elapsed()
    );
    active[0]
}

/// One engine step on a running deployment: its record (run state), two
/// targets, an event, meta.
fn step(active_seq: u64, n: u64) -> Vec<Change> {
    let mut d = deployment(active_seq, true);
    if let Some(run) = d.run.as_mut() {
        run.pending = vec![(n % 3) as u32];
    }
    let mut t0 = target(active_seq, 0, true);
    t0.run.event = (n % 13) as u32;
    t0.run.due = Some(BASE + n as i64);
    let mut t1 = target(active_seq, 1, true);
    t1.run.event = ((n + 1) % 13) as u32;
    vec![
        Change::Deployment(d),
        Change::Target(t0),
        Change::Target(t1),
        Change::Event(event(n)),
        Change::Meta(meta(active_seq + 2, n + 1)),
    ]
}

fn vm_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Child mode: one cold start, then report time and peak memory on stdout.
fn cold_start_child(path: &str) {
    let before = vm_kb("VmHWM:").unwrap_or(0);
    let started = Instant::now();
    let store = Store::open(Path::new(path)).expect("open");
    let snapshot = store.load().expect("load");
    let elapsed = started.elapsed();
    let peak = vm_kb("VmHWM:").unwrap_or(0);
    println!(
        "cold start {:.2} ms, {} active deployments loaded, VmHWM {:.1} MB (before open {:.1} MB)",
        elapsed.as_secs_f64() * 1e3,
        snapshot.active.len(),
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
    );
}

struct Files {
    _dir: tempfile::TempDir,
    small: std::path::PathBuf,
    small_active: u64,
    large: std::path::PathBuf,
    large_active: u64,
    large_n: u64,
}

fn files() -> Files {
    // Smoke runs (`cargo test --benches`) do not pass `--bench`: keep them quick.
    let full = std::env::args().any(|a| a == "--bench");
    let large_n = if full { 100_000 } else { 2_000 };
    let dir = tempfile::tempdir().expect("tempdir");
    let small = dir.path().join("small.db");
    let large = dir.path().join("large.db");
    let small_active = build(&small, 100);
    let large_active = build(&large, large_n);
    Files {
        _dir: dir,
        small,
        small_active,
        large,
        large_active,
        large_n,
    }
}

fn store_benches(c: &mut Criterion) {
    let f = files();
    let mut group = c.benchmark_group("store");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(8));
    for (label, path, active) in [
        ("100".to_string(), &f.small, f.small_active),
        (f.large_n.to_string(), &f.large, f.large_active),
    ] {
        let mut store = Store::open(path).expect("open");
        let mut n = 0u64;
        group.bench_function(format!("commit_step/{label}"), |b| {
            b.iter_batched(
                || {
                    n += 1;
                    step(active, n)
                },
                |changes| store.commit(&changes).expect("commit"),
                BatchSize::SmallInput,
            )
        });
    }
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function(format!("cold_start/{}", f.large_n), |b| {
        b.iter(|| {
            let store = Store::open(&f.large).expect("open");
            black_box(store.load().expect("load"));
        })
    });
    group.finish();

    // Peak memory of a cold start, measured in a fresh process.
    let out =
        std::env::current_exe().and_then(|exe| Command::new(exe).env(CHILD_ENV, &f.large).output());
    match out {
        Ok(out) if out.status.success() => eprintln!(
            "child cold start of {} deployments: {}",
            f.large_n,
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        Ok(out) => eprintln!(
            "child cold start failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => eprintln!("child cold start could not run: {e}"),
    }
}

criterion_group!(benches, store_benches);

fn main() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        cold_start_child(&path);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
