//! What watching costs in CodeDeploy API calls: the AWS source reading a
//! group with 100 unfinished and 10,000 finished deployments through a
//! codedeck API (the counting endpoint: the source counts every call it
//! makes), and an idle group polled for a minute with a short and a long
//! history.
//!
//! * calls for the first read of the group (its newest page of history);
//! * calls per refresh afterwards: at most ceil(active / 25) + a small constant;
//! * calls per minute with nothing running: the same for 10 and 10,000
//!   finished deployments;
//! * calls, by operation, of opening a group from a fresh source: none is a
//!   GetDeploymentConfig when every config is predefined (they are known
//!   locally), one when a custom config exists, however often it is opened.
//!
//! Run with `cargo bench --bench aws_polling` (about two and a half minutes:
//! the idle figures are measured over real minutes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use codedeck::model::labels::parse_revision;
use codedeck::model::{
    CreateDeploymentConfigInput, CreateDeploymentGroupInput, CreateDeploymentInput,
    MinimumHealthyHosts, MinimumHealthyHostsType,
};
use codedeck::runtime::Runtime;
use codedeck::source::aws::{AwsOptions, AwsSource};
use codedeck::source::{Request, Source};

/// Serves `rt`'s API on an ephemeral port; the endpoint URL.
fn serve(rt: codedeck::runtime::Runtime, tokio: &tokio::runtime::Runtime) -> String {
    let listener = tokio
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio.spawn(codedeck::api::serve(listener, rt, std::future::pending()));
    url
}

fn source(url: &str, tokio: &tokio::runtime::Runtime) -> Arc<AwsSource> {
    let opts = AwsOptions {
        endpoint_url: Some(url.into()),
        test_credentials: true,
        poll: Some(Duration::from_secs(2)),
        ..Default::default()
    };
    Arc::new(tokio.block_on(AwsSource::connect(&opts)).expect("connect"))
}

/// Calls one read of `req` costs.
fn cost(src: &AwsSource, req: &Request, tokio: &tokio::runtime::Runtime) -> u64 {
    let before = src.total_calls();
    tokio.block_on(src.load(req.clone())).expect("load");
    src.total_calls() - before
}

/// The calls of `times` reads of `req` by a fresh source, by operation.
fn opening(rt: Runtime, req: &Request, times: usize) -> String {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let url = serve(rt, &tokio);
    let src = source(&url, &tokio);
    for _ in 0..times {
        cost(&src, req, &tokio);
    }
    let calls = src.calls_by_operation();
    let configs = calls.get("GetDeploymentConfig").copied().unwrap_or(0);
    let all: Vec<String> = calls.iter().map(|(op, n)| format!("{op} {n}")).collect();
    format!(
        "{} calls, {configs} GetDeploymentConfig ({})",
        src.total_calls(),
        all.join(", ")
    )
}

/// Adds config `Bench.HalfFleet`, group `custom` on it and a deployment there.
fn custom_config_group(rt: &Runtime) -> Request {
    let made = rt.write("bench", |e, now, ar| {
        e.create_deployment_config(
            now,
            ar,
            CreateDeploymentConfigInput {
                deployment_config_name: Some("Bench.HalfFleet".into()),
                minimum_healthy_hosts: Some(MinimumHealthyHosts {
                    r#type: Some(MinimumHealthyHostsType::FleetPercent),
                    value: Some(50),
                }),
                ..Default::default()
            },
        )?;
        let group = e.create_deployment_group(
            now,
            ar,
            CreateDeploymentGroupInput {
                application_name: Some("app".into()),
                deployment_group_name: Some("custom".into()),
                deployment_config_name: Some("Bench.HalfFleet".into()),
                service_role_arn: Some("arn:aws:iam::000000000000:role/bench".into()),
                ..Default::default()
            },
        )?;
        e.create_deployment(
            now,
            ar,
            CreateDeploymentInput {
                application_name: Some("app".into()),
                deployment_group_name: Some("custom".into()),
                revision: parse_revision("b/app.zip"),
                ..Default::default()
            },
        )?;
        Ok(group.deployment_group_id)
    });
    let group_id = made.expect("custom config group").expect("a group id");
    Request {
        app: Some("app".into()),
        group_id: Some(group_id),
        ..Default::default()
    }
}

/// What opening a group costs in GetDeploymentConfig calls.
fn opening_a_group() {
    let (rt, req) = codedeck::demo::history(10, 1).expect("history");
    let predefined = opening(rt, &req, 1);
    let (rt, _) = codedeck::demo::history(10, 1).expect("history");
    let req = custom_config_group(&rt);
    let custom = opening(rt, &req, 2);
    println!("aws polling, opening a group from a fresh source:");
    println!("  group on a predefined config, opened once: {predefined}");
    println!("  group on a custom config, opened twice: {custom}");
}

fn refreshes() {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let t = Instant::now();
    let (rt, req) = codedeck::demo::history(10_000, 100).expect("history");
    eprintln!(
        "(history of 10,000 + 100 made in {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let url = serve(rt, &tokio);
    let src = source(&url, &tokio);
    let apps = Request::default();
    let groups = Request {
        group_id: None,
        ..req.clone()
    };
    cost(&src, &apps, &tokio);
    cost(&src, &groups, &tokio);
    let first = cost(&src, &req, &tokio);
    let before = src.calls_by_operation();
    cost(&src, &req, &tokio);
    let after = src.calls_by_operation();
    let one: Vec<String> = after
        .iter()
        .map(|(op, n)| (op, n - before.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .map(|(op, n)| format!("{op} {n}"))
        .collect();
    println!("  one refresh by operation: {}", one.join(", "));
    let n = 20;
    let t = Instant::now();
    let total: u64 = (0..n).map(|_| cost(&src, &req, &tokio)).sum();
    let per = total as f64 / n as f64;
    println!("aws polling, group with 100 unfinished and 10,000 finished deployments:");
    println!("  first read of the group: {first} calls");
    println!(
        "  one refresh: {per:.1} calls (bound ceil(100/25) + 3 = 7), {:.1} ms each",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
    assert!(per <= 7.0, "a refresh costs {per} calls");
}

/// Calls in one minute of polling an idle group, as the dashboard polls.
fn idle_minute(finished: usize) -> u64 {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let (rt, req) = codedeck::demo::history(finished, 0).expect("history");
    let url = serve(rt, &tokio);
    let src = source(&url, &tokio);
    // The first read fetches the newest page of history once; then the minute.
    tokio.block_on(src.load(req.clone())).expect("load");
    let first = src.total_calls();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        tokio.block_on(src.load(req.clone())).expect("load");
        let wait = src
            .next_poll()
            .min(Duration::from_secs(60).saturating_sub(start.elapsed()));
        std::thread::sleep(wait);
    }
    src.total_calls() - first
}

fn main() {
    opening_a_group();
    refreshes();
    let short = idle_minute(10);
    let long = idle_minute(10_000);
    println!(
        "  idle group, one minute of polling after the first read: {short} calls with 10 finished, {long} with 10,000"
    );
}
