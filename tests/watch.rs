//! `codedeck watch` against a real `codedeck serve` process as the endpoint:
//! a line per change and the exit code of the result (0 succeeded, 1 failed,
//! 2 stopped, 3 timed out, 4 could not watch), `--until ready` and
//! `--continue` on blue/green deployments, and the same results through an
//! endpoint that throttles, drops connections and denies permissions.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_codedeploy::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;

const ROLE: &str = "arn:aws:iam::000000000000:role/CodeDeployServiceRole";

/// A `codedeck serve` child, killed when dropped.
struct Serve {
    child: Child,
    url: String,
    _fleet: tempfile::NamedTempFile,
}

/// The sample fleet plus one host whose ValidateService always fails
/// (`Name=broken`): a group of it alone fails every deployment.
fn fleet() -> tempfile::NamedTempFile {
    let sample = include_str!("../assets/fleet.toml");
    let broken = "\n[[instance]]\nid = \"i-0badbadbadbad0001\"\ntags = { Name = \"broken\" }\nfail = \"ValidateService\"\n";
    let mut f = tempfile::NamedTempFile::new().expect("temp fleet");
    std::io::Write::write_all(&mut f, format!("{sample}{broken}").as_bytes()).expect("write fleet");
    f
}

impl Serve {
    /// `codedeck serve --listen 127.0.0.1:0 --state :memory: <args>`; waits
    /// for the address on stdout and for `GET /health`.
    fn start(args: &[&str]) -> Serve {
        let fleet = fleet();
        let mut child = Command::new(env!("CARGO_BIN_EXE_codedeck"))
            .args(["serve", "--listen", "127.0.0.1:0", "--state", ":memory:"])
            .arg("--fleet")
            .arg(fleet.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn codedeck serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("first line");
        let url = first.trim().to_string();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "first line: {first:?}"
        );
        let serve = Serve {
            child,
            url,
            _fleet: fleet,
        };
        serve.wait_healthy();
        serve
    }

    fn wait_healthy(&self) {
        let rt = runtime();
        let url = format!("{}/health", self.url);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = rt.block_on(async { reqwest::get(&url).await.map(|r| r.status().as_u16()) });
            if ok.as_ref().is_ok_and(|s| *s == 200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "GET /health never answered 200: {ok:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn client(&self) -> Client {
        let config = aws_sdk_codedeploy::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .endpoint_url(&self.url)
            .build();
        Client::from_conf(config)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio")
}

/// What a `codedeck watch` run printed and how it ended.
struct Watched {
    code: Option<i32>,
    out: String,
    err: String,
}

/// Runs `codedeck watch <args> --local --endpoint-url <url> --poll 0.2`
/// (`--local`: the test credentials a codedeck accepts).
fn watch(url: &str, args: &[&str]) -> Watched {
    let mut all = args.to_vec();
    all.push("--local");
    watch_env(url, &all, &[])
}

fn watch_env(url: &str, args: &[&str], env: &[(&str, &str)]) -> Watched {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_codedeck"));
    cmd.arg("watch")
        .args(args)
        .args(["--endpoint-url", url, "--poll", "0.2"])
        .env_remove("GITHUB_ACTIONS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn codedeck watch");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("codedeck watch did not end within 3 minutes");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Watched {
        code: status.code(),
        out: reader.join().expect("stdout"),
        err: err_reader.join().expect("stderr"),
    }
}

fn tags(value: &str) -> Ec2TagFilter {
    Ec2TagFilter::builder()
        .key("Name")
        .value(value)
        .r#type(Ec2TagFilterType::KeyAndValue)
        .build()
}

fn s3(key: &str) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::S3)
        .s3_location(
            S3Location::builder()
                .bucket("releases")
                .key(key)
                .bundle_type(BundleType::Zip)
                .build(),
        )
        .build()
}

/// An application with a group deploying to the sample fleet's `Name=<hosts>`.
async fn group(c: &Client, app: &str, hosts: &str) {
    c.create_application()
        .application_name(app)
        .send()
        .await
        .expect("CreateApplication");
    c.create_deployment_group()
        .application_name(app)
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .ec2_tag_filters(tags(hosts))
        .send()
        .await
        .expect("CreateDeploymentGroup");
}

async fn deploy(c: &Client, app: &str) -> String {
    c.create_deployment()
        .application_name(app)
        .deployment_group_name("prod")
        .revision(s3("app.zip"))
        .send()
        .await
        .expect("CreateDeployment")
        .deployment_id()
        .expect("id")
        .to_string()
}

#[test]
fn succeeded_failed_stopped_timed_out_and_unknown() {
    let serve = Serve::start(&["--speed", "200"]);
    let rt = runtime();
    let c = serve.client();
    let (good, bad) = rt.block_on(async {
        group(&c, "web", "web").await;
        group(&c, "api", "broken").await;
        (deploy(&c, "web").await, deploy(&c, "api").await)
    });

    let w = watch(&serve.url, &[&good]);
    assert_eq!(w.code, Some(0), "{}\n{}", w.out, w.err);
    assert!(
        w.out.contains(&format!("{good} deployment Succeeded")),
        "{}",
        w.out
    );
    let events = w.out.lines().filter(|l| l.contains(" event ")).count();
    assert!(events >= 3 * 7, "every host's lifecycle events:\n{}", w.out);
    assert!(
        !w.out.contains('\x1b'),
        "no escape codes without a terminal"
    );

    // The broken host's ValidateService script fails: diagnostics follow.
    let w = watch(&serve.url, &[&bad, "--output", "json"]);
    assert_eq!(w.code, Some(1), "{}\n{}", w.out, w.err);
    let lines: Vec<serde_json::Value> = w
        .out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert!(lines
        .iter()
        .all(|l| l["deployment"] == bad.as_str() && l["time"].is_string()));
    let failed = lines
        .iter()
        .find(|l| l["kind"] == "event" && l["status"] == "Failed")
        .expect("a failed event");
    assert_eq!(
        failed["diagnostics"]["errorCode"], "ScriptFailed",
        "{failed}"
    );
    assert!(lines
        .iter()
        .any(|l| l["kind"] == "deployment" && l["status"] == "Failed"));

    // Stopped while watched: exit 2.
    let slow = Serve::start(&["--speed", "2"]);
    let c = slow.client();
    let id = rt.block_on(async {
        group(&c, "web", "web").await;
        deploy(&c, "web").await
    });
    let url = slow.url.clone();
    let watcher = std::thread::spawn(move || watch(&url, &[&id]));
    std::thread::sleep(Duration::from_secs(2));
    rt.block_on(async {
        let id = c
            .list_deployments()
            .send()
            .await
            .expect("list")
            .deployments()[0]
            .clone();
        c.stop_deployment()
            .deployment_id(id)
            .send()
            .await
            .expect("StopDeployment");
    });
    let w = watcher.join().expect("watch");
    assert_eq!(w.code, Some(2), "{}\n{}", w.out, w.err);
    assert!(w.out.contains("deployment Stopped"), "{}", w.out);

    // A deployment that takes longer than --timeout: exit 3.
    let id = rt.block_on(deploy(&c, "web"));
    let w = watch(&slow.url, &[&id, "--timeout", "1s"]);
    assert_eq!(w.code, Some(3), "{}\n{}", w.out, w.err);
    assert!(w.err.contains("timed out"), "{}", w.err);

    // No such deployment: exit 4, with the service's word for it.
    let w = watch(&serve.url, &["d-NOSUCHONE"]);
    assert_eq!(w.code, Some(4), "{}\n{}", w.out, w.err);
    assert!(
        w.err.contains("DeploymentDoesNotExistException"),
        "{}",
        w.err
    );
}

#[test]
fn a_group_is_watched_through_its_running_deployment() {
    let serve = Serve::start(&["--speed", "20"]);
    let rt = runtime();
    let c = serve.client();
    let id = rt.block_on(async {
        group(&c, "web", "web").await;
        deploy(&c, "web").await
    });
    let w = watch(
        &serve.url,
        &["--application", "web", "--deployment-group", "prod"],
    );
    assert_eq!(w.code, Some(0), "{}\n{}", w.out, w.err);
    assert!(
        w.out.contains(&format!("{id} deployment Succeeded")),
        "{}",
        w.out
    );
    // Nothing runs and nothing starts: exit 4 after --wait-for-start.
    let w = watch(
        &serve.url,
        &[
            "--application",
            "web",
            "--deployment-group",
            "prod",
            "--wait-for-start",
            "1s",
        ],
    );
    assert_eq!(w.code, Some(4), "{}\n{}", w.out, w.err);
    assert!(w.err.contains("none started within"), "{}", w.err);
}

#[test]
fn until_ready_and_continue_on_blue_green() {
    // The demo world's EC2 blue/green deployment waits in Ready.
    let serve = Serve::start(&["--demo", "--speed", "60"]);
    let rt = runtime();
    let c = serve.client();
    let id = rt.block_on(async {
        c.list_deployments()
            .application_name("web-shop")
            .deployment_group_name("blue-green")
            .send()
            .await
            .expect("list")
            .deployments()[0]
            .clone()
    });
    let w = watch(&serve.url, &[&id, "--until", "ready"]);
    assert_eq!(w.code, Some(0), "{}\n{}", w.out, w.err);
    assert!(w.out.contains("wait       ready"), "{}", w.out);
    // --continue reroutes, the 5-minute termination wait passes: Succeeded.
    let w = watch(&serve.url, &[&id, "--continue"]);
    assert_eq!(w.code, Some(0), "{}\n{}", w.out, w.err);
    assert!(w.out.contains("deployment Succeeded"), "{}", w.out);
    assert!(w.out.contains("termination wait"), "{}", w.out);

    // An ECS deployment waiting in Ready.
    let ecs = rt.block_on(async {
        c.create_application()
            .application_name("svc")
            .compute_platform(ComputePlatform::Ecs)
            .send()
            .await
            .expect("app");
        c.create_deployment_group()
            .application_name("svc")
            .deployment_group_name("prod")
            .service_role_arn(ROLE)
            .ecs_services(EcsService::builder().cluster_name("main").service_name("web").build())
            .blue_green_deployment_configuration(
                BlueGreenDeploymentConfiguration::builder()
                    .deployment_ready_option(
                        DeploymentReadyOption::builder()
                            .action_on_timeout(DeploymentReadyAction::StopDeployment)
                            .wait_time_in_minutes(600)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("group");
        let spec = r#"{"version":0.0,"Resources":[{"TargetService":{"Type":"AWS::ECS::Service","Properties":{
          "TaskDefinition":"arn:aws:ecs:us-east-1:000000000000:task-definition/web:2",
          "LoadBalancerInfo":{"ContainerName":"web","ContainerPort":80}}}}]}"#;
        c.create_deployment()
            .application_name("svc")
            .deployment_group_name("prod")
            .revision(
                RevisionLocation::builder()
                    .revision_type(RevisionLocationType::AppSpecContent)
                    .app_spec_content(AppSpecContent::builder().content(spec).build())
                    .build(),
            )
            .send()
            .await
            .expect("deployment")
            .deployment_id()
            .expect("id")
            .to_string()
    });
    let w = watch(&serve.url, &[&ecs, "--until", "ready"]);
    assert_eq!(w.code, Some(0), "{}\n{}", w.out, w.err);
    assert!(w.out.contains("deployment Ready"), "{}", w.out);
}

#[test]
fn throttling_and_dropped_connections_do_not_change_the_result() {
    let serve = Serve::start(&["--speed", "200", "--throttle", "0.4", "--drop", "0.1"]);
    let rt = runtime();
    let c = serve.client();
    // The test's own client retries through the same faults.
    let (good, bad) = rt.block_on(async {
        let retry = |n: u64| async move {
            tokio::time::sleep(Duration::from_millis(50 * n)).await;
        };
        let mut ids = Vec::new();
        for (app, hosts) in [("web", "web"), ("api", "broken")] {
            for n in 0u64.. {
                if c.create_application()
                    .application_name(app)
                    .send()
                    .await
                    .is_ok()
                    || c.get_application()
                        .application_name(app)
                        .send()
                        .await
                        .is_ok()
                {
                    break;
                }
                retry(n).await;
            }
            for n in 0u64.. {
                let g = c
                    .create_deployment_group()
                    .application_name(app)
                    .deployment_group_name("prod")
                    .service_role_arn(ROLE)
                    .ec2_tag_filters(tags(hosts))
                    .send()
                    .await;
                if g.is_ok()
                    || c.get_deployment_group()
                        .application_name(app)
                        .deployment_group_name("prod")
                        .send()
                        .await
                        .is_ok()
                {
                    break;
                }
                retry(n).await;
            }
            for n in 0u64.. {
                if let Ok(out) = c
                    .create_deployment()
                    .application_name(app)
                    .deployment_group_name("prod")
                    .revision(s3("app.zip"))
                    .send()
                    .await
                {
                    ids.push(out.deployment_id().expect("id").to_string());
                    break;
                }
                retry(n).await;
            }
        }
        (ids[0].clone(), ids[1].clone())
    });
    let w = watch(&serve.url, &[&good]);
    assert_eq!(w.code, Some(0), "{}\n{}", w.out, w.err);
    let w2 = watch(&serve.url, &[&bad]);
    assert_eq!(w2.code, Some(1), "{}\n{}", w2.out, w2.err);
    // The backoff was visible on at least one of the runs.
    let both = format!("{}{}", w.err, w2.err);
    assert!(both.contains("backing off"), "{both}");
}

#[test]
fn missing_credentials_and_denied_permissions_are_explained() {
    let serve = Serve::start(&["--demo", "--deny", "BatchGetDeploymentTargets"]);
    // No credentials anywhere: not in the environment, no files, no IMDS.
    let w = watch_env(
        &serve.url,
        &["d-AAAAAAAAA", "--region", "us-east-1"],
        &[
            ("AWS_ACCESS_KEY_ID", ""),
            ("AWS_SECRET_ACCESS_KEY", ""),
            ("AWS_SESSION_TOKEN", ""),
            ("AWS_PROFILE", ""),
            ("AWS_CONFIG_FILE", "/nonexistent/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", ""),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", ""),
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ""),
        ],
    );
    assert_eq!(w.code, Some(4), "{}\n{}", w.out, w.err);
    assert!(w.err.contains("aws sso login"), "{}", w.err);
    assert!(w.err.contains("AWS_ACCESS_KEY_ID"), "{}", w.err);

    // A role without codedeploy:BatchGetDeploymentTargets.
    let rt = runtime();
    let c = serve.client();
    let id = rt.block_on(async {
        c.list_deployments()
            .application_name("web-shop")
            .deployment_group_name("prod")
            .send()
            .await
            .expect("list")
            .deployments()[0]
            .clone()
    });
    let w = watch(&serve.url, &[&id]);
    assert_eq!(w.code, Some(4), "{}\n{}", w.out, w.err);
    assert!(
        w.err.contains("lack codedeploy:BatchGetDeploymentTargets"),
        "{}",
        w.err
    );
}
