//! `codedeck watch` and `codedeck serve` as CI meets them: a real `serve`
//! process as the endpoint, a real `watch` process reading it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_codedeploy::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;

pub const ROLE: &str = "arn:aws:iam::000000000000:role/CodeDeployServiceRole";

/// An SDK client of the codedeck at `url`, with test credentials.
pub fn client(url: &str) -> Client {
    let config = aws_sdk_codedeploy::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(url)
        .build();
    Client::from_conf(config)
}

/// A `codedeck serve` child, killed when dropped.
pub struct Serve {
    pub child: Child,
    pub url: String,
    pub _fleet: tempfile::NamedTempFile,
}

/// The sample fleet plus one host whose ValidateService always fails
/// (`Name=broken`): a group of it alone fails every deployment.
pub fn fleet() -> tempfile::NamedTempFile {
    fleet_with("")
}

/// [`fleet`] and `extra` TOML.
pub fn fleet_with(extra: &str) -> tempfile::NamedTempFile {
    let sample = include_str!("../../assets/fleet.toml");
    let broken = "\n[[instance]]\nid = \"i-0badbadbadbad0001\"\ntags = { Name = \"broken\" }\nfail = \"ValidateService\"\n";
    let mut f = tempfile::NamedTempFile::new().expect("temp fleet");
    std::io::Write::write_all(&mut f, format!("{sample}{broken}{extra}").as_bytes())
        .expect("write fleet");
    f
}

impl Serve {
    /// `codedeck serve --listen 127.0.0.1:0 --state :memory: <args>`; waits
    /// for the address on stdout and for `GET /health`.
    pub fn start(args: &[&str]) -> Serve {
        Serve::start_with(fleet(), args)
    }

    /// [`Serve::start`] on the world of `fleet`.
    pub fn start_with(fleet: tempfile::NamedTempFile, args: &[&str]) -> Serve {
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

    pub fn wait_healthy(&self) {
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

    pub fn client(&self) -> Client {
        client(&self.url)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio")
}

/// What a `codedeck watch` run printed and how it ended.
pub struct Watched {
    pub code: Option<i32>,
    pub out: String,
    pub err: String,
}

/// Runs `codedeck watch <args> --local --endpoint-url <url> --poll 0.2`
/// (`--local`: the test credentials a codedeck accepts).
pub fn watch(url: &str, args: &[&str]) -> Watched {
    let mut all = args.to_vec();
    all.push("--local");
    watch_env(url, &all, &[])
}

pub fn watch_env(url: &str, args: &[&str], env: &[(&str, &str)]) -> Watched {
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

pub fn tags(value: &str) -> Ec2TagFilter {
    Ec2TagFilter::builder()
        .key("Name")
        .value(value)
        .r#type(Ec2TagFilterType::KeyAndValue)
        .build()
}

pub fn s3(key: &str) -> RevisionLocation {
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
pub async fn group(c: &Client, app: &str, hosts: &str) {
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

pub async fn deploy(c: &Client, app: &str) -> String {
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

/// `moto_server`, killed when dropped.
pub struct Moto(pub Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `moto_server -p PORT`, up and answering.
pub fn moto(rt: &tokio::runtime::Runtime) -> (Moto, String) {
    let port = free_port();
    let child = Command::new("moto_server")
        .args(["-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("moto_server cannot start ({e}): run scripts/install-tools.sh (pip install 'moto[server]')")
        });
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while rt
        .block_on(reqwest::get(format!("{url}/moto-api/")))
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "moto_server never answered on {url}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (Moto(child), url)
}

/// A CloudWatch Logs client of the endpoint at `url` (moto), test credentials.
pub fn logs_client(url: &str) -> aws_sdk_cloudwatchlogs::Client {
    use aws_sdk_cloudwatchlogs::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(url)
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(config)
}

/// Ships `lines` into `group`/`stream` as the CloudWatch agent would,
/// stamped now (the group and stream are created).
pub async fn ship(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
    lines: &[String],
) {
    use aws_sdk_cloudwatchlogs::types::InputLogEvent;
    logs.create_log_group()
        .log_group_name(group)
        .send()
        .await
        .expect("group");
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await
        .expect("stream");
    let now = codedeck::model::time::wall_now();
    let events: Vec<InputLogEvent> = lines
        .iter()
        .map(|l| {
            InputLogEvent::builder()
                .timestamp(now)
                .message(l)
                .build()
                .expect("event")
        })
        .collect();
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("PutLogEvents");
}

/// A deployment's status as GetDeployment reports it.
pub async fn status(c: &Client, id: &str) -> String {
    let d = c
        .get_deployment()
        .deployment_id(id)
        .send()
        .await
        .expect("GetDeployment");
    d.deployment_info()
        .and_then(|i| i.status())
        .map(|s| s.as_str().to_string())
        .expect("status")
}

/// Whether it has ended (Succeeded, Failed or Stopped).
pub async fn finished(c: &Client, id: &str) -> bool {
    matches!(
        status(c, id).await.as_str(),
        "Succeeded" | "Failed" | "Stopped"
    )
}
