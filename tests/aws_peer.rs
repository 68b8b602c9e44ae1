//! The dashboard over a CodeDeploy endpoint with fewer operations: moto's
//! server (14 of 47 operations, no deployment engine), installed by
//! `scripts/install-tools.sh`. What the endpoint has is shown; a deployment
//! it never starts shows as not started (its targets are not asked for);
//! nothing panics.

mod common_watch;

use std::sync::Arc;

use aws_sdk_codedeploy::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_codedeploy::types::*;
use codedeck::source::aws::{AwsOptions, AwsSource};
use codedeck::tui::harness::Harness;
use codedeck::tui::model::Screen;
use codedeck::tui::ApiStatus;
use common_watch::moto;

#[test]
fn a_peer_endpoint_shows_a_deployment_it_never_starts() {
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
    // moto keeps a deployment Created for ever, and CodeDeploy answers
    // DeploymentNotStarted for a Created deployment's targets: the source
    // does not ask, so nothing is missing yet; the timeline says why there
    // are no targets.
    assert_eq!(
        d.info.status,
        Some(codedeck::model::DeploymentStatus::Created)
    );
    assert_eq!(h.model.data.problem, None);
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
        text.contains("Health  not started: the targets are picked when it starts"),
        "{text}"
    );
}
