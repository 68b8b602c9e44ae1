//! The dashboard over CodeDeploy through the AWS SDK: the same world read
//! through the embedded runtime and through its API (as `codedeck aws
//! --endpoint-url` reads any CodeDeploy) gives the same screens, apart from
//! the header and the event log; actions through the AWS source change the
//! remote deployments.

use std::sync::Arc;

use codedeck::source::aws::{AwsOptions, AwsSource};
use codedeck::source::local::LocalSource;
use codedeck::source::{Action, Source};
use codedeck::tui::harness::Harness;
use codedeck::tui::ApiStatus;
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
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio");
    let runtime = local.runtime().clone();
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    server.spawn(codedeck::api::serve(
        listener,
        runtime,
        std::future::pending(),
    ));
    World {
        local,
        url,
        _server: server,
    }
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
    let mut h = Harness::new(source, ApiStatus::Remote, false, (W, H)).expect("harness");
    h.keys(keys).expect("keys");
    let buf = h.render(W, H).expect("render");
    if std::env::var_os("DEBUG_SCREENS").is_some() {
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            eprintln!("{}", line.trim_end());
        }
    }
    main_area(&buf)
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
