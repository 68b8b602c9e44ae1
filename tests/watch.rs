//! `codedeck watch` against a real `codedeck serve` process as the endpoint:
//! a line per change and the exit code of the result (0 succeeded, 1 failed,
//! 2 stopped, 3 timed out, 4 could not watch), `--until ready` and
//! `--continue` on blue/green deployments, and the same results through an
//! endpoint that throttles, drops connections and denies permissions.

mod common_watch;

use std::time::Duration;

use aws_sdk_codedeploy::types::*;
use common_watch::*;

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

#[test]
fn usage_errors_exit_64_never_a_result_code() {
    let bin = env!("CARGO_BIN_EXE_codedeck");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .output()
            .expect("run codedeck")
    };
    for args in [
        &["watch", "--endpoint-url", "http://127.0.0.1:9"][..],
        &[
            "watch",
            "d-ABCDEFGHI",
            "--application",
            "a",
            "--deployment-group",
            "g",
        ],
        &["watch", "d-ABCDEFGHI", "--timeout", "soon"],
        &["watch", "d-ABCDEFGHI", "--no-such-option"],
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(64), "{args:?}: {err}");
        assert!(
            !err.trim().is_empty(),
            "{args:?}: a message says what is wrong"
        );
    }
    let help = run(&["watch", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("64  usage error"), "{text}");
}

/// A host whose agent never answers: ApplicationStop stays Pending until
/// CodeDeploy gives up after 5 minutes. The watcher says why once, after 2
/// minutes of the server's time, beats while nothing changes, and ends with
/// the result; with --timeout first, the result says what it saw.
#[test]
fn a_silent_host_gets_a_heartbeat_and_the_agent_hint() {
    let fleet = fleet_with(
        "\n[[instance]]\nid = \"i-0a5aeeb0a5aeeb001\"\ntags = { Name = \"asleep\" }\nstate = \"stopped\"\n",
    );
    let serve = Serve::start_with(fleet, &["--speed", "60"]);
    let c = serve.client();
    let rt = runtime();
    let id = rt.block_on(async {
        group(&c, "quiet", "asleep").await;
        deploy(&c, "quiet").await
    });
    let w = watch(&serve.url, &[&id, "--heartbeat", "1s"]);
    assert_eq!(w.code, Some(1), "{}\n{}", w.out, w.err);
    let lines: Vec<&str> = w.out.lines().collect();
    let hints: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains(" hint "))
        .collect();
    assert_eq!(hints.len(), 1, "{}", w.out);
    let hint = lines[hints[0]];
    assert!(
        hint.contains("i-0a5aeeb0a5aeeb001 has not started ApplicationStop after 2m")
            && hint.contains("CodeDeploy agent is not running"),
        "{hint}"
    );
    let failed = lines
        .iter()
        .position(|l| l.contains("ApplicationStop Failed"))
        .expect("the event fails");
    assert!(hints[0] < failed, "the hint comes first: {}", w.out);
    assert!(
        lines.iter().any(|l| l.contains(
            " heartbeat  still InProgress: i-0a5aeeb0a5aeeb001 ApplicationStop not started"
        )),
        "{}",
        w.out
    );
    let times: Vec<&str> = lines
        .iter()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    assert!(times.windows(2).all(|p| p[0] <= p[1]), "{}", w.out);
    assert!(
        lines
            .last()
            .is_some_and(|l| l.contains(&format!("{id} Failed in 5m"))),
        "{}",
        w.out
    );

    let again = rt.block_on(deploy(&c, "quiet"));
    let w = watch(
        &serve.url,
        &[&again, "--quiet", "--heartbeat", "1s", "--timeout", "2s"],
    );
    assert_eq!(w.code, Some(3), "{}\n{}", w.out, w.err);
    assert!(!w.out.contains(" heartbeat "), "{}", w.out);
    let last = w.out.lines().last().expect("lines");
    assert!(
        last.contains(&format!("{again} timed out: still InProgress after")),
        "{last}"
    );
}
