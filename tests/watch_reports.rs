//! CI reports beyond a final status, against a real `codedeck serve` for
//! CodeDeploy and moto's server for CloudWatch Logs: a failed hook's whole
//! output under its failure line (only this deployment's lines), one clear
//! line when the log cannot be read, a JUnit file parsed back, the GitHub
//! step summary read back, and several deployments watched at once.

mod common_watch;

use std::time::Duration;

use common_watch::*;

const BROKEN: &str = "i-0badbadbadbad0001";
const GROUP: &str = "/codedeck/agent-deployments";

/// A deployment to the broken host and one to the web hosts, both ended.
fn ended(serve: &Serve) -> (String, String) {
    let c = serve.client();
    runtime().block_on(async {
        group(&c, "web", "web").await;
        group(&c, "api", "broken").await;
        let good = deploy(&c, "web").await;
        let bad = deploy(&c, "api").await;
        for id in [&good, &bad] {
            while !finished(&c, id).await {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        (good, bad)
    })
}

/// The agent's deployment log as the CloudWatch agent ships it: 10 KB of
/// `bad`'s ValidateService output (a marker in its first lines, one at the
/// end) with another deployment's lines before and among it.
fn agent_log(bad: &str) -> Vec<String> {
    let stamp = "2026-12-06 10:00:00";
    let other = "d-0THER0000";
    let mut lines = vec![
        format!("[{other}]{stamp} LifecycleEvent - ValidateService"),
        format!("[{other}]{stamp} [stdout]OTHER-BEFORE"),
        format!("[{bad}]{stamp} LifecycleEvent - ApplicationStart"),
        format!("[{bad}]{stamp} [stdout]started"),
        format!("[{bad}]{stamp} LifecycleEvent - ValidateService"),
        format!("[{bad}]{stamp} Script - scripts/validate_service.sh"),
        format!("[{bad}]{stamp} [stdout]MARKER-FIRST-LINES: checking the service"),
    ];
    for i in 0..200 {
        lines.push(format!(
            "[{bad}]{stamp} [stdout]check {i:03}: waiting for port 80 ......"
        ));
        if i % 50 == 0 {
            lines.push(format!("[{other}]{stamp} [stdout]OTHER-AMONG"));
        }
    }
    lines.push(format!(
        "[{bad}]{stamp} [stderr]LAST-LINE: service did not answer"
    ));
    lines
}

#[test]
fn a_failed_hooks_whole_output_from_cloudwatch_logs() {
    let rt = runtime();
    let (_moto, moto_url) = moto(&rt);
    let serve = Serve::start(&["--speed", "100"]);
    let (_, bad) = ended(&serve);
    let lines = agent_log(&bad);
    let size: usize = lines.iter().map(String::len).sum();
    assert!(size >= 10_000, "10 KB of output: {size}");
    rt.block_on(ship(&logs_client(&moto_url), GROUP, BROKEN, &lines));

    let env = [("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", moto_url.as_str())];
    let w = watch_env(&serve.url, &[&bad, "--local", "--logs-group", GROUP], &env);
    assert_eq!(w.code, Some(1), "{}\n{}", w.out, w.err);
    assert!(w.out.contains("MARKER-FIRST-LINES"), "{}", w.out);
    assert!(
        w.out.contains("LAST-LINE: service did not answer"),
        "{}",
        w.out
    );
    assert!(
        !w.out.contains("OTHER-"),
        "another deployment's lines: {}",
        w.out
    );
    assert!(
        w.out
            .contains(&format!("output from CloudWatch Logs {GROUP}/{BROKEN} (")),
        "{}",
        w.out
    );
    // The output sits under the failure line, and the result is still last.
    let failure = w.out.find("ValidateService Failed").expect("failure line");
    let marker = w.out.find("MARKER-FIRST-LINES").expect("marker");
    assert!(failure < marker);
    assert!(w
        .out
        .lines()
        .last()
        .is_some_and(|l| l.contains(&format!("{bad} Failed in"))));

    // JSON carries it as the failure line's `output`.
    let j = watch_env(
        &serve.url,
        &[&bad, "--local", "--logs-group", GROUP, "--output", "json"],
        &env,
    );
    let failure: serde_json::Value = j
        .out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|v| v["kind"] == "event" && v["status"] == "Failed")
        .expect("failure object");
    let out = failure["output"]["lines"].as_array().expect("output lines");
    assert_eq!(out[0], "Script - scripts/validate_service.sh");
    assert_eq!(out.len(), 1 + 1 + 200 + 1, "{failure}");
}

#[test]
fn a_missing_group_or_stream_and_a_denied_call_are_one_line_each() {
    let rt = runtime();
    let (_moto, moto_url) = moto(&rt);
    let serve = Serve::start(&["--speed", "100"]);
    let (_, bad) = ended(&serve);
    // A group holding only another host's stream.
    rt.block_on(ship(
        &logs_client(&moto_url),
        GROUP,
        "i-0someoneelse0001",
        &agent_log(&bad),
    ));
    let env = [("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", moto_url.as_str())];
    for (group, says) in [
        ("/no/such/group", "no CloudWatch Logs group /no/such/group"),
        (GROUP, "no lines of this event"),
    ] {
        let w = watch_env(&serve.url, &[&bad, "--local", "--logs-group", group], &env);
        assert_eq!(w.code, Some(1), "{}\n{}", w.out, w.err);
        let about: Vec<&str> = w
            .out
            .lines()
            .filter(|l| l.contains("CloudWatch Logs"))
            .collect();
        assert_eq!(about.len(), 1, "{}", w.out);
        assert!(about[0].contains(says), "{}", about[0]);
        // Without the whole output the API's log tail is still shown.
        assert!(w.out.contains("    | [stderr]"), "{}", w.out);
    }
    let denied = deny_all();
    let env = [("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", denied.as_str())];
    let w = watch_env(&serve.url, &[&bad, "--local", "--logs-group", GROUP], &env);
    assert_eq!(w.code, Some(1), "{}\n{}", w.out, w.err);
    let about: Vec<&str> = w
        .out
        .lines()
        .filter(|l| l.contains("CloudWatch Logs"))
        .collect();
    assert_eq!(about.len(), 1, "{}", w.out);
    assert!(
        about[0].contains("lack logs:FilterLogEvents"),
        "{}",
        about[0]
    );
}

/// An endpoint that answers every call with AccessDeniedException, as a
/// role without `logs:FilterLogEvents` would get.
fn deny_all() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::BAD_REQUEST,
            [("content-type", "application/x-amz-json-1.1")],
            r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::000000000000:assumed-role/ci/run is not authorized to perform: logs:FilterLogEvents"}"#,
        )
    });
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = axum::serve(listener, app).await;
        });
    });
    url
}

/// Validates a JUnit file against `tests/schemas/junit.xsd` with Python's
/// xmlschema (installed by scripts/install-tools.sh); the error if not.
fn validate_junit(file: &std::path::Path) -> Result<(), String> {
    let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemas/junit.xsd");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xmlschema; xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])",
            xsd,
        ])
        .arg(file)
        .output()
        .expect("python3 (scripts/install-tools.sh installs xmlschema)");
    match out.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

#[test]
fn several_deployments_junit_and_the_step_summary() {
    let serve = Serve::start(&["--speed", "100"]);
    let (good, bad) = ended(&serve);
    let dir = tempfile::tempdir().expect("dir");
    let junit = dir.path().join("codedeploy.xml");
    let summary = dir.path().join("summary.md");
    let summary_path = summary.to_string_lossy().to_string();
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary_path.as_str()),
    ];
    let junit_arg = junit.to_string_lossy().to_string();
    let w = watch_env(
        &serve.url,
        &[&good, &bad, "--local", "--junit", &junit_arg],
        &env,
    );
    assert_eq!(w.code, Some(1), "the worst: {}\n{}", w.out, w.err);

    // One result per deployment, then the overall line, last.
    let plain: Vec<&str> = w.out.lines().filter(|l| !l.starts_with("::")).collect();
    assert!(
        plain
            .iter()
            .any(|l| l.contains(&format!("{good} Succeeded in"))),
        "{}",
        w.out
    );
    assert!(
        plain
            .iter()
            .any(|l| l.contains(&format!("{bad} Failed in"))),
        "{}",
        w.out
    );
    let last = w.out.lines().last().expect("lines");
    assert!(
        last.contains(&format!(
            "overall failed: 2 deployments, 1 failed ({bad}), 1 succeeded"
        )),
        "{last}"
    );
    // Each target's run of lines folds.
    let opened = w.out.lines().filter(|l| l.starts_with("::group::")).count();
    let closed = w.out.lines().filter(|l| *l == "::endgroup::").count();
    assert!(opened >= 4 && opened == closed, "{}", w.out);

    // JUnit: valid against the common schema, a suite per deployment, a
    // case per target, parsed back.
    validate_junit(&junit).expect("valid against the common JUnit schema");
    let broken = dir.path().join("broken.xml");
    std::fs::write(
        &broken,
        "<testsuites><testsuite tests=\"1\"><testcase/></testsuite></testsuites>",
    )
    .expect("write");
    assert!(validate_junit(&broken).is_err(), "the validator can say no");
    let xml = std::fs::read_to_string(&junit).expect("junit file");
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("valid JUnit");
    assert_eq!(report.test_suites.len(), 2, "{xml}");
    let suite = |id: &str| {
        report
            .test_suites
            .iter()
            .find(|s| s.name.as_str() == id)
            .unwrap_or_else(|| panic!("suite {id}: {xml}"))
    };
    let ok = suite(&good);
    assert_eq!(ok.test_cases.len(), 3);
    assert!(ok.test_cases.iter().all(|c| c
        .classname
        .as_ref()
        .is_some_and(|n| n.as_str() == "web/prod")));
    assert!(ok.test_cases.iter().all(|c| c.time.is_some()));
    let failed = suite(&bad);
    assert_eq!(failed.failures, 1, "{xml}");
    let case = &failed.test_cases[0];
    assert_eq!(case.name.as_str(), BROKEN);
    match &case.status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert_eq!(
                message.as_ref().map(|m| m.as_str()),
                Some("ValidateService ScriptFailed")
            );
            let body = description.as_ref().map_or("", |d| d.as_str());
            assert!(body.contains("scripts/validate_service.sh"), "{body}");
            assert!(body.contains("[stderr]"), "the log output: {body}");
        }
        other => panic!("not a failure: {other:?}"),
    }

    // The step summary: results, a table by lifecycle event, the output.
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(md.contains(&format!("### ✖ `{bad}` Failed in")), "{md}");
    assert!(md.contains(&format!("### ✔ `{good}` Succeeded in")), "{md}");
    assert!(
        md.contains("| target | ApplicationStop | DownloadBundle |"),
        "{md}"
    );
    assert!(md.contains(&format!("| ✖ `{BROKEN}` |")), "{md}");
    assert!(md.contains("```text\n"), "{md}");
    assert!(
        md.contains("**i-0badbadbadbad0001 ValidateService failed**"),
        "{md}"
    );
}
