//! `codedeck watch` tells the truth, checked the way CI reads it: for each
//! kind of deployment, run through a real `codedeck serve`, the plain and
//! JSON output are compared with the deployment's own history read from the
//! API after it ended — every target and event transition once, with the
//! API's time, in time order, the result last, the exit code the status's.
//! Group mode follows the right deployment with the server's clock ahead of
//! or behind the client's, and `serve --print-changes` keeps time order.

mod common_watch;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use codedeck::model::time::iso_millis;
use common_watch::*;
use serde_json::Value;

/// (target, event, status) -> the time the API reports for it (`None`:
/// the API gives none, as for an event skipped before it started).
type History = HashMap<(String, String, String), Option<i64>>;

/// The wire's epoch seconds (`1765038226.468`) as milliseconds, rounded as
/// codedeck reads them (the SDK's `to_millis` truncates 467.99…).
fn ms(t: Option<&aws_smithy_types::DateTime>) -> Option<i64> {
    t.map(|t| (t.as_secs_f64() * 1000.0).round() as i64)
}

/// Every event transition and target verdict of deployment `id`, read from
/// the API, and its final status.
async fn history(c: &Client, id: &str) -> (History, History, String) {
    let info = c
        .get_deployment()
        .deployment_id(id)
        .send()
        .await
        .expect("GetDeployment");
    let status = info
        .deployment_info()
        .and_then(|d| d.status())
        .map(|s| s.as_str().to_string())
        .expect("status");
    let ids = c
        .list_deployment_targets()
        .deployment_id(id)
        .send()
        .await
        .expect("ListDeploymentTargets")
        .target_ids()
        .to_vec();
    let mut events = History::new();
    let mut verdicts = History::new();
    for chunk in ids.chunks(25) {
        let got = c
            .batch_get_deployment_targets()
            .deployment_id(id)
            .set_target_ids(Some(chunk.to_vec()))
            .send()
            .await
            .expect("BatchGetDeploymentTargets");
        for t in got.deployment_targets() {
            let (tid, st, evs) = if let Some(i) = t.instance_target() {
                (i.target_id(), i.status(), i.lifecycle_events())
            } else if let Some(l) = t.lambda_target() {
                (l.target_id(), l.status(), l.lifecycle_events())
            } else if let Some(e) = t.ecs_target() {
                (e.target_id(), e.status(), e.lifecycle_events())
            } else {
                panic!("a target of an unknown kind: {t:?}");
            };
            let tid = tid.expect("targetId").to_string();
            let st = st.expect("target status").as_str().to_string();
            let ends = evs.iter().filter_map(|e| ms(e.end_time())).max();
            verdicts.insert((tid.clone(), String::new(), st), ends);
            for e in evs {
                let name = e.lifecycle_event_name().expect("name").to_string();
                let s = e.status().expect("event status").as_str().to_string();
                if let Some(start) = ms(e.start_time()).filter(|_| s != "Skipped") {
                    events.insert(
                        (tid.clone(), name.clone(), "InProgress".into()),
                        Some(start),
                    );
                }
                if s != "Pending" && s != "InProgress" {
                    events.insert((tid.clone(), name, s), ms(e.end_time()));
                }
            }
        }
    }
    (events, verdicts, status)
}

fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn exit_of(status: &str) -> i32 {
    match status {
        "Succeeded" => 0,
        "Failed" => 1,
        "Stopped" => 2,
        other => panic!("not a final status: {other}"),
    }
}

/// The JSON and plain transcripts of `id` agree with its history.
fn check(c: &Client, id: &str, json: &Watched, text: &Watched) {
    let (events, verdicts, status) = runtime().block_on(history(c, id));
    let lines = json_lines(&json.out);
    let context = format!("{id} ({status}):\n{}\n{}", json.out, json.err);
    assert_eq!(json.code, Some(exit_of(&status)), "{context}");
    assert_eq!(
        text.code,
        Some(exit_of(&status)),
        "{}\n{}",
        text.out,
        text.err
    );
    // Time order, the result last.
    let times: Vec<&str> = lines
        .iter()
        .map(|l| l["time"].as_str().expect("time"))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "time order: {context}"
    );
    let last = lines.last().expect("a line");
    assert_eq!(last["kind"], "result", "{context}");
    assert_eq!(last["status"], status.as_str(), "{context}");
    assert_eq!(last["deployment"], id, "{context}");
    // Every event transition once, at the API's time.
    let mut seen: HashMap<(String, String, String), Vec<String>> = HashMap::new();
    for l in lines.iter().filter(|l| l["kind"] == "event") {
        let key = (
            l["target"].as_str().expect("target").to_string(),
            l["event"].as_str().expect("event").to_string(),
            l["status"].as_str().expect("status").to_string(),
        );
        seen.entry(key)
            .or_default()
            .push(l["time"].as_str().expect("time").into());
    }
    for (key, at) in &events {
        let got = seen
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} missing: {context}"));
        assert_eq!(
            got.len(),
            1,
            "{key:?} printed {} times: {context}",
            got.len()
        );
        if let Some(at) = at {
            assert_eq!(got[0], iso_millis(*at), "{key:?}'s time: {context}");
        }
    }
    assert_eq!(
        seen.len(),
        events.len(),
        "no transition the API does not report: {context}"
    );
    for (tid, _, st) in verdicts.keys() {
        let n = lines
            .iter()
            .filter(|l| {
                l["kind"] == "target" && l["target"] == tid.as_str() && l["status"] == st.as_str()
            })
            .count();
        assert_eq!(n, 1, "{tid} {st}: {context}");
    }
    // The plain log ends with the result, read from its last line up.
    let plain_last = text.out.lines().last().expect("plain lines");
    assert!(
        plain_last.contains(&format!(" {id} {status} in ")),
        "{plain_last}\n{}",
        text.out
    );
    let plain_times: Vec<&str> = text
        .out
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    assert!(plain_times.windows(2).all(|w| w[0] <= w[1]), "{}", text.out);
}

/// Watches `id` twice at once (JSON and plain), running `meanwhile` while
/// they follow it, then checks both against the history; the plain one.
fn watched(serve: &Serve, id: &str, extra: &[&str], meanwhile: impl FnOnce()) -> Watched {
    let spawn = |json: bool| {
        let url = serve.url.clone();
        let mut args = vec![id.to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        if json {
            args.extend(["--output".into(), "json".into()]);
        }
        std::thread::spawn(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            watch(&url, &args)
        })
    };
    let (json, text) = (spawn(true), spawn(false));
    meanwhile();
    let json = json.join().expect("json watch");
    let text = text.join().expect("text watch");
    check(&serve.client(), id, &json, &text);
    text
}

async fn create(c: &Client, app: &str, group: &str, revision: RevisionLocation) -> String {
    c.create_deployment()
        .application_name(app)
        .deployment_group_name(group)
        .revision(revision)
        .send()
        .await
        .expect("CreateDeployment")
        .deployment_id()
        .expect("id")
        .to_string()
}

fn inline(spec: &str) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(AppSpecContent::builder().content(spec).build())
        .build()
}

/// The newest deployment of a demo group.
async fn newest(c: &Client, app: &str, group: &str) -> String {
    c.list_deployments()
        .application_name(app)
        .deployment_group_name(group)
        .send()
        .await
        .expect("ListDeployments")
        .deployments()[0]
        .clone()
}

/// In-place success and failure with automatic rollback, at `speed`.
fn in_place(speed: &str) {
    let serve = Serve::start(&["--demo", "--speed", speed]);
    let c = serve.client();
    let rt = runtime();
    let ok = rt.block_on(create(&c, "web-shop", "staging", s3("web-v4.zip")));
    let _ = watched(&serve, &ok, &[], || {});
    rt.block_on(async {
        c.update_deployment_group()
            .application_name("web-shop")
            .current_deployment_group_name("api")
            .auto_rollback_configuration(
                AutoRollbackConfiguration::builder()
                    .enabled(true)
                    .events(AutoRollbackEvent::DeploymentFailure)
                    .build(),
            )
            .send()
            .await
            .expect("UpdateDeploymentGroup")
    });
    let bad = rt.block_on(create(&c, "web-shop", "api", s3("api-v2.zip")));
    let text = watched(&serve, &bad, &[], || {});
    assert!(
        text.out
            .contains(&format!("{bad} rollback   rolled back by d-")),
        "{}",
        text.out
    );
}

#[test]
fn in_place_at_real_speed() {
    in_place("1");
}

#[test]
fn in_place_at_sixty_times() {
    in_place("60");
}

#[test]
fn a_stopped_deployment() {
    let serve = Serve::start(&["--demo", "--speed", "20"]);
    let c = serve.client();
    let rt = runtime();
    let id = rt.block_on(create(&c, "web-shop", "prod", s3("web-v4.zip")));
    let _ = watched(&serve, &id, &[], || {
        std::thread::sleep(Duration::from_secs(2));
        rt.block_on(async {
            c.stop_deployment()
                .deployment_id(&id)
                .send()
                .await
                .expect("StopDeployment")
        });
    });
}

#[test]
fn blue_green_lambda_and_ecs() {
    let serve = Serve::start(&["--demo", "--speed", "60"]);
    let c = serve.client();
    let rt = runtime();
    // EC2 blue/green waiting in Ready; --continue, then the termination wait.
    let bg = rt.block_on(newest(&c, "web-shop", "blue-green"));
    let canary = rt.block_on(newest(&c, "checkout-fn", "live"));
    assert_eq!(rt.block_on(status(&c, &bg)), "Ready");
    // Both watchers see it waiting, then it is continued (as --continue or
    // C would; one watcher continuing could end the wait before the other
    // first looked).
    let w = watched(&serve, &bg, &[], || {
        std::thread::sleep(Duration::from_secs(4));
        rt.block_on(async {
            c.continue_deployment()
                .deployment_id(&bg)
                .deployment_wait_type(DeploymentWaitType::ReadyWait)
                .send()
                .await
                .expect("ContinueDeployment")
        });
    });
    for wait in ["wait       ready", "wait       termination wait"] {
        assert!(w.out.contains(wait), "{wait}: {}", w.out);
    }
    // The demo's Lambda canary, shifting.
    let w = watched(&serve, &canary, &[], || {});
    assert!(w.out.contains("traffic    10% on version 3"), "{}", w.out);
    assert!(w.out.contains("traffic    100% on version 3"), "{}", w.out);
    // An ECS blue/green deployment.
    let spec = "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: \"arn:aws:ecs:us-east-1:000000000000:task-definition/store:3\"\n        LoadBalancerInfo:\n          ContainerName: web\n          ContainerPort: 80\n";
    let ecs = rt.block_on(create(&c, "storefront", "blue-green", inline(spec)));
    let _ = watched(&serve, &ecs, &[], || {});
}

/// Group mode follows the deployment created after it began, whatever the
/// server's clock says: the group's last deployment (stopped, so "newest"
/// by time) is never taken for it.
fn group_mode_with_clock_offset(offset: &str) {
    let serve = Serve::start(&["--demo", "--speed", "10", "--clock-offset", offset]);
    let c = serve.client();
    let rt = runtime();
    let old = rt.block_on(async {
        let id = create(&c, "web-shop", "staging", s3("web-v4.zip")).await;
        c.stop_deployment()
            .deployment_id(&id)
            .send()
            .await
            .expect("stop");
        while status(&c, &id).await != "Stopped" {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        id
    });
    let url = serve.url.clone();
    let watcher = std::thread::spawn(move || {
        watch(
            &url,
            &[
                "--application",
                "web-shop",
                "--deployment-group",
                "staging",
                "--output",
                "json",
            ],
        )
    });
    std::thread::sleep(Duration::from_secs(2));
    let new = rt.block_on(create(&c, "web-shop", "staging", s3("web-v5.zip")));
    let w = watcher.join().expect("watch");
    assert_eq!(w.code, Some(0), "{}\n{}", w.out, w.err);
    let lines = json_lines(&w.out);
    assert!(
        lines.iter().all(|l| l["deployment"] == new.as_str()),
        "{old} appears: {}",
        w.out
    );
    assert_eq!(
        lines.last().map(|l| l["kind"].clone()),
        Some("result".into())
    );
}

#[test]
fn group_mode_with_the_server_clock_ahead() {
    group_mode_with_clock_offset("900");
}

#[test]
fn group_mode_with_the_server_clock_behind() {
    group_mode_with_clock_offset("-900");
}

#[test]
fn print_changes_keeps_time_order_with_each_result_last() {
    let fleet = fleet();
    let mut child = Command::new(env!("CARGO_BIN_EXE_codedeck"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--demo",
            "--speed",
            "120",
            "--print-changes",
        ])
        .arg("--fleet")
        .arg(fleet.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut url = String::new();
    stdout.read_line(&mut url).expect("address");
    let url = url.trim().to_string();
    let lines = std::thread::spawn(move || {
        stdout
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    let c = client(&url);
    let rt = runtime();
    let ids = rt.block_on(async {
        let a = create(&c, "web-shop", "staging", s3("web-v4.zip")).await;
        let b = create(&c, "web-shop", "api", s3("api-v2.zip")).await;
        for _ in 0..600 {
            let mut done = true;
            for id in [&a, &b] {
                done &= matches!(
                    status(&c, id).await.as_str(),
                    "Succeeded" | "Failed" | "Stopped"
                );
            }
            if done {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The printer reads after each change: give it a moment to print.
        tokio::time::sleep(Duration::from_millis(500)).await;
        [a, b]
    });
    let _ = child.kill();
    let _ = child.wait();
    let lines = lines.join().expect("lines");
    let stamped: Vec<&String> = lines.iter().filter(|l| !l.starts_with(' ')).collect();
    let times: Vec<&str> = stamped
        .iter()
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{lines:#?}");
    for id in &ids {
        let mine: Vec<&&String> = stamped
            .iter()
            .filter(|l| l.contains(&format!(" {id} ")))
            .collect();
        let last = mine
            .last()
            .unwrap_or_else(|| panic!("no line of {id}: {lines:#?}"));
        assert!(
            last.contains(&format!("{id} Succeeded in"))
                || last.contains(&format!("{id} Failed in")),
            "{id}: {lines:#?}"
        );
    }
}
