//! Load generator for the CodeDeploy API on loopback, server in-process.
//!
//! `cargo bench --bench api`. Knobs (environment):
//! - `CODEDECK_BENCH_CONNS` (default 32): concurrent keep-alive connections in phase 1;
//! - `CODEDECK_BENCH_REQUESTS` (default 2000000) / `CODEDECK_BENCH_SECS` (default 10):
//!   bound of each of the two phase-1 loads, whichever comes first;
//! - `CODEDECK_BENCH_ROUNDS` (default 10): slices each phase-1 load is cut into,
//!   the two loads alternating slice by slice;
//! - `CODEDECK_BENCH_HOLD` (default 0): seconds to keep both phase-1 servers up
//!   before phase 1, their addresses printed, for an outside generator (wrk);
//! - `CODEDECK_BENCH_GROUPS` (default 16): groups (and connections) in phase 2;
//! - `CODEDECK_BENCH_DEPLOYMENTS` (default 1000): deployments in phase 2.
//!
//! Phase 1: the loopback ceiling and GetDeployment for a finished deployment,
//! alternating, from the same N connections of the same client. The ceiling is
//! a static axum reply of the same status, headers and body on another
//! loopback port, in the same process and run: what HTTP alone costs here.
//! The generator shares the cores with both servers, as wrk did for the
//! issue's figure, but costs more per request than wrk, which narrows the
//! ratio; `CODEDECK_BENCH_HOLD` lets wrk measure the same two servers.
//! Phase 2: CreateDeployment, then GetDeployment until it finishes, 1,000
//! times over N groups at a high clock speed.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use codedeck::runtime::{Runtime, RuntimeOptions};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

type Sender = SendRequest<Full<Bytes>>;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn connect(addr: SocketAddr) -> Result<Sender, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream
        .set_nodelay(true)
        .map_err(|e| format!("nodelay: {e}"))?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One API call; the status and the raw body.
async fn call_raw(sender: &mut Sender, op: &str, body: Bytes) -> Result<(u16, Bytes), String> {
    let (status, _, body) = call_full(sender, op, body).await?;
    Ok((status, body))
}

/// One API call; the status, the headers and the raw body.
async fn call_full(
    sender: &mut Sender,
    op: &str,
    body: Bytes,
) -> Result<(u16, hyper::HeaderMap, Bytes), String> {
    sender.ready().await.map_err(|e| format!("ready: {e}"))?;
    let req = hyper::Request::post("/")
        .header("host", "127.0.0.1")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("CodeDeploy_20141006.{op}"))
        .body(Full::new(body))
        .map_err(|e| format!("request: {e}"))?;
    let res = sender
        .send_request(req)
        .await
        .map_err(|e| format!("{op}: {e}"))?;
    let status = res.status().as_u16();
    let (parts, body) = res.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("{op} body: {e}"))?
        .to_bytes();
    Ok((status, parts.headers, body))
}

/// One API call that must succeed; its JSON reply (`null` for an empty body).
async fn call(sender: &mut Sender, op: &str, body: Value) -> Result<Value, String> {
    let (status, bytes) = call_raw(sender, op, Bytes::from(body.to_string())).await?;
    let v: Value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).map_err(|e| format!("{op}: reply is not JSON: {e}"))?
    };
    if status != 200 {
        return Err(format!(
            "{op} answered HTTP {status}: {} {}",
            v["__type"].as_str().unwrap_or("?"),
            v["message"].as_str().unwrap_or("")
        ));
    }
    Ok(v)
}

struct Stats {
    name: &'static str,
    micros: Vec<u32>,
}

impl Stats {
    fn new(name: &'static str) -> Stats {
        Stats {
            name,
            micros: Vec::new(),
        }
    }

    fn record(&mut self, d: Duration) {
        self.micros
            .push(u32::try_from(d.as_micros()).unwrap_or(u32::MAX));
    }

    /// Prints the figures; the rate in requests per second (0 with none).
    fn report(&mut self, wall: Duration) -> f64 {
        self.micros.sort_unstable();
        let n = self.micros.len();
        if n == 0 {
            println!("  {:<18} no requests", self.name);
            return 0.0;
        }
        let pct = |p: f64| {
            let i = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
            self.micros[i] as f64 / 1000.0
        };
        let rate = n as f64 / wall.as_secs_f64();
        println!(
            "  {:<18} {:>8} requests  {:>9.0} req/s  p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
            self.name,
            n,
            rate,
            pct(0.50),
            pct(0.99),
            pct(1.0),
        );
        rate
    }
}

fn merge(name: &'static str, parts: Vec<Stats>) -> Stats {
    let mut all = Stats::new(name);
    for p in parts {
        all.micros.extend(p.micros);
    }
    all
}

fn s3_revision() -> Value {
    json!({
        "revisionType": "S3",
        "s3Location": {"bucket": "my-artifacts", "key": "app.zip", "bundleType": "zip"}
    })
}

async fn setup_group(s: &mut Sender, app: &str, group: &str) -> Result<(), String> {
    call(
        s,
        "CreateDeploymentGroup",
        json!({
            "applicationName": app,
            "deploymentGroupName": group,
            "serviceRoleArn": "arn:aws:iam::000000000000:role/codedeploy-role",
            "ec2TagFilters": [{"Key": "Name", "Value": "web", "Type": "KEY_AND_VALUE"}],
        }),
    )
    .await
    .map(drop)
}

async fn create_deployment(s: &mut Sender, app: &str, group: &str) -> Result<String, String> {
    let v = call(
        s,
        "CreateDeployment",
        json!({
            "applicationName": app,
            "deploymentGroupName": group,
            "deploymentConfigName": "CodeDeployDefault.AllAtOnce",
            "revision": s3_revision(),
        }),
    )
    .await?;
    v["deploymentId"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("CreateDeployment reply has no deploymentId: {v}"))
}

fn is_terminal(status: &str) -> bool {
    matches!(status, "Succeeded" | "Failed" | "Stopped")
}

async fn wait_finished(s: &mut Sender, id: &str) -> Result<String, String> {
    let start = Instant::now();
    loop {
        let v = call(s, "GetDeployment", json!({ "deploymentId": id })).await?;
        let status = v["deploymentInfo"]["status"]
            .as_str()
            .unwrap_or("")
            .to_string();
        if is_terminal(&status) {
            return Ok(status);
        }
        if start.elapsed() > Duration::from_secs(60) {
            return Err(format!("deployment {id} still {status} after 60 s"));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Phase 0: the server's own cost per GetDeployment, without HTTP.
fn direct_cost(runtime: &Runtime, id: &str) {
    use codedeck::model::{GetDeploymentInput, Operation};
    let body = json!({ "deploymentId": id }).to_string();
    let n = 20_000u32;
    let t = Instant::now();
    for _ in 0..n {
        let input = GetDeploymentInput {
            deployment_id: Some(id.to_string()),
        };
        let _ = runtime.read(|e, now, ar| e.get_deployment(now, ar, input));
    }
    let engine = t.elapsed() / n;
    let t = Instant::now();
    for _ in 0..n {
        let _ =
            codedeck::api::dispatch::dispatch(runtime, Operation::GetDeployment, body.as_bytes());
    }
    let full = t.elapsed() / n;
    println!(
        "phase 0: GetDeployment without HTTP: engine+archive {engine:.2?}/call, \
         dispatch {full:.2?}/call (a finished deployment's reply is encoded once)"
    );
}

/// How phase 1 loads a server.
#[derive(Clone, Copy)]
struct Load {
    conns: u64,
    requests: u64,
    secs: u64,
    /// Slices each kind's time is cut into, alternating between the kinds.
    rounds: u64,
    /// Seconds to serve an outside generator first.
    hold: u64,
}

/// What one kind of phase-1 load measured, over all its slices.
struct Tally {
    stats: Stats,
    errors: u64,
    wall: Duration,
}

impl Tally {
    fn new(name: &'static str) -> Tally {
        Tally {
            stats: Stats::new(name),
            errors: 0,
            wall: Duration::ZERO,
        }
    }

    /// Prints the figures; the rate.
    fn report(&mut self) -> f64 {
        let rate = self.stats.report(self.wall);
        println!(
            "  {:<18} {} errors in {:.2?}",
            self.stats.name, self.errors, self.wall
        );
        rate
    }
}

/// One slice of `tally`'s load: `body` from `load.conns` keep-alive
/// connections for `slice`. Errors (a status other than 200, a failed
/// connection) are counted, not fatal.
async fn run_slice(tally: &mut Tally, addr: SocketAddr, body: Bytes, load: Load, slice: Duration) {
    let name = tally.stats.name;
    let deadline = Instant::now() + slice;
    let per_conn = load
        .requests
        .div_ceil(load.conns.max(1) * load.rounds.max(1));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..load.conns {
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut stats = Stats::new(name);
            let mut errors = 0u64;
            let mut sender = match connect(addr).await {
                Ok(s) => s,
                Err(e) => {
                    println!("  connection failed: {e}");
                    return (stats, 1);
                }
            };
            for _ in 0..per_conn {
                if Instant::now() >= deadline {
                    break;
                }
                let t = Instant::now();
                match call_raw(&mut sender, "GetDeployment", body.clone()).await {
                    Ok((200, _)) => stats.record(t.elapsed()),
                    Ok(_) => errors += 1,
                    Err(e) => {
                        println!("  connection failed: {e}");
                        errors += 1;
                        break;
                    }
                }
            }
            (stats, errors)
        }));
    }
    for t in tasks {
        match t.await {
            Ok((s, e)) => {
                tally.stats.micros.extend(s.micros);
                tally.errors += e;
            }
            Err(e) => {
                println!("  connection task failed: {e}");
                tally.errors += 1;
            }
        }
    }
    tally.wall += start.elapsed();
}

/// Serves `status`, `headers` and `body` to every request: the loopback ceiling.
async fn static_server(
    status: u16,
    headers: hyper::HeaderMap,
    body: Bytes,
) -> Result<SocketAddr, String> {
    let status = axum::http::StatusCode::from_u16(status).map_err(|e| e.to_string())?;
    // The server sets its own Date and Content-Length, as the API's does.
    let mut fixed = axum::http::HeaderMap::new();
    for (name, value) in &headers {
        if name != hyper::header::DATE && name != hyper::header::CONTENT_LENGTH {
            fixed.append(name.clone(), value.clone());
        }
    }
    let app = axum::Router::new().fallback(move || {
        let (fixed, body) = (fixed.clone(), body.clone());
        async move { (status, fixed, body) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("addr: {e}"))?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

/// Phase 1: the loopback ceiling, then GetDeployment, from the same client.
async fn get_deployment_load(addr: SocketAddr, id: &str, load: Load) -> Result<(), String> {
    let body = Bytes::from(json!({ "deploymentId": id }).to_string());
    let mut s = connect(addr).await?;
    let (status, headers, reply) = call_full(&mut s, "GetDeployment", body.clone()).await?;
    let ceiling_addr = static_server(status, headers, reply.clone()).await?;
    println!(
        "phase 1: {} connections, {} s or {} requests each, in {} alternating slices; replies of {} bytes",
        load.conns,
        load.secs,
        load.requests,
        load.rounds,
        reply.len()
    );
    if load.hold > 0 {
        println!(
            "  serving for {} s: GetDeployment {} at http://{addr}/, the static reply at http://{ceiling_addr}/",
            load.hold,
            String::from_utf8_lossy(&body)
        );
        tokio::time::sleep(Duration::from_secs(load.hold)).await;
    }
    // The two alternate, so that a change in what else the machine runs
    // weighs on both alike.
    let slice = Duration::from_secs(load.secs).div_f64(load.rounds.max(1) as f64);
    let mut ceiling = Tally::new("static reply");
    let mut get = Tally::new("GetDeployment");
    for _ in 0..load.rounds.max(1) {
        run_slice(&mut ceiling, ceiling_addr, body.clone(), load, slice).await;
        run_slice(&mut get, addr, body.clone(), load, slice).await;
    }
    let ceiling = ceiling.report();
    let get = get.report();
    if ceiling > 0.0 {
        println!("  GetDeployment / ceiling = {:.2}", get / ceiling);
    }
    Ok(())
}

/// Phase 2: `total` deployments created and polled to completion over `conns` groups.
async fn lifecycle_load(addr: SocketAddr, app: &str, conns: u64, total: u64) -> Result<(), String> {
    let mut s = connect(addr).await?;
    for w in 0..conns {
        setup_group(&mut s, app, &format!("bench-{w}")).await?;
    }
    let per_worker = total.div_ceil(conns.max(1));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..conns {
        let app = app.to_string();
        tasks.push(tokio::spawn(async move {
            let group = format!("bench-{w}");
            let mut create = Stats::new("CreateDeployment");
            let mut get = Stats::new("GetDeployment");
            let mut failed = 0u64;
            let mut sender = connect(addr).await?;
            for _ in 0..per_worker {
                let t = Instant::now();
                let id = create_deployment(&mut sender, &app, &group).await?;
                create.record(t.elapsed());
                let body = Bytes::from(json!({ "deploymentId": id }).to_string());
                let began = Instant::now();
                loop {
                    let t = Instant::now();
                    let (status, bytes) =
                        call_raw(&mut sender, "GetDeployment", body.clone()).await?;
                    get.record(t.elapsed());
                    if status != 200 {
                        return Err(format!("GetDeployment answered HTTP {status}"));
                    }
                    let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                    let st = v["deploymentInfo"]["status"].as_str().unwrap_or("");
                    if is_terminal(st) {
                        if st != "Succeeded" {
                            failed += 1;
                        }
                        break;
                    }
                    if began.elapsed() > Duration::from_secs(60) {
                        return Err(format!("deployment {id} still {st} after 60 s"));
                    }
                }
            }
            Ok::<_, String>((create, get, failed))
        }));
    }
    let mut creates = Vec::new();
    let mut gets = Vec::new();
    let mut failed = 0;
    for t in tasks {
        match t.await {
            Ok(Ok((c, g, f))) => {
                creates.push(c);
                gets.push(g);
                failed += f;
            }
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(format!("worker task failed: {e}")),
        }
    }
    let wall = start.elapsed();
    let mut create = merge("CreateDeployment", creates);
    let mut get = merge("GetDeployment", gets);
    let done = create.micros.len();
    println!(
        "phase 2: {done} deployments created and polled to completion over {conns} groups in {wall:.2?} \
         ({:.0} deployments/s, {:.0} req/s overall, {failed} not Succeeded)",
        done as f64 / wall.as_secs_f64(),
        (create.micros.len() + get.micros.len()) as f64 / wall.as_secs_f64(),
    );
    create.report(wall);
    get.report(wall);
    Ok(())
}

async fn bench() -> Result<(), String> {
    let load = Load {
        conns: env_or("CODEDECK_BENCH_CONNS", 32),
        requests: env_or("CODEDECK_BENCH_REQUESTS", 2_000_000),
        secs: env_or("CODEDECK_BENCH_SECS", 10),
        rounds: env_or("CODEDECK_BENCH_ROUNDS", 10),
        hold: env_or("CODEDECK_BENCH_HOLD", 0),
    };
    let groups = env_or("CODEDECK_BENCH_GROUPS", 16);
    let deployments = env_or("CODEDECK_BENCH_DEPLOYMENTS", 1_000);

    // The highest clock speed: a deployment takes a millisecond or two of wall time.
    let runtime = Runtime::open(RuntimeOptions::memory(1_000_000.0))
        .map_err(|e| format!("runtime: {e:#}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("addr: {e}"))?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(codedeck::api::serve(listener, runtime.clone(), async {
        let _ = stop_rx.await;
    }));

    let result = async {
        let mut s = connect(addr).await?;
        let app = "bench-app";
        call(
            &mut s,
            "CreateApplication",
            json!({"applicationName": app, "computePlatform": "Server"}),
        )
        .await?;
        setup_group(&mut s, app, "prod").await?;
        let id = create_deployment(&mut s, app, "prod").await?;
        let status = wait_finished(&mut s, &id).await?;
        println!("setup: deployment {id} finished {status}");
        direct_cost(&runtime, &id);
        get_deployment_load(addr, &id, load).await?;
        lifecycle_load(addr, app, groups, deployments).await
    }
    .await;

    let _ = stop_tx.send(());
    let _ = server.await;
    let _ = runtime.shutdown();
    result
}

fn main() {
    if cfg!(debug_assertions) {
        println!("note: debug build; run `cargo bench --bench api` for release figures");
    }
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            std::process::exit(1);
        }
    };
    println!("api bench: server and load generator in one process, {workers} worker threads");
    if let Err(e) = rt.block_on(bench()) {
        // Engine operations still missing make the bench stop here, clearly.
        println!("api bench stopped: {e}");
    }
}
