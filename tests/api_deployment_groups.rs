//! CreateDeploymentGroup, GetDeploymentGroup, BatchGetDeploymentGroups,
//! UpdateDeploymentGroup, DeleteDeploymentGroup and ListDeploymentGroups
//! through the AWS SDK for Rust against an in-process codedeck server: the
//! success path, the typical errors, pagination.

mod common_api;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use common_api::*;
use serde_json::json;

const SNS: &str = "arn:aws:sns:us-east-1:000000000000:deployments";

fn trigger(name: &str) -> TriggerConfig {
    TriggerConfig::builder()
        .trigger_name(name)
        .trigger_target_arn(SNS)
        .trigger_events(TriggerEventType::DeploymentFailure)
        .trigger_events(TriggerEventType::InstanceFailure)
        .build()
}

fn alarms(names: &[&str]) -> AlarmConfiguration {
    let mut b = AlarmConfiguration::builder()
        .enabled(true)
        .ignore_poll_alarm_failure(false);
    for n in names {
        b = b.alarms(Alarm::builder().name(*n).build());
    }
    b.build()
}

/// web-app's "prod": EC2 tag filters, a trigger, two alarms, automatic
/// rollback and a resource tag. Its ID.
async fn create_prod(c: &Client) -> String {
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .trigger_configurations(trigger("notify"))
        .alarm_configuration(alarms(&["HighErrorRate", "HighLatency"]))
        .auto_rollback_configuration(rollback_on_failure())
        .tags(tag("team", "web"))
        .send()
        .await
        .expect("CreateDeploymentGroup")
        .deployment_group_id()
        .expect("deploymentGroupId")
        .to_string()
}

/// web-app's "tag-set" (an EC2 tag set, AND of ORs) and "onprem-set" (an
/// on-premises tag set).
async fn create_tag_sets(c: &Client) {
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("tag-set")
        .service_role_arn(ROLE)
        .ec2_tag_set(
            Ec2TagSet::builder()
                .ec2_tag_set_list(vec![ec2("Name", "web"), ec2("Name", "api")])
                .ec2_tag_set_list(vec![ec2("env", "prod")])
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentGroup with ec2TagSet");
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("onprem-set")
        .service_role_arn(ROLE)
        .on_premises_tag_set(
            OnPremisesTagSet::builder()
                .on_premises_tag_set_list(vec![onprem("site", "dc1")])
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentGroup with onPremisesTagSet");
}

/// web-app's "asg", over the sample fleet's Auto Scaling group.
async fn create_asg_group(c: &Client) {
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("asg")
        .service_role_arn(ROLE)
        .auto_scaling_groups("web-asg")
        .send()
        .await
        .expect("CreateDeploymentGroup with an ASG");
}

/// web-app's "behind-lb" (in place behind a load balancer) and "blue-green"
/// (created, not deployed).
async fn create_lb_groups(c: &Client) {
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("behind-lb")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .deployment_style(with_traffic_control())
        .load_balancer_info(target_group("web-tg"))
        .send()
        .await
        .expect("CreateDeploymentGroup with a load balancer");
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("blue-green")
        .service_role_arn(ROLE)
        .auto_scaling_groups("web-asg")
        .deployment_style(
            DeploymentStyle::builder()
                .deployment_type(DeploymentType::BlueGreen)
                .deployment_option(DeploymentOption::WithTrafficControl)
                .build(),
        )
        .load_balancer_info(
            LoadBalancerInfo::builder()
                .elb_info_list(ElbInfo::builder().name("web-elb").build())
                .build(),
        )
        .blue_green_deployment_configuration(
            BlueGreenDeploymentConfiguration::builder()
                .green_fleet_provisioning_option(
                    GreenFleetProvisioningOption::builder()
                        .action(GreenFleetProvisioningAction::CopyAutoScalingGroup)
                        .build(),
                )
                .deployment_ready_option(
                    DeploymentReadyOption::builder()
                        .action_on_timeout(DeploymentReadyAction::ContinueDeployment)
                        .build(),
                )
                .terminate_blue_instances_on_deployment_success(
                    BlueInstanceTerminationOption::builder()
                        .action(InstanceAction::Terminate)
                        .termination_wait_time_in_minutes(5)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateDeploymentGroup blue/green");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_group_keeps_every_member() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    // Tag filters, triggers, alarms, automatic rollback, resource tags.
    let id = create_prod(&c).await;
    assert!(is_uuid(&id), "{id}");
    let g = group_info(&c, "web-app", "prod").await;
    assert_eq!(g.deployment_group_id(), Some(id.as_str()));
    assert_eq!(g.application_name(), Some("web-app"));
    assert_eq!(g.compute_platform(), Some(&ComputePlatform::Server));
    assert_eq!(
        g.deployment_config_name(),
        Some("CodeDeployDefault.OneAtATime")
    );
    assert_eq!(g.service_role_arn(), Some(ROLE));
    assert_eq!(g.ec2_tag_filters(), [ec2("Name", "web")]);
    let style = g.deployment_style().expect("deploymentStyle");
    assert_eq!(style.deployment_type(), Some(&DeploymentType::InPlace));
    assert_eq!(
        style.deployment_option(),
        Some(&DeploymentOption::WithoutTrafficControl)
    );
    assert_eq!(
        g.outdated_instances_strategy(),
        Some(&OutdatedInstancesStrategy::Update)
    );
    assert_eq!(g.trigger_configurations(), [trigger("notify")]);
    let a = g.alarm_configuration().expect("alarmConfiguration");
    assert!(a.enabled());
    let names: Vec<&str> = a.alarms().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["HighErrorRate", "HighLatency"]);
    let rb = g
        .auto_rollback_configuration()
        .expect("autoRollbackConfiguration");
    assert!(rb.enabled());
    assert_eq!(rb.events(), [AutoRollbackEvent::DeploymentFailure]);
    assert!(g.target_revision().is_none());
    assert!(g.last_attempted_deployment().is_none());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_group_with_tag_sets() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    // An EC2 tag set (AND of ORs) and an on-premises tag set.
    create_tag_sets(&c).await;
    let g = group_info(&c, "web-app", "tag-set").await;
    assert_eq!(g.ec2_tag_set().map(|s| s.ec2_tag_set_list().len()), Some(2));
    let g = group_info(&c, "web-app", "onprem-set").await;
    assert_eq!(
        g.on_premises_tag_set()
            .map(|s| s.on_premises_tag_set_list().to_vec()),
        Some(vec![vec![onprem("site", "dc1")]])
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auto_scaling_group_gets_a_launch_hook() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    // An Auto Scaling group of the fleet gets a launch hook.
    create_asg_group(&c).await;
    let g = group_info(&c, "web-app", "asg").await;
    let asg = g.auto_scaling_groups();
    assert_eq!(asg.len(), 1);
    assert_eq!(asg[0].name(), Some("web-asg"));
    assert!(
        asg[0]
            .hook()
            .is_some_and(|h| h.starts_with("CodeDeploy-managed-automatic-launch-deployment-hook-")),
        "{asg:?}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_group_behind_a_load_balancer_and_blue_green() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    // In place behind a load balancer, and blue/green (created, not deployed).
    create_lb_groups(&c).await;
    let g = group_info(&c, "web-app", "behind-lb").await;
    assert_eq!(g.load_balancer_info(), Some(&target_group("web-tg")));
    let g = group_info(&c, "web-app", "blue-green").await;
    assert_eq!(
        g.deployment_style().and_then(|s| s.deployment_type()),
        Some(&DeploymentType::BlueGreen)
    );
    assert!(g.blue_green_deployment_configuration().is_some());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_and_ecs_groups_select_no_instances() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    // Lambda and ECS applications take groups without instance selectors.
    create_app(&c, "fn-app", ComputePlatform::Lambda).await;
    c.create_deployment_group()
        .application_name("fn-app")
        .deployment_group_name("live")
        .service_role_arn(ROLE)
        .deployment_config_name("CodeDeployDefault.LambdaLinear10PercentEvery1Minute")
        .send()
        .await
        .expect("CreateDeploymentGroup Lambda");
    let g = group_info(&c, "fn-app", "live").await;
    assert_eq!(g.compute_platform(), Some(&ComputePlatform::Lambda));
    let style = g.deployment_style().expect("deploymentStyle");
    assert_eq!(style.deployment_type(), Some(&DeploymentType::BlueGreen));
    assert_eq!(
        style.deployment_option(),
        Some(&DeploymentOption::WithTrafficControl)
    );
    create_app(&c, "svc-app", ComputePlatform::Ecs).await;
    let ecs_group = |name: &str, service: &str| {
        c.create_deployment_group()
            .application_name("svc-app")
            .deployment_group_name(name)
            .service_role_arn(ROLE)
            .deployment_config_name("CodeDeployDefault.ECSAllAtOnce")
            .ecs_services(
                EcsService::builder()
                    .cluster_name("main")
                    .service_name(service)
                    .build(),
            )
            .deployment_style(
                DeploymentStyle::builder()
                    .deployment_type(DeploymentType::BlueGreen)
                    .deployment_option(DeploymentOption::WithTrafficControl)
                    .build(),
            )
            .load_balancer_info(
                LoadBalancerInfo::builder()
                    .target_group_pair_info_list(
                        TargetGroupPairInfo::builder()
                            .target_groups(TargetGroupInfo::builder().name("blue-tg").build())
                            .target_groups(TargetGroupInfo::builder().name("green-tg").build())
                            .prod_traffic_route(
                                TrafficRoute::builder()
                                    .listener_arns("arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/web/1/2")
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .blue_green_deployment_configuration(
                BlueGreenDeploymentConfiguration::builder()
                    .deployment_ready_option(
                        DeploymentReadyOption::builder()
                            .action_on_timeout(DeploymentReadyAction::ContinueDeployment)
                            .build(),
                    )
                    .terminate_blue_instances_on_deployment_success(
                        BlueInstanceTerminationOption::builder()
                            .action(InstanceAction::Terminate)
                            .termination_wait_time_in_minutes(5)
                            .build(),
                    )
                    .build(),
            )
            .send()
    };
    ecs_group("ecs", "web")
        .await
        .expect("CreateDeploymentGroup ECS");
    let g = group_info(&c, "svc-app", "ecs").await;
    assert_eq!(g.compute_platform(), Some(&ComputePlatform::Ecs));
    assert_eq!(g.ecs_services().len(), 1);
    assert_code(
        ecs_group("ecs-2", "web").await,
        "ECSServiceMappingLimitExceededException",
    );
    assert_code(
        c.create_deployment_group()
            .application_name("fn-app")
            .deployment_group_name("with-tags")
            .service_role_arn(ROLE)
            .ec2_tag_filters(ec2("Name", "web"))
            .send()
            .await,
        "InvalidInputException",
    );
    // A Lambda configuration does not fit a Server application.
    assert_code(
        c.create_deployment_group()
            .application_name("web-app")
            .deployment_group_name("wrong-config")
            .service_role_arn(ROLE)
            .deployment_config_name("CodeDeployDefault.LambdaAllAtOnce")
            .send()
            .await,
        "InvalidDeploymentConfigNameException",
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_deployment_group_errors() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    create_prod(&c).await;
    // Errors of CreateDeploymentGroup.
    let create = |name: &str| {
        c.create_deployment_group()
            .application_name("web-app")
            .deployment_group_name(name)
    };
    let e = create("prod")
        .service_role_arn(ROLE)
        .send()
        .await
        .expect_err("duplicate");
    assert!(e
        .into_service_error()
        .is_deployment_group_already_exists_exception());
    let e = create("no-role").send().await.expect_err("no role");
    assert!(e.into_service_error().is_role_required_exception());
    let e = create("bad-role")
        .service_role_arn("not-a-role")
        .send()
        .await
        .expect_err("bad role");
    assert!(e.into_service_error().is_invalid_role_exception());
    let e = create("both-ec2")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .ec2_tag_set(
            Ec2TagSet::builder()
                .ec2_tag_set_list(vec![ec2("env", "prod")])
                .build(),
        )
        .send()
        .await
        .expect_err("filters and set");
    assert!(e
        .into_service_error()
        .is_invalid_ec2_tag_combination_exception());
    assert_code(
        create("both-onprem")
            .service_role_arn(ROLE)
            .on_premises_instance_tag_filters(onprem("site", "dc1"))
            .on_premises_tag_set(
                OnPremisesTagSet::builder()
                    .on_premises_tag_set_list(vec![onprem("site", "dc2")])
                    .build(),
            )
            .send()
            .await,
        "InvalidOnPremisesTagCombinationException",
    );
    let e = create("no-asg")
        .service_role_arn(ROLE)
        .auto_scaling_groups("no-such-asg")
        .send()
        .await
        .expect_err("unknown ASG");
    assert!(e
        .into_service_error()
        .is_invalid_auto_scaling_group_exception());
    let e = create("empty-alarms")
        .service_role_arn(ROLE)
        .alarm_configuration(AlarmConfiguration::builder().enabled(true).build())
        .send()
        .await
        .expect_err("enabled without alarms");
    assert!(e.into_service_error().is_invalid_alarm_config_exception());
    assert_code(
        create("dup-alarms")
            .service_role_arn(ROLE)
            .alarm_configuration(alarms(&["HighLatency", "HighLatency"]))
            .send()
            .await,
        "InvalidAlarmConfigException",
    );
    let eleven: Vec<String> = (0..11).map(|i| format!("alarm-{i}")).collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    assert_code(
        create("many-alarms")
            .service_role_arn(ROLE)
            .alarm_configuration(alarms(&eleven))
            .send()
            .await,
        "AlarmsLimitExceededException",
    );
    let e = create("no-events")
        .service_role_arn(ROLE)
        .auto_rollback_configuration(AutoRollbackConfiguration::builder().enabled(true).build())
        .send()
        .await
        .expect_err("rollback without events");
    assert!(e
        .into_service_error()
        .is_invalid_auto_rollback_config_exception());
    let e = create("bad-trigger")
        .service_role_arn(ROLE)
        .trigger_configurations(
            TriggerConfig::builder()
                .trigger_name("t")
                .trigger_target_arn("not-an-sns-topic")
                .trigger_events(TriggerEventType::DeploymentStart)
                .build(),
        )
        .send()
        .await
        .expect_err("bad trigger target");
    assert!(e.into_service_error().is_invalid_trigger_config_exception());
    let e = create("bad-config")
        .service_role_arn(ROLE)
        .deployment_config_name("no-such-config")
        .send()
        .await
        .expect_err("unknown config");
    assert!(e
        .into_service_error()
        .is_deployment_config_does_not_exist_exception());
    let e = create("no-lb")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .deployment_style(with_traffic_control())
        .send()
        .await
        .expect_err("traffic control without a load balancer");
    assert!(e
        .into_service_error()
        .is_invalid_load_balancer_info_exception());
    assert_code(
        create("bad name!").service_role_arn(ROLE).send().await,
        "InvalidDeploymentGroupNameException",
    );
    assert_code(
        c.create_deployment_group()
            .application_name("nope")
            .deployment_group_name("g")
            .service_role_arn(ROLE)
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    let r = s
        .raw(
            "CreateDeploymentGroup",
            &json!({"applicationName": "web-app", "serviceRoleArn": ROLE}).to_string(),
        )
        .await;
    assert_eq!(r.error_type(), "DeploymentGroupNameRequiredException");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_batch_get_deployment_groups() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    create_prod(&c).await;
    create_asg_group(&c).await;
    // Readers and their errors.
    let e = c
        .get_deployment_group()
        .application_name("web-app")
        .deployment_group_name("nope")
        .send()
        .await
        .expect_err("missing group");
    assert!(e
        .into_service_error()
        .is_deployment_group_does_not_exist_exception());
    assert_code(
        c.get_deployment_group()
            .application_name("nope")
            .deployment_group_name("prod")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    let batch = c
        .batch_get_deployment_groups()
        .application_name("web-app")
        .deployment_group_names("prod")
        .deployment_group_names("missing-one")
        .deployment_group_names("asg")
        .send()
        .await
        .expect("BatchGetDeploymentGroups");
    let names: Vec<&str> = batch
        .deployment_groups_info()
        .iter()
        .filter_map(|g| g.deployment_group_name())
        .collect();
    assert_eq!(names, ["prod", "asg"]);
    assert!(
        batch
            .error_message()
            .is_some_and(|m| m.contains("missing-one")),
        "{batch:?}"
    );
    let all_found = c
        .batch_get_deployment_groups()
        .application_name("web-app")
        .deployment_group_names("prod")
        .send()
        .await
        .expect("BatchGetDeploymentGroups");
    assert!(all_found.error_message().is_none());
    assert_code(
        c.batch_get_deployment_groups()
            .application_name("web-app")
            .set_deployment_group_names(Some((0..101).map(|i| format!("g{i}")).collect()))
            .send()
            .await,
        "BatchLimitExceededException",
    );
    assert_code(
        c.batch_get_deployment_groups()
            .application_name("nope")
            .deployment_group_names("prod")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.batch_get_deployment_groups()
            .application_name("web-app")
            .send()
            .await,
        "DeploymentGroupNameRequiredException",
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_deployment_group_keeps_what_it_does_not_name() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    let id = create_prod(&c).await;
    // UpdateDeploymentGroup: a partial update keeps the members it does not name.
    let before = group_info(&c, "web-app", "prod").await;
    let up = c
        .update_deployment_group()
        .application_name("web-app")
        .current_deployment_group_name("prod")
        .deployment_config_name("CodeDeployDefault.HalfAtATime")
        .send()
        .await
        .expect("UpdateDeploymentGroup");
    assert!(up.hooks_not_cleaned_up().is_empty());
    let after = group_info(&c, "web-app", "prod").await;
    assert_eq!(
        after.deployment_config_name(),
        Some("CodeDeployDefault.HalfAtATime")
    );
    assert_eq!(after.ec2_tag_filters(), before.ec2_tag_filters());
    assert_eq!(
        after.trigger_configurations(),
        before.trigger_configurations()
    );
    assert_eq!(after.alarm_configuration(), before.alarm_configuration());
    assert_eq!(
        after.auto_rollback_configuration(),
        before.auto_rollback_configuration()
    );
    assert_eq!(after.service_role_arn(), before.service_role_arn());
    // Rename keeps the ID; the tags follow the group.
    c.update_deployment_group()
        .application_name("web-app")
        .current_deployment_group_name("prod")
        .new_deployment_group_name("production")
        .ec2_tag_filters(ec2("Name", "api"))
        .send()
        .await
        .expect("UpdateDeploymentGroup rename");
    let renamed = group_info(&c, "web-app", "production").await;
    assert_eq!(renamed.deployment_group_id(), Some(id.as_str()));
    assert_eq!(renamed.ec2_tag_filters(), [ec2("Name", "api")]);
    assert_eq!(
        renamed.deployment_config_name(),
        Some("CodeDeployDefault.HalfAtATime")
    );
    assert_code(
        c.get_deployment_group()
            .application_name("web-app")
            .deployment_group_name("prod")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    let tags = c
        .list_tags_for_resource()
        .resource_arn(group_arn("web-app", "production"))
        .send()
        .await
        .expect("ListTagsForResource");
    assert_eq!(tags.tags(), [tag("team", "web")]);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_deployment_group_detaches_asgs_and_refuses_bad_changes() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    create_prod(&c).await;
    create_asg_group(&c).await;
    // An empty ASG list detaches them all.
    c.update_deployment_group()
        .application_name("web-app")
        .current_deployment_group_name("asg")
        .set_auto_scaling_groups(Some(vec![]))
        .ec2_tag_filters(ec2("Name", "web"))
        .send()
        .await
        .expect("UpdateDeploymentGroup detach ASGs");
    assert!(group_info(&c, "web-app", "asg")
        .await
        .auto_scaling_groups()
        .is_empty());
    let e = c
        .update_deployment_group()
        .application_name("web-app")
        .current_deployment_group_name("prod")
        .new_deployment_group_name("asg")
        .send()
        .await
        .expect_err("rename onto an existing group");
    assert!(e
        .into_service_error()
        .is_deployment_group_already_exists_exception());
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("nope")
            .deployment_config_name("CodeDeployDefault.AllAtOnce")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("prod")
            .service_role_arn("arn:aws:iam::000000000000:user/not-a-role")
            .send()
            .await,
        "InvalidRoleException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("prod")
            .deployment_config_name("no-such-config")
            .send()
            .await,
        "DeploymentConfigDoesNotExistException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("prod")
            .auto_scaling_groups("no-such-asg")
            .send()
            .await,
        "InvalidAutoScalingGroupException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("prod")
            .ec2_tag_set(
                Ec2TagSet::builder()
                    .ec2_tag_set_list(vec![ec2("env", "prod")])
                    .build(),
            )
            .send()
            .await,
        "InvalidEC2TagCombinationException",
    );
    assert_code(
        c.update_deployment_group()
            .application_name("web-app")
            .current_deployment_group_name("prod")
            .deployment_style(with_traffic_control())
            .send()
            .await,
        "InvalidLoadBalancerInfoException",
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_deployment_groups() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    create_prod(&c).await;
    create_tag_sets(&c).await;
    create_asg_group(&c).await;
    create_lb_groups(&c).await;
    // A renamed group is listed under its new name.
    c.update_deployment_group()
        .application_name("web-app")
        .current_deployment_group_name("prod")
        .new_deployment_group_name("production")
        .ec2_tag_filters(ec2("Name", "api"))
        .send()
        .await
        .expect("UpdateDeploymentGroup rename");
    let list = c
        .list_deployment_groups()
        .application_name("web-app")
        .send()
        .await
        .expect("ListDeploymentGroups");
    assert_eq!(list.application_name(), Some("web-app"));
    assert_eq!(
        list.deployment_groups(),
        [
            "asg",
            "behind-lb",
            "blue-green",
            "onprem-set",
            "production",
            "tag-set"
        ]
    );
    assert!(list.next_token().is_none());
    assert_code(
        c.list_deployment_groups()
            .application_name("nope")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_deployment_group_is_idempotent() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    create_tag_sets(&c).await;
    // DeleteDeploymentGroup is idempotent.
    for _ in 0..2 {
        let out = c
            .delete_deployment_group()
            .application_name("web-app")
            .deployment_group_name("tag-set")
            .send()
            .await
            .expect("DeleteDeploymentGroup");
        assert!(out.hooks_not_cleaned_up().is_empty());
    }
    assert_code(
        c.get_deployment_group()
            .application_name("web-app")
            .deployment_group_name("tag-set")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_code(
        c.delete_deployment_group()
            .application_name("web-app")
            .deployment_group_name("bad name")
            .send()
            .await,
        "InvalidDeploymentGroupNameException",
    );
    let r = s
        .raw("DeleteDeploymentGroup", r#"{"applicationName":"web-app"}"#)
        .await;
    assert_eq!(r.error_type(), "DeploymentGroupNameRequiredException");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_deployment_groups() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "many", ComputePlatform::Server).await;
    create_app(&c, "other", ComputePlatform::Server).await;
    ec2_group(&c, "other", "not-listed", "Name", "web", None).await;
    let mut groups = Vec::new();
    for i in 0..120 {
        let name = format!("group-{i:03}");
        ec2_group(&c, "many", &name, "Name", "web", None).await;
        groups.push(name);
    }
    let (all, pages) = walk!(
        c.list_deployment_groups().application_name("many"),
        deployment_groups
    );
    assert_pages(&pages, 120);
    assert_same_set(&all, &groups, "ListDeploymentGroups");
    let items = c
        .list_deployment_groups()
        .application_name("many")
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListDeploymentGroups paginator");
    assert_same_set(&items, &groups, "ListDeploymentGroups paginator");
    assert_code(
        c.list_deployment_groups()
            .application_name("many")
            .next_token("garbage")
            .send()
            .await,
        "InvalidNextTokenException",
    );
    s.stop().await;
}
