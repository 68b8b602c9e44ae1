//! The real binary: single ownership of the state file, clear start-up errors,
//! graceful shutdown, and a deployment that survives `kill -9`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_codedeploy::types::{
    BundleType, ComputePlatform, DeploymentStatus, Ec2TagFilter, Ec2TagFilterType,
    RevisionLocation, RevisionLocationType, S3Location,
};

mod common_agent;

const BIN: &str = env!("CARGO_BIN_EXE_codedeck");

fn fleet_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fleet.toml")
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("CODEDECK_STATE")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// A running `codedeck serve`, its address and everything it wrote to stderr.
struct Served {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    /// Starts `codedeck serve --listen 127.0.0.1:0 ...` and waits for its banner.
    fn start(state: &Path, speed: &str) -> Served {
        Served::start_with(state, speed, &fleet_file())
    }

    /// Like [`Served::start`] with another fleet file.
    fn start_with(state: &Path, speed: &str, fleet: &Path) -> Served {
        let state = state.to_str().expect("utf-8 path");
        let fleet = fleet.to_str().expect("utf-8 path");
        let mut child = command(&[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--state",
            state,
            "--speed",
            speed,
            "--fleet",
            fleet,
            "--seed",
            "42",
        ])
        .spawn()
        .expect("spawn codedeck");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("codedeck serving CodeDeploy on http://") {
                    if let Some(addr) = rest.split_whitespace().next().and_then(|a| a.parse().ok())
                    {
                        let _ = tx.send(addr);
                    }
                }
                let mut s = sink.lock().expect("log");
                s.push_str(&line);
                s.push('\n');
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("codedeck serve did not start: {}", log.lock().expect("log"));
            }
        };
        Served {
            child,
            addr,
            stderr: log,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn client(&self) -> aws_sdk_codedeploy::Client {
        sdk_client(self.addr)
    }

    /// SIGTERM, then wait for the exit.
    fn terminate(mut self) -> (ExitStatus, String) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: sending a signal to our own child process.
        let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(rc, 0, "kill(SIGTERM)");
        let status = wait_exit(&mut self.child, Duration::from_secs(30));
        // Give the reader thread a moment to collect the last lines.
        std::thread::sleep(Duration::from_millis(50));
        let log = self.stderr.lock().expect("log").clone();
        (status, log)
    }

    /// SIGKILL: no chance to clean up.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("codedeck did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `codedeck <args>` expecting it to fail on its own; returns (code, stderr).
fn run_failing(args: &[&str]) -> (Option<i32>, String) {
    let mut child = command(args).spawn().expect("spawn");
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let mut err = String::new();
    if let Some(mut s) = child.stderr.take() {
        use std::io::Read;
        let _ = s.read_to_string(&mut err);
    }
    (status.code(), err)
}

fn sdk_client(addr: SocketAddr) -> aws_sdk_codedeploy::Client {
    use aws_sdk_codedeploy::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_codedeploy::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(format!("http://{addr}"))
        .build();
    aws_sdk_codedeploy::Client::from_conf(config)
}

/// Group `prod` of `app`, deploying to the hosts tagged Name=web.
async fn web_group(cd: &aws_sdk_codedeploy::Client, app: &str) {
    cd.create_deployment_group()
        .application_name(app)
        .deployment_group_name("prod")
        .service_role_arn("arn:aws:iam::000000000000:role/codedeploy-role")
        .ec2_tag_filters(
            Ec2TagFilter::builder()
                .key("Name")
                .value("web")
                .r#type(Ec2TagFilterType::KeyAndValue)
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentGroup");
}

fn assert_one_clear_line(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("codedeck: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn second_owner_is_refused_and_sigterm_releases_the_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.db");
    let first = Served::start(&state, "1");
    let state_arg = state.to_str().expect("utf-8");
    let (code, err) = run_failing(&["serve", "--listen", "127.0.0.1:0", "--state", state_arg]);
    assert_eq!(code, Some(1), "{err}");
    assert_one_clear_line(&err);
    assert!(
        err.contains(&format!("pid {}", first.pid())),
        "the error names the owner's pid {}: {err}",
        first.pid()
    );

    // Graceful shutdown: exit 0, lock released, the next owner starts.
    let (status, log) = first.terminate();
    assert!(status.success(), "exit status {status:?}; stderr: {log}");
    let again = Served::start(&state, "1");
    let (status, log) = again.terminate();
    assert!(status.success(), "{log}");
}

#[test]
fn busy_port_has_a_clear_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let (code, err) = run_failing(&["serve", "--listen", &addr, "--state", ":memory:"]);
    assert_eq!(code, Some(1), "{err}");
    assert_one_clear_line(&err);
    assert!(
        err.contains(&format!(
            "address {addr} is already in use (is another codedeck running?)"
        )),
        "{err}"
    );
}

#[test]
fn non_loopback_needs_allow_remote() {
    let (code, err) = run_failing(&["serve", "--listen", "0.0.0.0:0", "--state", ":memory:"]);
    assert_eq!(code, Some(1), "{err}");
    assert_one_clear_line(&err);
    assert!(err.contains("--allow-remote"), "{err}");
}

#[test]
fn bad_fleet_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = dir.path().join("broken-fleet.toml");
    std::fs::write(&fleet, "[[instance]]\nid = 5\n").expect("write");
    let fleet = fleet.to_str().expect("utf-8");
    let (code, err) = run_failing(&["serve", "--state", ":memory:", "--fleet", fleet]);
    assert_eq!(code, Some(1), "{err}");
    assert_one_clear_line(&err);
    assert!(err.contains("broken-fleet.toml"), "{err}");
    let (code, err) = run_failing(&[
        "serve",
        "--state",
        ":memory:",
        "--fleet",
        "/nonexistent/fleet.toml",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("/nonexistent/fleet.toml"), "{err}");
}

/// Without a terminal (CI), `codedeck` prints one timestamped line per change,
/// with no escape codes, and deployments created through its API show up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_without_terminal_prints_one_line_per_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let fleet = fleet_file();
    let mut child = command(&[
        "--state",
        state.to_str().expect("utf-8"),
        "--listen",
        &listen,
        "--speed",
        "100",
        "--fleet",
        fleet.to_str().expect("utf-8"),
    ])
    .stdout(Stdio::piped())
    .spawn()
    .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let addr: SocketAddr = listen.parse().expect("addr");
    let cd = sdk_client(addr);
    // The API comes up alongside; retry until it answers.
    let start = Instant::now();
    while cd
        .create_application()
        .application_name("ci")
        .send()
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "API never answered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    web_group(&cd, "ci").await;
    let id = cd
        .create_deployment()
        .application_name("ci")
        .deployment_group_name("prod")
        .revision(
            RevisionLocation::builder()
                .revision_type(RevisionLocationType::S3)
                .s3_location(
                    S3Location::builder()
                        .bucket("b")
                        .key("app.zip")
                        .bundle_type(BundleType::Zip)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateDeployment")
        .deployment_id()
        .expect("id")
        .to_string();
    let mut lines = Vec::new();
    // The lines of `codedeck watch`: `<time> [<virtual time>] <id> <kind> <text>`.
    let done = format!("{id} deployment Succeeded");
    while !lines.iter().any(|l: &String| l.contains(&done)) {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => lines.push(l),
            Err(_) => panic!("no '{done}' line; got {lines:#?}"),
        }
    }
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = wait_exit(&mut child, Duration::from_secs(30));
    assert!(status.success(), "{status:?}");
    assert!(lines[0].contains(&format!("{id} deployment")), "{lines:#?}");
    let events = lines.iter().filter(|l| l.contains(" event ")).count();
    assert!(
        events >= 7,
        "every lifecycle event has its line: {lines:#?}"
    );
    for l in &lines {
        assert!(!l.contains('\x1b'), "escape code in {l:?}");
        // 2026-11-22T21:37:00Z kind text
        let (stamp, _) = l.split_once(' ').expect("a timestamp");
        assert!(stamp.len() == 20 && stamp.ends_with('Z'), "{l:?}");
    }
}

/// Virtual speed for the kill test: the 3-host OneAtATime deployment takes
/// about 3 s of wall time, so there is room to kill it half-way.
const KILL_SPEED: &str = "25";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_survives_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.db");

    let server = Served::start(&state, KILL_SPEED);
    let cd = server.client();
    cd.create_application()
        .application_name("my-app")
        .compute_platform(ComputePlatform::Server)
        .send()
        .await
        .expect("CreateApplication");
    web_group(&cd, "my-app").await;
    let created = cd
        .create_deployment()
        .application_name("my-app")
        .deployment_group_name("prod")
        .revision(
            RevisionLocation::builder()
                .revision_type(RevisionLocationType::S3)
                .s3_location(
                    S3Location::builder()
                        .bucket("my-artifacts")
                        .key("app.zip")
                        .bundle_type(BundleType::Zip)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateDeployment");
    let id = created.deployment_id().expect("deploymentId").to_string();

    // Wait until it is really under way (one host done, others not), then kill -9.
    let start = Instant::now();
    loop {
        let info = cd
            .get_deployment()
            .deployment_id(&id)
            .send()
            .await
            .expect("GetDeployment")
            .deployment_info
            .expect("deploymentInfo");
        let status = info.status().cloned();
        let done = info
            .deployment_overview()
            .map(|o| o.succeeded())
            .unwrap_or(0);
        assert!(
            !matches!(
                status,
                Some(DeploymentStatus::Failed | DeploymentStatus::Stopped)
            ),
            "deployment ended early: {info:?}"
        );
        if status == Some(DeploymentStatus::InProgress) && done >= 1 {
            break;
        }
        assert_ne!(
            status,
            Some(DeploymentStatus::Succeeded),
            "finished before it could be killed; lower KILL_SPEED"
        );
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "deployment never got under way: {info:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill();

    // Same state file, new process: the deployment carries on and finishes.
    let server = Served::start(&state, KILL_SPEED);
    let cd = server.client();
    let start = Instant::now();
    let info = loop {
        let info = cd
            .get_deployment()
            .deployment_id(&id)
            .send()
            .await
            .expect("GetDeployment after restart")
            .deployment_info
            .expect("deploymentInfo");
        match info.status() {
            Some(DeploymentStatus::Succeeded) => break info,
            Some(DeploymentStatus::Failed | DeploymentStatus::Stopped) => {
                panic!("deployment did not succeed after the restart: {info:?}")
            }
            _ => {}
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "deployment did not finish within 60 s after the restart: {info:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let overview = info.deployment_overview().expect("deploymentOverview");
    assert_eq!(overview.succeeded(), 3, "{overview:?}");

    let app = cd
        .get_application()
        .application_name("my-app")
        .send()
        .await
        .expect("the application survived");
    assert_eq!(
        app.application().and_then(|a| a.application_name()),
        Some("my-app")
    );
    let group = cd
        .get_deployment_group()
        .application_name("my-app")
        .deployment_group_name("prod")
        .send()
        .await
        .expect("the deployment group survived");
    assert_eq!(
        group
            .deployment_group_info()
            .and_then(|g| g.deployment_group_name()),
        Some("prod")
    );
    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
}

/// A local host's hook under way when the server is killed: on restart the
/// event fails as the agent fails it after a restart, and the deployment
/// goes on under its rules (one host: it fails).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_cut_by_kill_9_fails_with_the_agents_restart_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, s3) = (dir.path().join("state.db"), dir.path().join("s3"));
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("scripts")).expect("mkdir");
    std::fs::create_dir_all(s3.join("artifacts")).expect("mkdir");
    std::fs::write(src.join("appspec.yml"), "version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: scripts/start.sh\n      timeout: 120\n").expect("appspec");
    std::fs::write(
        src.join("scripts/start.sh"),
        "#!/bin/sh\necho begun\nexec sleep 20\n",
    )
    .expect("script");
    common_agent::tar_of(&src, &s3.join("artifacts/slow.tar"), false, ".");
    let fleet = dir.path().join("fleet.toml");
    let text = format!("s3_root = {:?}\n[[instance]]\nid = \"i-0local000000001\"\ntags = {{ Name = \"web\" }}\nlocal = true\n", s3.display().to_string());
    std::fs::write(&fleet, text).expect("fleet");

    let server = Served::start_with(&state, "1000", &fleet);
    let cd = server.client();
    cd.create_application()
        .application_name("app")
        .send()
        .await
        .expect("app");
    web_group(&cd, "app").await;
    let rev = RevisionLocation::builder()
        .revision_type(RevisionLocationType::S3)
        .s3_location(
            S3Location::builder()
                .bucket("artifacts")
                .key("slow.tar")
                .bundle_type(BundleType::Tar)
                .build(),
        )
        .build();
    let id = cd
        .create_deployment()
        .application_name("app")
        .deployment_group_name("prod")
        .revision(rev)
        .send()
        .await
        .expect("deploy")
        .deployment_id()
        .expect("id")
        .to_string();
    // ApplicationStart; `None` until the deployment has started
    // (the server starts it on its next tick: on a loaded machine GetDeploymentTarget
    // can still answer DeploymentNotStartedException).
    let event = |cd: aws_sdk_codedeploy::Client, id: String| async move {
        let t = match cd
            .get_deployment_target()
            .deployment_id(&id)
            .target_id("i-0local000000001")
            .send()
            .await
        {
            Ok(t) => t,
            Err(e) if format!("{e:?}").contains("DeploymentNotStartedException") => return None,
            Err(e) => panic!("target: {e:?}"),
        };
        let events = t
            .deployment_target()
            .and_then(|t| t.instance_target())
            .map(|t| t.lifecycle_events().to_vec())
            .expect("events");
        let start = events
            .into_iter()
            .find(|e| e.lifecycle_event_name() == Some("ApplicationStart"))
            .expect("ApplicationStart");
        Some(start)
    };
    let running = |e: &Option<aws_sdk_codedeploy::types::LifecycleEvent>| {
        e.as_ref().and_then(|e| e.status()).map(|s| s.as_str()) == Some("InProgress")
    };
    let start = Instant::now();
    while !running(&event(cd.clone(), id.clone()).await) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "ApplicationStart never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();

    let server = Served::start_with(&state, "1000", &fleet);
    let cd = server.client();
    let start = Instant::now();
    let status = loop {
        let info = cd
            .get_deployment()
            .deployment_id(&id)
            .send()
            .await
            .expect("get")
            .deployment_info
            .expect("info");
        if let Some("Failed" | "Succeeded" | "Stopped") = info.status().map(|s| s.as_str()) {
            break info.status().cloned();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the deployment did not end: {info:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status, Some(DeploymentStatus::Failed));
    let e = event(cd.clone(), id.clone()).await.expect("started");
    assert_eq!(e.status().map(|s| s.as_str()), Some("Failed"));
    let d = e.diagnostics().expect("diagnostics");
    assert_eq!(d.error_code().map(|c| c.as_str()), Some("UnknownError"));
    assert_eq!(
        d.message(),
        Some(codedeck::model::rules::AGENT_RESTART_MESSAGE)
    );
    let (exit, log) = server.terminate();
    assert!(exit.success(), "{log}");
}
