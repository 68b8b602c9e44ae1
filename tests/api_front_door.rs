//! Issue #22 through aws-sdk-codedeploy: the checks AWS makes at the front
//! door, where a script written against codedeck must take the path it takes
//! on AWS (the engine-level scenarios are in tests/engine_*.rs).

mod common_api;

use aws_sdk_codedeploy::error::ProvideErrorMetadata;
use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
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

fn tag(key: &str, value: &str) -> Ec2TagFilter {
    Ec2TagFilter::builder()
        .key(key)
        .value(value)
        .r#type(Ec2TagFilterType::KeyAndValue)
        .build()
}

async fn deploy(c: &Client, app: &str, group: &str) -> String {
    c.create_deployment()
        .application_name(app)
        .deployment_group_name(group)
        .revision(s3("v1.zip"))
        .send()
        .await
        .expect("CreateDeployment")
        .deployment_id()
        .expect("deploymentId")
        .to_string()
}

/// An application with one group over the sample fleet's hosts tagged `Name`.
async fn in_place_group(c: &Client, name: &str, config: &str) {
    c.create_application()
        .application_name("web")
        .send()
        .await
        .expect("app");
    c.create_deployment_group()
        .application_name("web")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .deployment_config_name(config)
        .ec2_tag_filters(tag("Name", name))
        .send()
        .await
        .expect("group");
}

/// Item 2: instance labels exist only in blue/green deployments, for
/// ListDeploymentTargets as for the deprecated ListDeploymentInstances.
#[allow(deprecated)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_filter_on_an_in_place_deployment_is_refused() {
    let s = ApiServer::start().await;
    let c = s.client();
    in_place_group(&c, "web", "CodeDeployDefault.AllAtOnce").await;
    let id = deploy(&c, "web", "prod").await;
    let info = s.wait_deployment(&c, &id).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    for label in ["Blue", "Green"] {
        assert_code(
            c.list_deployment_targets()
                .deployment_id(&id)
                .target_filters(TargetFilterName::ServerInstanceLabel, vec![label.into()])
                .send()
                .await,
            "InvalidDeploymentInstanceTypeException",
        );
    }
    assert_code(
        c.list_deployment_instances()
            .deployment_id(&id)
            .instance_type_filter(InstanceType::Blue)
            .send()
            .await,
        "InvalidDeploymentInstanceTypeException",
    );
    let by_status = c
        .list_deployment_targets()
        .deployment_id(&id)
        .target_filters(TargetFilterName::TargetStatus, vec!["Succeeded".into()])
        .send()
        .await
        .expect("a status filter still works");
    assert_eq!(by_status.target_ids().len(), 3);
    s.stop().await;
}

/// Item 4: BatchGetDeploymentTargets takes up to 25 IDs for an EC2/on-premises
/// deployment (more: ValidationException, since DeploymentTargetListSizeExceeded
/// "does not apply to EC2/On-premises deployments"), exactly one for Lambda.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_get_deployment_targets_limits_per_platform() {
    let s = ApiServer::start().await;
    let c = s.client();
    in_place_group(&c, "web", "CodeDeployDefault.AllAtOnce").await;
    let id = deploy(&c, "web", "prod").await;
    s.wait_deployment(&c, &id).await;
    let real: Vec<String> = c
        .list_deployment_targets()
        .deployment_id(&id)
        .send()
        .await
        .expect("ListDeploymentTargets")
        .target_ids()
        .to_vec();
    assert_eq!(real.len(), 3);
    let ids = |n: usize| -> Vec<String> {
        let fake = (0..).map(|i| format!("i-{i:017x}"));
        real.iter().cloned().chain(fake).take(n).collect()
    };
    let got = c
        .batch_get_deployment_targets()
        .deployment_id(&id)
        .set_target_ids(Some(real.clone()))
        .send()
        .await
        .expect("BatchGetDeploymentTargets");
    assert_eq!(got.deployment_targets().len(), 3);
    // 25 are taken: the answer is about the IDs that are not targets.
    assert_code(
        c.batch_get_deployment_targets()
            .deployment_id(&id)
            .set_target_ids(Some(ids(25)))
            .send()
            .await,
        "DeploymentTargetDoesNotExistException",
    );
    let e = c
        .batch_get_deployment_targets()
        .deployment_id(&id)
        .set_target_ids(Some(ids(26)))
        .send()
        .await
        .expect_err("26 IDs");
    assert_eq!(e.code(), Some("ValidationException"), "{e:?}");
    assert!(e.message().is_some_and(|m| m.contains("25")), "{e:?}");

    // Lambda: exactly one.
    c.create_application()
        .application_name("fn")
        .compute_platform(ComputePlatform::Lambda)
        .send()
        .await
        .expect("app");
    c.create_deployment_group()
        .application_name("fn")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .deployment_config_name("CodeDeployDefault.LambdaAllAtOnce")
        .send()
        .await
        .expect("group");
    let spec = r#"{"version":0.0,"Resources":[{"fn":{"Type":"AWS::Lambda::Function","Properties":{"Name":"orders","Alias":"live","CurrentVersion":"1","TargetVersion":"2"}}}]}"#;
    let lambda = c
        .create_deployment()
        .application_name("fn")
        .deployment_group_name("prod")
        .revision(
            RevisionLocation::builder()
                .revision_type(RevisionLocationType::AppSpecContent)
                .app_spec_content(AppSpecContent::builder().content(spec).build())
                .build(),
        )
        .send()
        .await
        .expect("Lambda deployment")
        .deployment_id()
        .expect("deploymentId")
        .to_string();
    s.wait_deployment(&c, &lambda).await;
    let one = c
        .batch_get_deployment_targets()
        .deployment_id(&lambda)
        .target_ids("orders")
        .send()
        .await
        .expect("one Lambda target");
    assert_eq!(one.deployment_targets().len(), 1);
    for n in [2, 26] {
        let names: Vec<String> = (0..n).map(|_| "orders".to_string()).collect();
        assert_code(
            c.batch_get_deployment_targets()
                .deployment_id(&lambda)
                .set_target_ids(Some(names))
                .send()
                .await,
            "DeploymentTargetListSizeExceededException",
        );
    }
    s.stop().await;
}

/// The user guide's text for HEALTH_CONSTRAINTS_INVALID ("Error codes for AWS
/// CodeDeploy").
const HEALTH_CONSTRAINTS_INVALID: &str = "The deployment can't start because the minimum number of healthy instances, as defined by your deployment configuration, are not available. You can reduce the required number of healthy instances by updating your deployment configuration or increase the number of instances in this deployment group.";

/// Item 5: HEALTH_CONSTRAINTS_INVALID carries the user guide's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_constraints_invalid_has_the_user_guides_message() {
    let s = ApiServer::start().await;
    let c = s.client();
    // One staging host; HalfAtATime needs one healthy: none may go offline.
    in_place_group(&c, "web-staging", "CodeDeployDefault.HalfAtATime").await;
    let id = deploy(&c, "web", "prod").await;
    let info = s.wait_deployment(&c, &id).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed));
    let error = info.error_information().expect("errorInformation");
    assert_eq!(error.code(), Some(&ErrorCode::HealthConstraintsInvalid));
    assert_eq!(error.message(), Some(HEALTH_CONSTRAINTS_INVALID));
    s.stop().await;
}
