//! Issue #22 through aws-sdk-codedeploy: the checks AWS makes at the front
//! door, where a script written against codedeck must take the path it takes
//! on AWS (the engine-level scenarios are in tests/engine_*.rs).

mod common_api;

use aws_sdk_codedeploy::error::ProvideErrorMetadata;
use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use codedeck::runtime::{ClockStart, RuntimeOptions, StateLocation};
use common_api::*;

const HOUR: i64 = 3_600_000;

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
        .ec2_tag_filters(ec2("Name", name))
        .send()
        .await
        .expect("group");
}

/// A blue/green group that discovers its replacements: originals Name=web
/// (the sample fleet's three web hosts), no ready wait, no termination wait.
async fn discover_group(c: &Client) {
    c.create_application()
        .application_name("web")
        .send()
        .await
        .expect("app");
    let bg = BlueGreenDeploymentConfiguration::builder()
        .green_fleet_provisioning_option(
            GreenFleetProvisioningOption::builder()
                .action(GreenFleetProvisioningAction::DiscoverExisting)
                .build(),
        )
        .deployment_ready_option(
            DeploymentReadyOption::builder()
                .action_on_timeout(DeploymentReadyAction::ContinueDeployment)
                .build(),
        )
        .terminate_blue_instances_on_deployment_success(
            BlueInstanceTerminationOption::builder()
                .action(InstanceAction::KeepAlive)
                .build(),
        )
        .build();
    c.create_deployment_group()
        .application_name("web")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .deployment_config_name("CodeDeployDefault.AllAtOnce")
        .ec2_tag_filters(ec2("Name", "web"))
        .deployment_style(
            DeploymentStyle::builder()
                .deployment_type(DeploymentType::BlueGreen)
                .deployment_option(DeploymentOption::WithTrafficControl)
                .build(),
        )
        .load_balancer_info(
            LoadBalancerInfo::builder()
                .target_group_info_list(TargetGroupInfo::builder().name("web-tg").build())
                .build(),
        )
        .blue_green_deployment_configuration(bg)
        .send()
        .await
        .expect("blue/green group");
}

/// CreateDeployment of the blue/green group with `ti`: its error code and message.
async fn refused(c: &Client, ti: TargetInstances) -> (String, String) {
    let e = c
        .create_deployment()
        .application_name("web")
        .deployment_group_name("prod")
        .revision(artifact("v2.zip"))
        .target_instances(ti)
        .send()
        .await
        .expect_err("refused");
    (
        e.code().unwrap_or_default().to_string(),
        e.message().unwrap_or_default().to_string(),
    )
}

fn by_tags(filters: &[(&str, &str)]) -> TargetInstances {
    TargetInstances::builder()
        .set_tag_filters(Some(filters.iter().map(|(k, v)| ec2(k, v)).collect()))
        .build()
}

fn by_tag_set(groups: &[&[(&str, &str)]]) -> TargetInstances {
    let list = groups
        .iter()
        .map(|g| g.iter().map(|(k, v)| ec2(k, v)).collect())
        .collect();
    TargetInstances::builder()
        .ec2_tag_set(
            Ec2TagSet::builder()
                .set_ec2_tag_set_list(Some(list))
                .build(),
        )
        .build()
}

/// Item 1: blue/green targetInstances are checked when the deployment is
/// created: a tag no instance carries, more than 10 tags, more than 3 tag
/// groups, a malformed tag, a selection that finds nothing, an Auto Scaling
/// group that does not exist. Nothing is created for a refused call, and what
/// does exist is deployed to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_checks_target_instances() {
    let s = ApiServer::start().await;
    let c = s.client();
    discover_group(&c).await;
    // The sample fleet's Auto Scaling group instances carry Name=web-asg.
    let (code, message) = refused(&c, by_tags(&[("Name", "nothing")])).await;
    assert_eq!(code, "InvalidTargetInstancesException");
    assert!(
        message.contains("not currently applied to any instances"),
        "{message}"
    );
    let (code, message) = refused(&c, by_tags(&[("Name", "web-asg"), ("fleet", "purple")])).await;
    assert_eq!(code, "InvalidTargetInstancesException", "one unapplied tag");
    assert!(message.contains("Key=fleet,Value=purple"), "{message}");
    let eleven = vec![("Name", "web-asg"); 11];
    let (code, message) = refused(&c, by_tags(&eleven)).await;
    assert_eq!(code, "InvalidTargetInstancesException");
    assert!(message.contains("limit of 10 tags"), "{message}");
    let four = [("Name", "web-asg"); 4];
    let (code, message) = refused(&c, by_tag_set(&[&four[..], &four, &four])).await;
    assert_eq!(code, "InvalidTargetInstancesException", "12 tags in a set");
    assert!(message.contains("limit of 10 tags"), "{message}");
    let one = [("Name", "web-asg")];
    let (code, _) = refused(&c, by_tag_set(&[&one[..], &one, &one, &one])).await;
    assert_eq!(code, "InvalidTargetInstancesException", "4 tag groups");
    let key_only_without_key = TargetInstances::builder()
        .tag_filters(
            Ec2TagFilter::builder()
                .value("web-asg")
                .r#type(Ec2TagFilterType::KeyOnly)
                .build(),
        )
        .build();
    let (code, _) = refused(&c, key_only_without_key).await;
    assert_eq!(code, "InvalidTargetInstancesException", "a malformed tag");
    // Each tag is applied, but no instance carries both.
    let (code, message) = refused(&c, by_tag_set(&[&one[..], &[("Name", "web")]])).await;
    assert_eq!(code, "InvalidTargetInstancesException");
    assert!(message.contains("No instances match"), "{message}");
    let missing_asg = TargetInstances::builder()
        .auto_scaling_groups("nope-asg")
        .build();
    let (code, message) = refused(&c, missing_asg).await;
    assert_eq!(code, "InvalidAutoScalingGroupException");
    assert!(message.contains("nope-asg"), "{message}");
    let listed = c
        .list_deployments()
        .application_name("web")
        .deployment_group_name("prod")
        .send()
        .await
        .expect("ListDeployments");
    assert!(listed.deployments().is_empty(), "{listed:?}");

    // What exists is deployed to: by tag (the staging host), then by Auto
    // Scaling group (the staging host is then the original).
    for ti in [
        by_tags(&[("Name", "web-staging")]),
        TargetInstances::builder()
            .auto_scaling_groups("web-asg")
            .build(),
    ] {
        let id = c
            .create_deployment()
            .application_name("web")
            .deployment_group_name("prod")
            .revision(artifact("v2.zip"))
            .target_instances(ti)
            .send()
            .await
            .expect("CreateDeployment")
            .deployment_id()
            .expect("deploymentId")
            .to_string();
        let info = s.wait_deployment(&c, &id).await;
        assert_eq!(
            info.status(),
            Some(&DeploymentStatus::Succeeded),
            "{info:?}"
        );
    }
    s.stop().await;
}

/// Item 2: instance labels exist only in blue/green deployments, for
/// ListDeploymentTargets as for the deprecated ListDeploymentInstances.
#[allow(deprecated)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_filter_on_an_in_place_deployment_is_refused() {
    let s = ApiServer::start().await;
    let c = s.client();
    in_place_group(&c, "web", "CodeDeployDefault.AllAtOnce").await;
    let id = deploy(&c, "web", "prod", artifact("v1.zip")).await;
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

async fn register(
    c: &Client,
    name: &str,
    user: Option<&str>,
    session: Option<&str>,
) -> Result<(), String> {
    c.register_on_premises_instance()
        .instance_name(name)
        .set_iam_user_arn(user.map(user_arn))
        .set_iam_session_arn(session.map(session_arn))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.code().unwrap_or_default().to_string())
}

async fn listed(c: &Client, status: Option<RegistrationStatus>) -> Vec<String> {
    c.list_on_premises_instances()
        .set_registration_status(status)
        .send()
        .await
        .expect("ListOnPremisesInstances")
        .instance_names()
        .to_vec()
}

/// A server over a state file, its virtual clock paused at `T0`: time moves
/// only by `advance` (a reopened file resumes at its own time).
async fn on_state_file(path: &std::path::Path) -> ApiServer {
    ApiServer::start_with(RuntimeOptions {
        state: StateLocation::Path(path.to_path_buf()),
        clock: ClockStart::Fixed(1_700_000_000_000),
        ..RuntimeOptions::memory(1.0)
    })
    .await
}

/// Item 3: a deregistered on-premises instance keeps its name and IAM ARN
/// taken, and stays listed as Deregistered, for 24 hours of virtual time,
/// across a restart; then its record is gone and both are free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deregistered_name_stays_taken_for_24_hours() {
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state.db");
    let s = on_state_file(&state).await;
    let c = s.client();
    register(&c, "rack-1", Some("rack-1"), None)
        .await
        .expect("rack-1");
    register(&c, "rack-2", None, Some("rack-2"))
        .await
        .expect("rack-2");
    for name in ["rack-1", "rack-2"] {
        c.deregister_on_premises_instance()
            .instance_name(name)
            .send()
            .await
            .expect("DeregisterOnPremisesInstance");
    }
    s.runtime.advance(23 * HOUR);
    s.stop().await;

    let s = on_state_file(&state).await;
    let c = s.client();
    let taken = [
        (
            ("rack-1", Some("other"), None),
            "InstanceNameAlreadyRegisteredException",
        ),
        (
            ("rack-9", Some("rack-1"), None),
            "IamUserArnAlreadyRegisteredException",
        ),
        (
            ("rack-8", None, Some("rack-2")),
            "IamSessionArnAlreadyRegisteredException",
        ),
    ];
    for ((name, user, session), code) in taken {
        assert_eq!(
            register(&c, name, user, session).await,
            Err(code.into()),
            "{name}"
        );
    }
    let e = c
        .register_on_premises_instance()
        .instance_name("rack-1")
        .iam_user_arn(user_arn("other"))
        .send()
        .await
        .expect_err("taken");
    assert!(
        e.message().is_some_and(|m| m.contains("deregistered")),
        "{e:?}"
    );
    assert_eq!(
        listed(&c, Some(RegistrationStatus::Deregistered)).await,
        ["rack-1", "rack-2"]
    );
    assert_eq!(listed(&c, None).await, ["rack-1", "rack-2"]);
    let info = c
        .get_on_premises_instance()
        .instance_name("rack-1")
        .send()
        .await
        .expect("GetOnPremisesInstance")
        .instance_info
        .expect("instanceInfo");
    assert!(info.deregister_time().is_some());

    s.runtime.advance(HOUR);
    assert!(listed(&c, None).await.is_empty());
    assert!(listed(&c, Some(RegistrationStatus::Deregistered))
        .await
        .is_empty());
    assert_code(
        c.get_on_premises_instance()
            .instance_name("rack-1")
            .send()
            .await,
        "InstanceNotRegisteredException",
    );
    let batch = c
        .batch_get_on_premises_instances()
        .instance_names("rack-1")
        .instance_names("rack-2")
        .send()
        .await
        .expect("BatchGetOnPremisesInstances");
    assert!(batch.instance_infos().is_empty(), "{batch:?}");
    register(&c, "rack-1", Some("rack-1"), None)
        .await
        .expect("the name is free");
    register(&c, "rack-8", None, Some("rack-2"))
        .await
        .expect("the ARN is free");
    s.stop().await;

    let s = on_state_file(&state).await;
    let c = s.client();
    assert_eq!(listed(&c, None).await, ["rack-1", "rack-8"]);
    assert_eq!(
        listed(&c, Some(RegistrationStatus::Registered)).await,
        ["rack-1", "rack-8"]
    );
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
    let id = deploy(&c, "web", "prod", artifact("v1.zip")).await;
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
    let id = deploy(&c, "web", "prod", artifact("v1.zip")).await;
    let info = s.wait_deployment(&c, &id).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed));
    let error = info.error_information().expect("errorInformation");
    assert_eq!(error.code(), Some(&ErrorCode::HealthConstraintsInvalid));
    assert_eq!(error.message(), Some(HEALTH_CONSTRAINTS_INVALID));
    s.stop().await;
}
