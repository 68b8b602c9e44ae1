//! Lambda and ECS deployments through aws-sdk-codedeploy: hook executions
//! answered with PutLifecycleEventHookExecutionStatus, and ContinueDeployment
//! on an ECS deployment waiting Ready.

mod common_api;

use std::time::{Duration, Instant};

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use common_api::*;

const LAMBDA_SPEC: &str = r#"{"version":0.0,"Resources":[{"fn":{"Type":"AWS::Lambda::Function",
  "Properties":{"Name":"orders","Alias":"live","CurrentVersion":"1","TargetVersion":"2"}}}],
  "Hooks":[{"BeforeAllowTraffic":"CodeDeployHook_pre"},{"AfterAllowTraffic":"CodeDeployHook_post"}]}"#;

fn appspec(text: &str) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(AppSpecContent::builder().content(text).build())
        .build()
}

/// Waits until the engine has a hook execution waiting for this deployment.
async fn pending_hook(s: &ApiServer, id: &str) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = s
            .runtime
            .read(|e, _, _| {
                Ok(e.pending_hooks()
                    .into_iter()
                    .find(|(d, _)| d == id)
                    .map(|(_, h)| (h.id, h.event)))
            })
            .expect("read");
        if let Some(h) = found {
            return h;
        }
        assert!(
            Instant::now() < deadline,
            "no hook execution appeared for {id}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn put(
    c: &Client,
    id: &str,
    hook: &str,
    status: LifecycleEventStatus,
) -> Result<String, String> {
    c.put_lifecycle_event_hook_execution_status()
        .deployment_id(id)
        .lifecycle_event_hook_execution_id(hook)
        .status(status)
        .send()
        .await
        .map(|o| {
            o.lifecycle_event_hook_execution_id()
                .unwrap_or_default()
                .to_string()
        })
        .map_err(|e| code(Err::<(), _>(e)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_hooks_answered_through_the_sdk() {
    let s = ApiServer::start().await;
    let c = s.client();
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
        .deployment_config_name("CodeDeployDefault.LambdaLinear10PercentEvery1Minute")
        .tags(
            Tag::builder()
                .key("codedeck:hooks")
                .value("external")
                .build(),
        )
        .send()
        .await
        .expect("group");
    let id = c
        .create_deployment()
        .application_name("fn")
        .deployment_group_name("prod")
        .revision(appspec(LAMBDA_SPEC))
        .send()
        .await
        .expect("deployment")
        .deployment_id()
        .unwrap_or_default()
        .to_string();

    let (pre, event) = pending_hook(&s, &id).await;
    assert_eq!(event, "BeforeAllowTraffic");
    assert_eq!(
        put(
            &c,
            &id,
            "00000000-0000-4000-8000-000000000000",
            LifecycleEventStatus::Succeeded
        )
        .await,
        Err("InvalidLifecycleEventHookExecutionIdException".into())
    );
    assert_eq!(
        put(&c, &id, &pre, LifecycleEventStatus::InProgress).await,
        Err("InvalidLifecycleEventHookExecutionStatusException".into())
    );
    assert_eq!(
        put(&c, &id, &pre, LifecycleEventStatus::Succeeded).await,
        Ok(pre.clone())
    );
    assert_eq!(
        put(&c, &id, &pre, LifecycleEventStatus::Succeeded).await,
        Err("LifecycleEventAlreadyCompletedException".into())
    );
    // Ten linear steps one virtual minute apart, then AfterAllowTraffic waits.
    let (post, event) = pending_hook(&s, &id).await;
    assert_eq!(event, "AfterAllowTraffic");
    let target = c
        .get_deployment_target()
        .deployment_id(&id)
        .target_id("orders")
        .send()
        .await
        .expect("target");
    let lambda = target
        .deployment_target()
        .and_then(|t| t.lambda_target())
        .expect("lambda target");
    assert_eq!(
        lambda
            .lambda_function_info()
            .map(|i| i.target_version_weight()),
        Some(100.0)
    );
    assert_eq!(
        put(&c, &id, &post, LifecycleEventStatus::Succeeded).await,
        Ok(post)
    );
    let info = s.wait_deployment(&c, &id).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    // Hooks apply to Lambda and ECS only.
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecs_ready_wait_continued_through_the_sdk() {
    let s = ApiServer::start().await;
    let c = s.client();
    c.create_application()
        .application_name("svc")
        .compute_platform(ComputePlatform::Ecs)
        .send()
        .await
        .expect("app");
    c.create_deployment_group()
        .application_name("svc")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .ecs_services(
            EcsService::builder()
                .cluster_name("main")
                .service_name("web")
                .build(),
        )
        .blue_green_deployment_configuration(
            BlueGreenDeploymentConfiguration::builder()
                .deployment_ready_option(
                    DeploymentReadyOption::builder()
                        .action_on_timeout(DeploymentReadyAction::StopDeployment)
                        .wait_time_in_minutes(600)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("group");
    let spec = r#"{"version":0.0,"Resources":[{"TargetService":{"Type":"AWS::ECS::Service","Properties":{
      "TaskDefinition":"arn:aws:ecs:us-east-1:000000000000:task-definition/web:2",
      "LoadBalancerInfo":{"ContainerName":"web","ContainerPort":80}}}}]}"#;
    let id = c
        .create_deployment()
        .application_name("svc")
        .deployment_group_name("prod")
        .revision(appspec(spec))
        .send()
        .await
        .expect("deployment")
        .deployment_id()
        .unwrap_or_default()
        .to_string();
    let ready = s
        .wait_until(&c, &id, "Ready", |i| {
            i.status() == Some(&DeploymentStatus::Ready)
        })
        .await;
    assert_eq!(ready.deployment_overview().map(|o| o.ready()), Some(1));
    let early = c
        .continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::TerminationWait)
        .send()
        .await;
    assert_eq!(code(early), "DeploymentIsNotInReadyStateException");
    c.continue_deployment()
        .deployment_id(&id)
        .deployment_wait_type(DeploymentWaitType::ReadyWait)
        .send()
        .await
        .expect("continue");
    let info = s.wait_deployment(&c, &id).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Succeeded));
    let target = c
        .get_deployment_target()
        .deployment_id(&id)
        .target_id("main:web")
        .send()
        .await
        .expect("target");
    let sets = target
        .deployment_target()
        .and_then(|t| t.ecs_target())
        .map(|e| e.task_sets_info().to_vec())
        .unwrap_or_default();
    let green = sets
        .iter()
        .find(|s| s.task_set_label() == Some(&TargetLabel::Green))
        .expect("green");
    assert_eq!(green.traffic_weight(), 100.0);
    assert_eq!(green.status(), Some("PRIMARY"));
    s.stop().await;
}
