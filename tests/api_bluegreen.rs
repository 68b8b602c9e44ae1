//! An EC2 blue/green deployment through aws-sdk-codedeploy: replacement
//! instances found by targetInstances, ContinueDeployment(READY_WAIT) after the
//! ready wait, SkipWaitTimeForInstanceTermination during the termination wait,
//! and the targets listed by label.
// SkipWaitTimeForInstanceTermination and ListDeploymentInstances are deprecated
// operations that codedeck still serves.
#![allow(deprecated)]

mod common_api;

use aws_sdk_codedeploy::types::*;
use codedeck::runtime::RuntimeOptions;
use codedeck::state::fleet::Fleet;
use common_api::*;

const FLEET: &str = r#"
[defaults]
jitter = 0.0

[[instance]]
id = "i-0000000000000b001"
tags = { Name = "web", fleet = "blue" }
[[instance]]
id = "i-0000000000000b002"
tags = { Name = "web", fleet = "blue" }
[[instance]]
id = "i-0000000000000a001"
tags = { Name = "web-next", fleet = "green" }
[[instance]]
id = "i-0000000000000a002"
tags = { Name = "web-next", fleet = "green" }
"#;

const BLUE: [&str; 2] = ["i-0000000000000b001", "i-0000000000000b002"];
const GREEN: [&str; 2] = ["i-0000000000000a001", "i-0000000000000a002"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_blue_green_continued_and_termination_skipped_through_the_sdk() {
    let mut opts = RuntimeOptions::memory(1000.0);
    opts.fleet = Some(Fleet::parse(FLEET).expect("fleet"));
    let s = ApiServer::start_with(opts).await;
    let c = s.client();
    c.create_application()
        .application_name("web")
        .compute_platform(ComputePlatform::Server)
        .send()
        .await
        .expect("app");
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
        .blue_green_deployment_configuration(
            BlueGreenDeploymentConfiguration::builder()
                .green_fleet_provisioning_option(
                    GreenFleetProvisioningOption::builder()
                        .action(GreenFleetProvisioningAction::DiscoverExisting)
                        .build(),
                )
                .deployment_ready_option(
                    DeploymentReadyOption::builder()
                        .action_on_timeout(DeploymentReadyAction::StopDeployment)
                        .wait_time_in_minutes(600)
                        .build(),
                )
                .terminate_blue_instances_on_deployment_success(
                    BlueInstanceTerminationOption::builder()
                        .action(InstanceAction::Terminate)
                        .termination_wait_time_in_minutes(60)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("group");
    let id = c
        .create_deployment()
        .application_name("web")
        .deployment_group_name("prod")
        .revision(
            RevisionLocation::builder()
                .revision_type(RevisionLocationType::S3)
                .s3_location(
                    S3Location::builder()
                        .bucket("artifacts")
                        .key("web-2.zip")
                        .bundle_type(BundleType::Zip)
                        .build(),
                )
                .build(),
        )
        .target_instances(
            TargetInstances::builder()
                .tag_filters(ec2("fleet", "green"))
                .build(),
        )
        .send()
        .await
        .expect("deployment")
        .deployment_id()
        .unwrap_or_default()
        .to_string();

    // Installed on the replacements, the deployment waits Ready.
    let ready = s
        .wait_until(&c, &id, "Ready", |i| {
            i.status() == Some(&DeploymentStatus::Ready)
        })
        .await;
    let o = ready.deployment_overview().expect("overview");
    assert_eq!((o.ready(), o.pending()), (2, 2));
    let green = c
        .list_deployment_targets()
        .deployment_id(&id)
        .target_filters(TargetFilterName::ServerInstanceLabel, vec!["Green".into()])
        .send()
        .await
        .expect("green targets");
    assert_eq!(green.target_ids(), GREEN);
    assert_code(
        c.continue_deployment()
            .deployment_id(&id)
            .deployment_wait_type(DeploymentWaitType::TerminationWait)
            .send()
            .await,
        "DeploymentIsNotInReadyStateException",
    );
    c.continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect("continue");

    // Rerouted and blocked: the originals wait 60 virtual minutes to be terminated.
    let waiting = s
        .wait_until(&c, &id, "termination wait", |i| {
            i.instance_termination_wait_time_started()
        })
        .await;
    assert_eq!(waiting.status(), Some(&DeploymentStatus::InProgress));
    c.skip_wait_time_for_instance_termination()
        .deployment_id(&id)
        .send()
        .await
        .expect("skip");
    let info = s.wait_deployment(&c, &id).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    assert_code(
        c.skip_wait_time_for_instance_termination()
            .deployment_id(&id)
            .send()
            .await,
        "DeploymentAlreadyCompletedException",
    );

    let blue = c
        .list_deployment_instances()
        .deployment_id(&id)
        .instance_type_filter(InstanceType::Blue)
        .send()
        .await
        .expect("blue instances");
    assert_eq!(blue.instances_list(), BLUE);
    let target = c
        .get_deployment_target()
        .deployment_id(&id)
        .target_id(BLUE[0])
        .send()
        .await
        .expect("target");
    let t = target
        .deployment_target()
        .and_then(|t| t.instance_target())
        .expect("instance target");
    assert_eq!(t.instance_label(), Some(&TargetLabel::Blue));
    let events: Vec<&str> = t
        .lifecycle_events()
        .iter()
        .filter_map(|e| e.lifecycle_event_name())
        .collect();
    assert_eq!(
        events,
        ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"]
    );
    let hosts = s.runtime.read(|e, _, _| Ok(e.host_ids())).expect("read");
    assert_eq!(hosts, GREEN, "the originals were terminated");
    s.stop().await;
}
