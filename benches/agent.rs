//! The agent of local hosts, measured: DownloadBundle + Install of a 50 MB
//! bundle of 5,000 files, and a whole deployment to 20 local hosts at once
//! (the sample `good` bundle, every event's scripts run for real).
//!
//! `cargo bench --bench agent` (`CODEDECK_BENCH_DIR=/dev/shm` to measure
//! the agent rather than the disk)

use std::path::{Path, PathBuf};
use std::time::Duration;

use codedeck::agent::{self, Bundle, BundleKind, EventJob, Limits};
use codedeck::model::*;
use codedeck::runtime::{Runtime, RuntimeOptions};
use codedeck::state::fleet::Fleet;
use criterion::{criterion_group, BatchSize, Criterion};

const FILES: usize = 5_000;
const FILE_BYTES: usize = 10 * 1024;
const HOSTS: usize = 20;

/// A tar of `FILES` files of `FILE_BYTES` pseudo-random bytes (50 MB), with
/// an appspec that installs them all.
fn big_bundle(dir: &Path) -> PathBuf {
    let path = dir.join("big.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&path).expect("create"));
    let spec = b"version: 0.0\nos: linux\nfiles:\n  - source: data\n    destination: /srv/big\n";
    append(&mut b, "appspec.yml", spec);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut data = vec![0u8; FILE_BYTES];
    for i in 0..FILES {
        for chunk in data.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        append(&mut b, &format!("data/d{:02}/f{i:05}.bin", i % 50), &data);
    }
    b.finish().expect("finish");
    path
}

fn append(b: &mut tar::Builder<std::fs::File>, name: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, name, data).expect("append");
}

fn download_and_install(c: &mut Criterion, tmp: &Path) {
    let bundle = Bundle {
        path: big_bundle(tmp),
        kind: BundleKind::Tar,
        expected_etag: None,
        env: Vec::new(),
    };
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    let mut n = 0;
    let mut g = c.benchmark_group("agent");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("download+install 50 MB, 5000 files", |b| {
        b.iter_batched(
            || {
                n += 1;
                let root = tmp.join(format!("host-{n}"));
                let _ = std::fs::remove_dir_all(tmp.join(format!("host-{}", n - 1)));
                // Start each run with the page cache flushed: what is measured
                // is this run's work, not the write-back of the last one's.
                // SAFETY: sync(2) has no preconditions.
                unsafe { libc::sync() };
                root
            },
            |root| {
                for event in ["DownloadBundle", "Install"] {
                    let job = EventJob {
                        root: root.clone(),
                        deployment_id: "d-BENCH0001".into(),
                        application_name: "bench".into(),
                        deployment_group_name: "g".into(),
                        deployment_group_id: "dg".into(),
                        event: event.into(),
                        bundle: Ok(bundle.clone()),
                        appspec_filename: None,
                        file_exists_behavior: None,
                        install_to_system: false,
                        limits: Limits::default(),
                    };
                    let r = rt.block_on(agent::run_event(job));
                    assert!(r.succeeded, "{event}: {}", r.message);
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// A runtime whose fleet is `HOSTS` local hosts, with the sample `good`
/// bundle in its S3 root as `artifacts/good.tar`.
fn twenty_hosts(tmp: &Path) -> Runtime {
    let s3 = tmp.join("s3");
    std::fs::create_dir_all(s3.join("artifacts")).expect("s3");
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/bundles/good");
    let mut b =
        tar::Builder::new(std::fs::File::create(s3.join("artifacts/good.tar")).expect("tar"));
    b.append_dir_all(".", good).expect("pack");
    b.finish().expect("finish");
    let mut text = format!("s3_root = {:?}\n", s3.display().to_string());
    for i in 0..HOSTS {
        let root = tmp.join("hosts").join(format!("h{i}"));
        text.push_str(&format!(
            "[[instance]]\nid = \"i-{:017x}\"\ntags = {{ Name = \"web\" }}\nlocal = true\nroot = {:?}\n",
            i + 1,
            root.display().to_string()
        ));
    }
    // Virtual time at 1000x: simulated waits are short, and the 8-hour
    // deadline (28.8 s of wall time) is far.
    let mut opts = RuntimeOptions::memory(1000.0);
    opts.fleet = Some(Fleet::parse(&text).expect("fleet"));
    let rt = Runtime::open(opts).expect("runtime");
    rt.write("bench setup", |e, now, ar| {
        e.create_application(
            now,
            ar,
            CreateApplicationInput {
                application_name: Some("bench".into()),
                ..Default::default()
            },
        )?;
        e.create_deployment_group(
            now,
            ar,
            CreateDeploymentGroupInput {
                application_name: Some("bench".into()),
                deployment_group_name: Some("web".into()),
                service_role_arn: Some("arn:aws:iam::000000000000:role/r".into()),
                deployment_config_name: Some("CodeDeployDefault.AllAtOnce".into()),
                ec2_tag_filters: Some(vec![EC2TagFilter {
                    key: Some("Name".into()),
                    value: Some("web".into()),
                    r#type: Some(EC2TagFilterType::KeyAndValue),
                }]),
                ..Default::default()
            },
        )
    })
    .expect("setup");
    rt
}

/// Creates a deployment of the good bundle and waits for its end.
fn deploy_and_wait(rt: &Runtime) {
    let id = rt
        .write("bench deploy", |e, now, ar| {
            e.create_deployment(
                now,
                ar,
                CreateDeploymentInput {
                    application_name: Some("bench".into()),
                    deployment_group_name: Some("web".into()),
                    revision: Some(RevisionLocation {
                        revision_type: Some(RevisionLocationType::S3),
                        s3_location: Some(S3Location {
                            bucket: Some("artifacts".into()),
                            key: Some("good.tar".into()),
                            bundle_type: Some(BundleType::Tar),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
        })
        .expect("deploy")
        .deployment_id
        .expect("id");
    loop {
        let info = rt
            .read(|e, _, ar| Ok(e.deployment(ar, &id)?.info))
            .expect("read");
        match info.status {
            Some(DeploymentStatus::Succeeded) => return,
            Some(DeploymentStatus::Failed | DeploymentStatus::Stopped) => {
                panic!("{id} ended: {info:?}")
            }
            _ => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

fn parallel_hosts(c: &mut Criterion, tmp: &Path) {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let _guard = tokio.enter();
    let rt = twenty_hosts(tmp);
    let mut g = c.benchmark_group("agent");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("deployment to 20 local hosts (good bundle)", |b| {
        b.iter(|| deploy_and_wait(&rt))
    });
    g.finish();
    rt.shutdown().expect("shutdown");
}

fn agent_benches(c: &mut Criterion) {
    // CODEDECK_BENCH_DIR picks the file system (e.g. /dev/shm): on a busy
    // ext4 disk, allocating 5,000 inodes dominates whatever unpacks them.
    let tmp = match std::env::var_os("CODEDECK_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .expect("tmp");
    download_and_install(c, tmp.path());
    parallel_hosts(c, tmp.path());
}

criterion_group!(benches, agent_benches);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
