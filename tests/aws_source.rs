//! The dashboard over CodeDeploy through the AWS SDK: the same world read
//! through the embedded runtime and through its API (as `codedeck aws
//! --endpoint-url` reads any CodeDeploy) gives the same screens, apart from
//! the header and the event log; actions through the AWS source change the
//! remote deployments.

mod common;

use std::sync::Arc;

use codedeck::model::*;
use codedeck::runtime::{Runtime, RuntimeOptions};
use codedeck::source::aws::{AwsOptions, AwsSource};
use codedeck::source::local::LocalSource;
use codedeck::source::{Action, Data, Source};
use codedeck::state::fleet::Fleet;
use codedeck::tui::harness::Harness;
use codedeck::tui::ApiStatus;
use common::scenarios::*;
use common::{web_fleet, Calls};
use ratatui::buffer::Buffer;

const W: u16 = 120;
const H: u16 = 40;

/// The demo world on a fixed clock, its API served on an ephemeral port.
struct World {
    local: Arc<LocalSource>,
    url: String,
    _server: tokio::runtime::Runtime,
}

fn world() -> World {
    let local = codedeck::demo::source().expect("demo");
    let (url, server) = serve(local.runtime().clone());
    World {
        local,
        url,
        _server: server,
    }
}

/// Serves `runtime`'s API on an ephemeral port: its URL, and the tokio
/// runtime the server lives on.
fn serve(runtime: Runtime) -> (String, tokio::runtime::Runtime) {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio");
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    server.spawn(codedeck::api::serve(
        listener,
        runtime,
        std::future::pending(),
    ));
    (url, server)
}

fn aws(url: &str) -> Arc<AwsSource> {
    let opts = AwsOptions {
        endpoint_url: Some(url.to_string()),
        test_credentials: true,
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    Arc::new(rt.block_on(AwsSource::connect(&opts)).expect("connect"))
}

/// The main area's text: from the first pane's title down to the event log.
/// The lines above it (the header; while the local clock is paused, what
/// its next step will do) belong to the source. Elapsed times of running
/// deployments count from each source's "now" (the fixed virtual clock,
/// the wall clock) and are left out.
fn main_area(buf: &Buffer) -> String {
    let mut out = String::new();
    let lines = (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .skip_while(|line| !line.contains('─'));
    for line in lines {
        // The event log differs by nature: codedeck's own log against the
        // changes the AWS source saw itself. The main area ends there.
        if line.starts_with(" Events") {
            break;
        }
        let cut = [" · elapsed ", " · stops by itself in ", " removed in "]
            .iter()
            .filter_map(|m| line.find(m))
            .min();
        // AWS has no alarm states without CloudWatch: the groups list says
        // "no data" where the local engine knows the switch.
        let line = line.replace("HighErrorRate no data", "HighErrorRate OK");
        // The LAST column's ages count from each source's now (the Date
        // header has whole seconds): the status is compared, not the age.
        let line = without_ages(&line);
        // No CodeDeploy operation lists lifecycle hook executions: the AWS
        // source has none to show (the events above them still show).
        if line.starts_with("Hook    ") {
            continue;
        }
        // Nor does it say which zone a zonal deployment is in, or when its
        // monitor wait ends (`Detail::zone`).
        if line.starts_with("Zone    ") {
            continue;
        }
        // Which instances are terminated is EC2's to say, not CodeDeploy's:
        // the AWS source leaves it unknown (`TargetView::terminated`).
        let line = without_terminated(&line);
        let running_row = line.starts_with("◌ InProgress ") || line.starts_with("⏸ Ready ");
        let line = match cut {
            Some(at) if line.starts_with("Time ") || line.starts_with("Wait ") => {
                line[..at].to_string()
            }
            // A running deployment's ELAPSED column (the last 7 cells).
            _ if running_row => line.chars().take(W as usize - 7).collect(),
            _ => line,
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    // The panes are shorter by the lines above them; compare what they hold.
    out.trim_end().to_string()
}

/// ` Blue · original[3] · 3 terminated ──` -> ` Blue · original[3] ──`.
fn without_terminated(line: &str) -> String {
    let Some(title) = line.find(" · original[") else {
        return line.to_string();
    };
    let Some(from) = line[title..].find("] · ").map(|i| title + i + 1) else {
        return line.to_string();
    };
    let Some(to) = line[from..].find(" terminated ").map(|i| from + i + 12) else {
        return line.to_string();
    };
    let border = "─".repeat(line[from..to].chars().count() - 1);
    format!("{} {border}{}", &line[..from], &line[to..])
}

/// `◌ InProgress 25s` -> `◌ InProgress`, for every status word.
fn without_ages(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let mut out: Vec<&str> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let after_status = i > 0
            && matches!(
                words[i - 1],
                "Succeeded"
                    | "Failed"
                    | "InProgress"
                    | "Ready"
                    | "Stopped"
                    | "Created"
                    | "Queued"
                    | "Baking"
            );
        let number = w.strip_suffix(['s', 'm', 'h', 'd']).unwrap_or("");
        let age = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
        if !(after_status && age) {
            out.push(w);
        }
    }
    out.join(" ")
}

fn screen(source: Arc<dyn Source>, keys: &str) -> String {
    look(source, keys).0
}

/// The main area after `keys`, and the data it was drawn from.
fn look(source: Arc<dyn Source>, keys: &str) -> (String, Data) {
    let mut h = Harness::new(source, ApiStatus::Remote, false, (W, H)).expect("harness");
    h.keys(keys).expect("keys");
    let buf = h.render(W, H).expect("render");
    if std::env::var_os("DEBUG_SCREENS").is_some() {
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            eprintln!("{}", line.trim_end());
        }
    }
    (main_area(&buf), h.model.data.clone())
}

/// Screens of finished and running deployments on every platform.
const SCREENS: &[(&str, &str)] = &[
    ("applications", ""),
    ("web-shop groups", "G\r"),
    ("web-shop/prod deployments", "G\rjj\r"),
    ("the failed deployment's timeline", "G\rjj\rj\r"),
    ("its rollback's timeline", "G\rjj\r\r"),
    ("web-shop/api", "G\r\r"),
    ("the api deployment", "G\r\r\r"),
    ("the blue/green deployment waiting in Ready", "G\rj\r\r"),
    ("checkout-fn/live deployments", "\r\r"),
    ("the finished Lambda deployment", "\r\rj\r"),
    ("storefront deployments", "j\r\r"),
    ("the ECS deployment", "j\r\r\r"),
    // `:` from the first screen: a group, a deployment ID, an instance, the
    // lists across applications (the demo's IDs are seeded).
    (":web-shop/prod", ":web-shop/prod\r"),
    (":d-SCV5RKQVI", ":d-SCV5RKQVI\r"),
    (":i-0a1b2c3d4e5f00002", ":i-0a1b2c3d4e5f00002\r"),
    (":failed", ":failed\r"),
    (":running", ":running\r"),
];

#[test]
fn the_aws_source_shows_what_the_local_source_shows() {
    let w = world();
    let remote = aws(&w.url);
    for (what, keys) in SCREENS {
        let local = screen(w.local.clone(), keys);
        let through_api = screen(remote.clone(), keys);
        assert_eq!(
            local, through_api,
            "{what}: the AWS source differs from the local one\n--- local\n{local}\n--- aws\n{through_api}"
        );
    }
}

/// A denied operation empties its panel and names the permission; an
/// endpoint that goes away leaves the last screen, marked stale.
#[test]
fn denied_panels_and_lost_endpoints_keep_the_view() {
    let local = codedeck::demo::source().expect("demo");
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio");
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let faults =
        codedeck::api::faults::Faults::new(0.0, 0.0, vec!["BatchGetDeploymentTargets".into()]);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    server.spawn(codedeck::api::serve_with(
        listener,
        local.runtime().clone(),
        faults,
        async move {
            let _ = stopped.await;
        },
    ));
    let remote = aws(&url);
    let mut h = Harness::new(remote, ApiStatus::Remote, false, (W, H)).expect("harness");
    h.keys("G\rjj\rj\r").expect("a timeline");
    let problem = h
        .model
        .data
        .problem
        .clone()
        .expect("the missing permission is named");
    assert!(
        problem.contains("lack codedeploy:BatchGetDeploymentTargets"),
        "{problem}"
    );
    let d = h
        .model
        .data
        .detail
        .clone()
        .expect("the summary still shows");
    assert!(d.targets.is_empty());
    let screen = main_area(&h.render(W, H).expect("render"));
    assert!(screen.contains("Deployment(d-"), "{screen}");
    // The endpoint goes away: the same screen stays, stale since the failure.
    let _ = stop.send(());
    drop(server);
    h.reload().expect("a failed read keeps the last screen");
    let status = h.model.data.status.clone().expect("status");
    assert!(status.stale_since.is_some(), "{status:?}");
    assert!(status.backoff.is_some(), "{status:?}");
    assert!(h.model.data.detail.is_some());
}

#[test]
fn waits_end_when_the_engine_ends_them() {
    // What the countdowns count to, read both ways.
    let w = world();
    let remote = aws(&w.url);
    let mut h = Harness::new(remote, ApiStatus::Remote, false, (W, H)).expect("harness");
    h.keys("G\rj\r\r").expect("the blue/green deployment");
    let req = h.model.request();
    let aws_wait = h
        .model
        .data
        .detail
        .as_ref()
        .and_then(|d| d.blue_green.clone());
    let local = w.local.read(&req).expect("read");
    let local_wait = local.detail.as_ref().and_then(|d| d.blue_green.clone());
    assert!(local_wait
        .as_ref()
        .is_some_and(|b| b.wait.as_ref().is_some_and(|w| w.until.is_some())));
    assert_eq!(aws_wait, local_wait);
}

#[test]
fn actions_through_the_aws_source_change_the_remote_deployments() {
    let w = world();
    let remote = aws(&w.url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    // The blue/green deployment waits as Ready: continue it through the SDK.
    let mut h = Harness::new(remote.clone(), ApiStatus::Remote, false, (W, H)).expect("harness");
    h.keys("G\rj\r").expect("open web-shop/blue-green");
    let row = h.model.selected_row().cloned().expect("a deployment");
    assert_eq!(row.status.as_str(), "Ready", "{row:?}");
    let out = rt
        .block_on(remote.act(Action::Continue {
            id: row.id.clone(),
            wait: codedeck::model::DeploymentWaitType::ReadyWait,
        }))
        .expect("continue");
    assert!(out.contains("continues"), "{out}");
    let local = w.local.read(&h.model.request()).expect("read");
    let now = local
        .deployments
        .iter()
        .find(|r| r.id == row.id)
        .map(|r| r.status.clone());
    assert_ne!(
        now.as_ref().map(|s| s.as_str()),
        Some("Ready"),
        "the engine left Ready"
    );
    // Stop the running canary with rollback.
    let canary = {
        let mut h =
            Harness::new(remote.clone(), ApiStatus::Remote, false, (W, H)).expect("harness");
        h.keys("\r\r").expect("checkout-fn/live");
        h.model.selected_row().cloned().expect("the canary")
    };
    assert_eq!(canary.status.as_str(), "InProgress");
    let out = rt
        .block_on(remote.act(Action::Stop {
            id: canary.id.clone(),
            rollback: true,
        }))
        .expect("stop");
    assert!(out.starts_with(&format!("stop {}", canary.id)), "{out}");
    // Local-only keys say why they are off.
    let e = rt
        .block_on(remote.act(Action::Step))
        .expect_err("no clock on AWS");
    assert!(e.contains("only on the local engine"), "{e}");
}

/// On AWS, `:` with a deployment ID not in view costs one
/// `BatchGetDeployments` (the groups are known from the first screen), and
/// the applications screen's LAST column costs no call of its own: a
/// refresh within the lists' minute reads nothing.
#[test]
fn colon_and_the_last_column_stay_inside_the_polling_budget() {
    let w = world();
    let remote = aws(&w.url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let apps = codedeck::source::Request::default();
    let first = rt.block_on(remote.load(apps.clone())).expect("apps");
    assert!(
        first.apps.iter().all(|a| a.last.is_some()),
        "{:?}",
        first.apps
    );
    let before = remote.calls_by_operation();
    let again = rt.block_on(remote.load(apps)).expect("apps again");
    assert_eq!(again.apps, first.apps);
    assert_eq!(
        remote.calls_by_operation(),
        before,
        "a refresh within the minute"
    );
    let place = rt
        .block_on(remote.find("d-SCV5RKQVI".into()))
        .expect("found");
    assert_eq!(place.app, "web-shop");
    assert_eq!(place.deployment.as_deref(), Some("d-SCV5RKQVI"));
    let after = remote.calls_by_operation();
    let spent: Vec<(&str, u64)> = after
        .iter()
        .map(|(op, n)| (*op, n - before.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(spent, [("BatchGetDeployments", 1)]);
    let nothing = rt.block_on(remote.find("no-such-thing".into()));
    assert!(nothing.is_err_and(|e| e.contains("nothing is called no-such-thing")));
}

/// Opening a group and a deployment on AWS calls no GetDeploymentConfig for
/// the predefined configurations (they are known locally); the screens
/// still show their limits and schedules, as the differential test checks.
#[test]
fn predefined_configs_cost_no_call() {
    let w = world();
    let remote = aws(&w.url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let apps = rt
        .block_on(remote.load(codedeck::source::Request::default()))
        .expect("apps");
    for app in &apps.apps {
        let groups = rt
            .block_on(remote.load(codedeck::source::Request {
                app: Some(app.name.clone()),
                ..Default::default()
            }))
            .expect("groups");
        for g in &groups.groups {
            let list = rt
                .block_on(remote.load(codedeck::source::Request {
                    app: Some(app.name.clone()),
                    group_id: Some(g.id.clone()),
                    ..Default::default()
                }))
                .expect("deployments");
            if let Some(row) = list.deployments.get(0) {
                let d = rt
                    .block_on(remote.load(codedeck::source::Request {
                        app: Some(app.name.clone()),
                        group_id: Some(g.id.clone()),
                        deployment: Some(row.id.clone()),
                        ..Default::default()
                    }))
                    .expect("timeline");
                assert!(d.detail.is_some_and(|d| d.config.is_some()), "{}", row.id);
            }
        }
    }
    let calls = remote.calls_by_operation();
    assert_eq!(
        calls.get("GetDeploymentConfig").copied().unwrap_or(0),
        0,
        "{calls:?}"
    );
}

// ---- the engine suites' worlds, read both ways at every step -------------------

/// A world the engine suites build, in a runtime on a fixed clock whose API
/// is served; the dashboard reads it through the runtime and, as `codedeck
/// aws --endpoint-url` would, through the API. One AWS source polls the
/// whole walk, keeping what it keeps between reads.
struct Scenario {
    runtime: Runtime,
    local: Arc<LocalSource>,
    remote: Arc<AwsSource>,
    _server: tokio::runtime::Runtime,
}

fn scenario(fleet: &str) -> Scenario {
    let runtime = Runtime::open(RuntimeOptions {
        fleet: Some(Fleet::parse(fleet).expect("fleet")),
        ..RuntimeOptions::fixed(common::T0)
    })
    .expect("runtime");
    let (url, server) = serve(runtime.clone());
    Scenario {
        local: Arc::new(LocalSource::new(runtime.clone())),
        remote: aws(&url),
        runtime,
        _server: server,
    }
}

/// What a moment is compared by beyond the screen: the waits and phase the
/// countdowns count to (the screen shows them relative to each source's now).
#[derive(Debug, PartialEq)]
struct Waits {
    blue_green: Option<codedeck::source::BlueGreenView>,
    traffic: Option<codedeck::source::WaitView>,
    steps: Option<Vec<(i64, f64)>>,
}

fn waits(data: &Data) -> Waits {
    let d = data.detail.as_ref();
    let traffic = d.and_then(|d| d.traffic.as_ref());
    Waits {
        blue_green: d.and_then(|d| d.blue_green.clone()),
        traffic: traffic.and_then(|t| t.wait.clone()),
        steps: traffic.map(|t| t.steps.clone()),
    }
}

impl Scenario {
    fn status(&self, id: &str) -> DeploymentStatus {
        self.runtime
            .read(|e, _, ar| e.deployment(ar, id))
            .ok()
            .and_then(|r| r.info.status)
            .expect("the deployment has a status")
    }

    /// The deployments' timelines and their group's list, read both ways.
    fn compare(&self, ids: &[&str], group: &str, moment: &str) {
        let screens = ids.iter().map(|id| format!(":{id}\r"));
        for keys in screens.chain([format!(":{group}\r")]) {
            let (local, local_data) = look(self.local.clone(), &keys);
            let (through_api, aws_data) = look(self.remote.clone(), &keys);
            assert_eq!(
                local, through_api,
                "{moment}, {keys:?}: the AWS source differs from the local one\n--- local\n{local}\n--- aws\n{through_api}"
            );
            assert_eq!(
                waits(&local_data),
                waits(&aws_data),
                "{moment}, {keys:?}: the waits differ"
            );
        }
    }

    /// Steps the clock, comparing the screens at every step, until the
    /// deployment's status is `until` (or nothing is left to do).
    fn walk(&self, id: &str, group: &str, until: &[DeploymentStatus]) -> DeploymentStatus {
        self.walk_all(&[id], group, until)
    }

    /// [`Scenario::walk`] comparing the screens of all of `ids`; the last one
    /// is walked.
    fn walk_all(&self, ids: &[&str], group: &str, until: &[DeploymentStatus]) -> DeploymentStatus {
        let id = ids.last().expect("a deployment to walk");
        self.compare(ids, group, "first look");
        for step in 0..1_000 {
            let status = self.status(id);
            if until.contains(&status) {
                return status;
            }
            let Some(now) = self.runtime.step() else {
                return status;
            };
            let at = (now - common::T0) / 1_000;
            self.compare(ids, group, &format!("step {step} ({status}, T0+{at}s)"));
        }
        panic!("{id} did not get to {until:?}");
    }

    /// Sends ContinueDeployment(`wait`) as the dashboard's C does.
    fn continue_(&self, id: &str, wait: DeploymentWaitType) {
        let out = self.local.perform(&Action::Continue {
            id: id.to_string(),
            wait,
        });
        assert!(out.is_ok(), "continue {id}: {out:?}");
    }
}

const FINAL: [DeploymentStatus; 3] = [
    DeploymentStatus::Succeeded,
    DeploymentStatus::Failed,
    DeploymentStatus::Stopped,
];

#[test]
fn in_place_batches_read_the_same_through_the_api() {
    // Half at a time over four hosts; one fails AfterInstall and stays failed.
    let s = scenario(&web_fleet(4, |i| {
        if i == 2 {
            "fail = \"AfterInstall\"".into()
        } else {
            String::new()
        }
    }));
    let mut rt = s.runtime.clone();
    rt.app("app", "Server");
    rt.web_group("app", "prod", Some("CodeDeployDefault.HalfAtATime"));
    let id = rt.deploy("app", "prod", "app.zip", |_| {}).expect("deploy");
    let end = s.walk(&id, "app/prod", &FINAL);
    assert_eq!(end, DeploymentStatus::Succeeded);
}

/// EC2 blue/green on three originals and three replacements, terminated
/// five minutes after traffic moved.
fn blue_green(ready_minutes: i32, config: &str) -> (Scenario, String) {
    let s = scenario(&fleet(3, 3, 0, &[]));
    let mut rt = s.runtime.clone();
    rt.app("app", "Server");
    bg_group(
        &mut rt,
        "prod",
        config,
        bg_config(
            GreenFleetProvisioningAction::DiscoverExisting,
            Some((DeploymentReadyAction::StopDeployment, ready_minutes)),
            (InstanceAction::Terminate, 5),
        ),
        |_| {},
    );
    let id = deploy_to(&mut rt, "v1.zip", "green");
    (s, id)
}

#[test]
fn a_ready_wait_of_zero_lasts_48_hours_read_either_way() {
    let (s, id) = blue_green(0, "CodeDeployDefault.AllAtOnce");
    let ready = [DeploymentStatus::Ready];
    assert_eq!(s.walk(&id, "app/prod", &ready), DeploymentStatus::Ready);
    let aws = look(s.remote.clone(), &format!(":{id}\r")).1;
    let until = aws
        .detail
        .and_then(|d| d.blue_green)
        .and_then(|b| b.wait)
        .and_then(|w| w.until)
        .expect("the wait ends by itself");
    // The clock stands where the deployment got Ready (its last event ended).
    let ready_at = s.runtime.clock_state().now;
    assert_eq!(
        until - ready_at,
        48 * 3_600_000,
        "48 hours after it got Ready"
    );
    // Nobody continues: the wait times out and the deployment stops.
    assert_eq!(s.walk(&id, "app/prod", &FINAL), DeploymentStatus::Stopped);
}

#[test]
fn a_ready_wait_then_batches_then_the_termination_wait_read_the_same() {
    let (s, id) = blue_green(30, "CodeDeployDefault.OneAtATime");
    let ready = [DeploymentStatus::Ready];
    assert_eq!(s.walk(&id, "app/prod", &ready), DeploymentStatus::Ready);
    s.continue_(&id, DeploymentWaitType::ReadyWait);
    assert_eq!(s.walk(&id, "app/prod", &FINAL), DeploymentStatus::Succeeded);
}

#[test]
fn a_blue_green_rollback_reads_the_same_with_roles_swapped() {
    // After a first success, a replacement's ValidateService fails: the
    // rollback routes traffic back to the originals (Blue), which count for
    // its health, and blocks the replacements (Green).
    let bad = host('c', 2);
    let tags = ", \"codedeck:fail\" = \"ValidateService\"";
    let s = scenario(&fleet(3, 3, 3, &[(bad.as_str(), tags, "")]));
    let mut rt = s.runtime.clone();
    rt.app("app", "Server");
    rollback_group(&mut rt);
    let first = deploy_to(&mut rt, "v1.zip", "green");
    assert_eq!(
        s.walk(&first, "app/prod", &FINAL),
        DeploymentStatus::Succeeded
    );
    let failed = deploy_to(&mut rt, "v2.zip", "spare");
    assert_eq!(
        s.walk(&failed, "app/prod", &FINAL),
        DeploymentStatus::Failed
    );
    let rollback = s
        .runtime
        .read(|e, _, ar| e.deployment(ar, &failed))
        .ok()
        .and_then(|r| r.info.rollback_info)
        .and_then(|r| r.rollback_deployment_id)
        .expect("a rollback");
    let both = [failed.as_str(), rollback.as_str()];
    let end = s.walk_all(&both, "app/prod", &FINAL);
    assert_eq!(end, DeploymentStatus::Succeeded);
}

#[test]
fn lambda_canary_and_linear_shifts_read_the_same() {
    for config in [
        "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    ] {
        let s = scenario(SHIFT_FLEET);
        let mut rt = s.runtime.clone();
        lambda_group(&mut rt, config, |_| {});
        let spec = lambda_spec(1, 2, &[("BeforeAllowTraffic", "CodeDeployHook_ok")]);
        let id = deploy_spec(&mut rt, "fn", "prod", &spec);
        assert_eq!(
            s.walk(&id, "fn/prod", &FINAL),
            DeploymentStatus::Succeeded,
            "{config}"
        );
    }
}

#[test]
fn ecs_ready_and_termination_waits_read_the_same() {
    let s = scenario(SHIFT_FLEET);
    let mut rt = s.runtime.clone();
    ecs_group(
        &mut rt,
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
        true,
        |g| ready_wait(g, 0, 5),
    );
    let id = deploy_spec(&mut rt, "svc", "prod", &ecs_spec(2, &[]));
    let ready = [DeploymentStatus::Ready];
    assert_eq!(s.walk(&id, "svc/prod", &ready), DeploymentStatus::Ready);
    s.continue_(&id, DeploymentWaitType::ReadyWait);
    assert_eq!(s.walk(&id, "svc/prod", &FINAL), DeploymentStatus::Succeeded);
}

#[test]
fn zonal_deployments_read_the_same_but_for_the_zone() {
    let s = scenario(&zoned_fleet(&[
        (1, "us-east-1b", ""),
        (2, "us-east-1b", ""),
        (3, "us-east-1a", ""),
        (4, "us-east-1a", ""),
    ]));
    let mut rt = s.runtime.clone();
    rt.app("app", "Server");
    zonal_config(
        &mut rt,
        (MinimumHealthyHostsType::HostCount, 1),
        (MinimumHealthyHostsPerZoneType::HostCount, 1),
        (Some(600), Some(300)),
    );
    rt.web_group("app", "prod", Some("Zonal"));
    let id = rt.deploy("app", "prod", "app.zip", |_| {}).expect("deploy");
    assert_eq!(s.walk(&id, "app/prod", &FINAL), DeploymentStatus::Succeeded);
}
