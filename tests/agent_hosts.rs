//! Local hosts through the API, with the AWS SDK as the client: a Server
//! deployment to three hosts that run the sample bundles' real scripts.

mod common_agent;
mod common_api;

use std::path::{Path, PathBuf};

use aws_sdk_codedeploy::types::{
    AutoRollbackConfiguration, AutoRollbackEvent, BundleType, DeploymentStatus, Ec2TagFilter,
    Ec2TagFilterType, LifecycleEvent, RevisionLocation, RevisionLocationType, S3Location,
};
use aws_sdk_codedeploy::Client;
use codedeck::runtime::RuntimeOptions;
use codedeck::state::fleet::Fleet;
use common_agent::*;
use common_api::*;

const HOSTS: [&str; 3] = [
    "i-0local000000001",
    "i-0local000000002",
    "i-0local000000003",
];

/// Three local hosts tagged Name=web under `tmp/hosts`, S3 under `tmp/s3`
/// holding the sample bundles as `artifacts/<name>.<ext>`.
fn world(tmp: &Path) -> Fleet {
    let s3 = tmp.join("s3/artifacts");
    std::fs::create_dir_all(&s3).expect("s3");
    tar_of(&sample("good"), &s3.join("good.tgz"), true, "shop");
    zip_of(
        &sample("failing-validate"),
        &s3.join("failing-validate.zip"),
    );
    tar_of(&sample("timeout"), &s3.join("timeout.tar"), false, ".");
    raw_tar(
        &s3.join("slip.tar"),
        &[
            ("appspec.yml", tar::EntryType::Regular, "", APPSPEC),
            (
                "../../../../evil.txt",
                tar::EntryType::Regular,
                "",
                b"pwned",
            ),
        ],
    );
    Fleet::parse(&fleet_toml(tmp)).expect("fleet")
}

/// The fleet file of [`world`].
fn fleet_toml(tmp: &Path) -> String {
    let mut text = format!("s3_root = {:?}\n", tmp.join("s3").display().to_string());
    for id in HOSTS {
        let root = tmp.join("hosts").join(id);
        text.push_str(&format!(
            "[[instance]]\nid = {id:?}\ntags = {{ Name = \"web\" }}\nlocal = true\nroot = {:?}\n",
            root.display().to_string()
        ));
    }
    text
}

async fn start(tmp: &Path) -> ApiServer {
    let mut opts = RuntimeOptions::memory(1000.0);
    opts.fleet = Some(world(tmp));
    ApiServer::start_with(opts).await
}

fn host(tmp: &Path, i: usize) -> PathBuf {
    tmp.join("hosts").join(HOSTS[i])
}

async fn setup(c: &Client) {
    c.create_application()
        .application_name("shop")
        .send()
        .await
        .expect("app");
    c.create_deployment_group()
        .application_name("shop")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .deployment_config_name("CodeDeployDefault.AllAtOnce")
        .ec2_tag_filters(
            Ec2TagFilter::builder()
                .key("Name")
                .value("web")
                .r#type(Ec2TagFilterType::KeyAndValue)
                .build(),
        )
        .auto_rollback_configuration(
            AutoRollbackConfiguration::builder()
                .enabled(true)
                .events(AutoRollbackEvent::DeploymentFailure)
                .build(),
        )
        .send()
        .await
        .expect("group");
}

async fn deploy(c: &Client, key: &str, bundle: BundleType) -> String {
    let rev = RevisionLocation::builder()
        .revision_type(RevisionLocationType::S3)
        .s3_location(
            S3Location::builder()
                .bucket("artifacts")
                .key(key)
                .bundle_type(bundle)
                .build(),
        )
        .build();
    c.create_deployment()
        .application_name("shop")
        .deployment_group_name("prod")
        .revision(rev)
        .send()
        .await
        .expect("CreateDeployment")
        .deployment_id()
        .expect("id")
        .to_string()
}

/// The lifecycle events of `instance` in deployment `id`.
async fn events(c: &Client, id: &str, instance: &str) -> Vec<LifecycleEvent> {
    let t = c
        .get_deployment_target()
        .deployment_id(id)
        .target_id(instance)
        .send()
        .await
        .expect("GetDeploymentTarget");
    t.deployment_target()
        .and_then(|t| t.instance_target())
        .map(|t| t.lifecycle_events().to_vec())
        .expect("instance target")
}

fn failed(events: &[LifecycleEvent]) -> &LifecycleEvent {
    events
        .iter()
        .find(|e| e.status().map(|s| s.as_str()) == Some("Failed"))
        .expect("a failed event")
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_hosts_run_the_revision_and_roll_back_with_the_previous_ones_scripts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = start(tmp.path()).await;
    let c = server.client();
    setup(&c).await;
    let first = deploy(&c, "good.tgz", BundleType::TarGZip).await;
    let info = server.wait_deployment(&c, &first).await;
    assert_eq!(
        info.status(),
        Some(&DeploymentStatus::Succeeded),
        "{info:?}"
    );
    for i in 0..3 {
        let fs = host(tmp.path(), i).join("fs/var/www/shop");
        assert_eq!(read(fs.join("index.html")), "<h1>shop v1</h1>\n");
        let env = read(fs.join("deployed.env"));
        assert!(env.contains(&format!("DEPLOYMENT_ID={first}\n")), "{env}");
        assert!(env.contains("BUNDLE_KEY=good.tgz\n"), "{env}");
        assert!(env.contains("DEPLOYMENT_GROUP_NAME=prod\n"), "{env}");
    }
    let ev = events(&c, &first, HOSTS[0]).await;
    assert!(
        ev.iter()
            .all(|e| e.status().map(|s| s.as_str()) == Some("Succeeded")),
        "{ev:?}"
    );

    // The second revision's health check fails: ScriptFailed with its output,
    // and the automatic rollback redeploys the first, whose scripts run.
    let second = deploy(&c, "failing-validate.zip", BundleType::Zip).await;
    let info = server.wait_deployment(&c, &second).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed), "{info:?}");
    let ev = events(&c, &second, HOSTS[1]).await;
    let bad = failed(&ev);
    assert_eq!(bad.lifecycle_event_name(), Some("ValidateService"));
    let d = bad.diagnostics().expect("diagnostics");
    assert_eq!(d.error_code().map(|c| c.as_str()), Some("ScriptFailed"));
    assert_eq!(d.script_name(), Some("scripts/validate.sh"));
    assert_eq!(
        d.message(),
        Some("Script at specified location: scripts/validate.sh failed with exit code 3")
    );
    assert!(
        d.log_tail()
            .unwrap_or("")
            .contains("[stderr]health check failed: HTTP 500"),
        "{d:?}"
    );
    let rollback = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("a rollback deployment")
        .to_string();
    let info = server.wait_deployment(&c, &rollback).await;
    assert_eq!(
        info.status(),
        Some(&DeploymentStatus::Succeeded),
        "{info:?}"
    );
    for i in 0..3 {
        let root = host(tmp.path(), i);
        assert_eq!(
            read(root.join("fs/var/www/shop/index.html")),
            "<h1>shop v1</h1>\n"
        );
        let hooks = read(root.join("fs/var/log/shop/hooks.log"));
        assert!(
            hooks.contains(&format!("stop failing {rollback}")),
            "{hooks}"
        );
        assert!(hooks.contains(&format!("start good {rollback}")), "{hooks}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_hostile_archives_fail_their_events() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = start(tmp.path()).await;
    let c = server.client();
    setup(&c).await;
    let slow = deploy(&c, "timeout.tar", BundleType::Tar).await;
    let info = server.wait_deployment(&c, &slow).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed));
    let ev = events(&c, &slow, HOSTS[0]).await;
    let d = failed(&ev).diagnostics().expect("diagnostics");
    assert_eq!(d.error_code().map(|c| c.as_str()), Some("ScriptTimedOut"));
    assert_eq!(
        d.message(),
        Some("Script at specified location: scripts/start.sh failed to complete in 2 seconds")
    );

    let evil = deploy(&c, "slip.tar", BundleType::Tar).await;
    let info = server.wait_deployment(&c, &evil).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed));
    let ev = events(&c, &evil, HOSTS[2]).await;
    let bad = failed(&ev);
    assert_eq!(bad.lifecycle_event_name(), Some("DownloadBundle"));
    let message = bad.diagnostics().and_then(|d| d.message()).unwrap_or("");
    assert!(
        message.contains("\"../../../../evil.txt\" refers to a parent directory"),
        "{message}"
    );
    // Four levels up from a host's archive is still inside tmp: nothing there.
    let mut found = Vec::new();
    for dir in [tmp.path().to_path_buf(), tmp.path().join("hosts")] {
        if dir.join("evil.txt").exists() {
            found.push(dir);
        }
    }
    assert!(found.is_empty(), "{found:?}");
    server.stop().await;
}

/// The same through the real `aws` CLI against `codedeck serve`
/// (scripts/install-tools.sh installs it).
#[test]
fn the_aws_cli_deploys_to_local_hosts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let fleet = world(tmp.path());
    let fleet_file = tmp.path().join("fleet.toml");
    std::fs::write(&fleet_file, fleet_toml(tmp.path())).expect("fleet file");
    drop(fleet);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_codedeck"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--speed",
            "1000",
        ])
        .arg("--state")
        .arg(tmp.path().join("state.db"))
        .arg("--fleet")
        .arg(&fleet_file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed().as_secs() < 30, "serve did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = std::process::Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/cli/local_hosts.sh"
        ))
        .env("ENDPOINT", format!("http://127.0.0.1:{port}"))
        .env("HOSTS", tmp.path().join("hosts"))
        .output()
        .expect("run the script");
    let _ = server.kill();
    let _ = server.wait();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("local hosts: all passed"), "{stdout}");
}
