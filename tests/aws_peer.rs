//! The dashboard over a CodeDeploy endpoint with fewer operations: moto's
//! server (14 of 47 operations, no deployment engine), installed by
//! `scripts/install-tools.sh`. What the endpoint has is shown; what it lacks
//! is named on screen; nothing panics.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_codedeploy::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_codedeploy::types::*;
use codedeck::source::aws::{AwsOptions, AwsSource};
use codedeck::tui::harness::Harness;
use codedeck::tui::model::Screen;
use codedeck::tui::ApiStatus;

struct Moto(Child);

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
fn moto(rt: &tokio::runtime::Runtime) -> (Moto, String) {
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

#[test]
fn a_partial_endpoint_shows_what_it_has_and_names_what_it_lacks() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let (_moto, url) = moto(&rt);
    let client = aws_sdk_codedeploy::Client::from_conf(
        aws_sdk_codedeploy::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .endpoint_url(&url)
            .build(),
    );
    let id = rt.block_on(async {
        client
            .create_application()
            .application_name("shop")
            .send()
            .await
            .expect("CreateApplication");
        client
            .create_deployment_group()
            .application_name("shop")
            .deployment_group_name("prod")
            .service_role_arn("arn:aws:iam::123456789012:role/codedeploy")
            .send()
            .await
            .expect("CreateDeploymentGroup");
        client
            .create_deployment()
            .application_name("shop")
            .deployment_group_name("prod")
            .revision(
                RevisionLocation::builder()
                    .revision_type(RevisionLocationType::S3)
                    .s3_location(
                        S3Location::builder()
                            .bucket("b")
                            .key("app.zip")
                            .bundle_type(BundleType::Zip)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("CreateDeployment")
            .deployment_id()
            .expect("id")
            .to_string()
    });
    let source = Arc::new(
        rt.block_on(AwsSource::connect(&AwsOptions {
            endpoint_url: Some(url.clone()),
            test_credentials: true,
            ..Default::default()
        }))
        .expect("connect"),
    );
    drop(rt);
    let mut h = Harness::new(source, ApiStatus::Remote, false, (120, 40)).expect("first read");
    assert_eq!(h.model.data.apps.len(), 1, "{:?}", h.model.data.problem);
    h.keys("\r").expect("groups");
    assert_eq!(h.model.data.groups.len(), 1, "{:?}", h.model.data.problem);
    h.keys("\r").expect("deployments");
    assert_eq!(h.model.screen, Screen::Deployments);
    let row = h
        .model
        .selected_row()
        .cloned()
        .expect("the deployment is listed");
    assert_eq!(row.id, id);
    h.keys("\r").expect("timeline");
    let d = h
        .model
        .data
        .detail
        .clone()
        .expect("the summary still shows");
    assert_eq!(d.info.deployment_id.as_deref(), Some(id.as_str()));
    let problem = h
        .model
        .data
        .problem
        .clone()
        .expect("what is missing is said");
    assert!(
        problem.contains("does not support ListDeploymentTargets"),
        "{problem}"
    );
    let screen = h.render(120, 40).expect("render");
    let text: String = (0..screen.area.height)
        .map(|y| {
            (0..screen.area.width)
                .map(|x| screen[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("does not support ListDeploymentTargets"),
        "{text}"
    );
}
