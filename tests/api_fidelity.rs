//! Issue #12 through aws-sdk-codedeploy, where the wire shape matters: what a
//! client reads back from a real server over the store (the engine-level
//! scenarios are in tests/engine_*.rs).

mod common_api;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use codedeck::state::FaultKind;
use common_api::*;

fn s3(key: &str) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::S3)
        .s3_location(
            S3Location::builder()
                .bucket("artifacts")
                .key(key)
                .bundle_type(BundleType::Zip)
                .build(),
        )
        .build()
}

fn web_tags() -> Ec2TagFilter {
    Ec2TagFilter::builder()
        .key("Name")
        .value("web")
        .r#type(Ec2TagFilterType::KeyAndValue)
        .build()
}

async fn deploy(c: &Client, app: &str, group: &str, revision: RevisionLocation) -> String {
    c.create_deployment()
        .application_name(app)
        .deployment_group_name(group)
        .revision(revision)
        .send()
        .await
        .expect("CreateDeployment")
        .deployment_id()
        .expect("deploymentId")
        .to_string()
}

fn rollback_message(info: &DeploymentInfo) -> &str {
    info.rollback_info()
        .and_then(|r| r.rollback_message())
        .unwrap_or_default()
}

/// Item 5: the rolled-back deployment's rollbackMessage, stored long before
/// its rollback ends, says how the rollback ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_message_is_rewritten_when_the_rollback_ends() {
    let s = ApiServer::start().await;
    let c = s.client();
    c.create_application()
        .application_name("web")
        .send()
        .await
        .expect("app");
    c.create_deployment_group()
        .application_name("web")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .ec2_tag_filters(web_tags())
        .auto_rollback_configuration(
            AutoRollbackConfiguration::builder()
                .enabled(true)
                .events(AutoRollbackEvent::DeploymentFailure)
                .build(),
        )
        .send()
        .await
        .expect("group");
    let good = deploy(&c, "web", "prod", s3("v1.zip")).await;
    let info = s.wait_deployment(&c, &good).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    s.runtime
        .write("break host", |e, now, _| {
            e.break_host(now, "i-0a1b2c3d4e5f00001", FaultKind::Fail)
        })
        .expect("break host");
    let bad = deploy(&c, "web", "prod", s3("v2.zip")).await;
    let info = s.wait_deployment(&c, &bad).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed));
    let rb = info
        .rollback_info()
        .and_then(|r| r.rollback_deployment_id())
        .expect("rollbackDeploymentId")
        .to_string();
    let rolled = s.wait_deployment(&c, &rb).await;
    assert_eq!(rolled.status(), Some(&DeploymentStatus::Succeeded));
    assert_eq!(
        rollback_message(&rolled),
        format!("Rollback of deployment {bad} succeeded.")
    );
    let info = c
        .get_deployment()
        .deployment_id(&bad)
        .send()
        .await
        .expect("GetDeployment")
        .deployment_info
        .expect("deploymentInfo");
    assert_eq!(
        rollback_message(&info),
        format!("Rollback succeeded: deployment {rb} redeployed the last successful revision.")
    );
    s.stop().await;
}
