//! `codedeck aws --logs-group`: `l` on a failed hook shows its whole output,
//! read from CloudWatch Logs (moto's server) while CodeDeploy is a real
//! `codedeck serve`. Its own test binary: it points the process's Logs
//! endpoint at moto through the environment, as a user would.

mod common_watch;

use std::sync::Arc;
use std::time::Duration;

use codedeck::source::aws::logs::ScriptLogs;
use codedeck::source::aws::{AwsOptions, AwsSource};
use codedeck::tui::harness::Harness;
use codedeck::tui::ApiStatus;
use common_watch::*;

const BROKEN: &str = "i-0badbadbadbad0001";
const GROUP: &str = "/codedeck/agent-deployments";

#[test]
fn l_on_a_failed_hook_shows_its_whole_output() {
    let rt = runtime();
    let (_moto, moto_url) = moto(&rt);
    // Set before any client reads the environment; nothing else runs here.
    std::env::set_var("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", &moto_url);
    let serve = Serve::start(&["--speed", "100"]);
    let c = serve.client();
    let bad = rt.block_on(async {
        group(&c, "api", "broken").await;
        let id = deploy(&c, "api").await;
        while !finished(&c, &id).await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(status(&c, &id).await, "Failed");
        id
    });
    let stamp = "2026-12-06 10:00:00";
    let mut lines = vec![
        format!("[{bad}]{stamp} LifecycleEvent - ValidateService"),
        format!("[{bad}]{stamp} Script - scripts/validate_service.sh"),
        format!("[{bad}]{stamp} [stdout]MARKER-FIRST-LINES"),
    ];
    lines.extend((0..150).map(|i| format!("[{bad}]{stamp} [stdout]check {i:03}")));
    lines.push(format!("[d-0THER0000]{stamp} [stdout]OTHER-DEPLOYMENT"));
    let opts = AwsOptions {
        endpoint_url: Some(serve.url.clone()),
        test_credentials: true,
        ..Default::default()
    };
    let source = rt.block_on(async {
        ship(&logs_client(&moto_url), GROUP, BROKEN, &lines).await;
        let logs = ScriptLogs::connect(&opts, GROUP).await.expect("logs");
        AwsSource::connect(&opts)
            .await
            .expect("connect")
            .with_logs(logs)
    });
    drop(rt);
    let mut h = Harness::new(Arc::new(source), ApiStatus::Remote, false, (120, 60)).expect("read");
    h.keys(&format!(":{bad}\r")).expect("open the timeline");
    let text = h.text(120, 60).expect("draw");
    assert!(text.contains("ValidateService"), "{text}");
    h.keys("l").expect("details");
    let text = h.text(120, 60).expect("draw");
    assert!(
        text.contains(&format!(
            "Output (CloudWatch Logs {GROUP}/{BROKEN}, 152 lines)"
        )),
        "{text}"
    );
    assert!(text.contains("MARKER-FIRST-LINES"), "{text}");
    assert!(!text.contains("OTHER-DEPLOYMENT"), "{text}");
}
