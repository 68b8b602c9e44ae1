//! RegisterOnPremisesInstance, DeregisterOnPremisesInstance,
//! GetOnPremisesInstance, BatchGetOnPremisesInstances,
//! ListOnPremisesInstances, AddTagsToOnPremisesInstances and
//! RemoveTagsFromOnPremisesInstances through the AWS SDK for Rust against an
//! in-process codedeck server: the success path, the typical errors,
//! pagination.

mod common_api;

use std::collections::BTreeSet;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use common_api::*;
use serde_json::json;

async fn list_onprem(
    c: &Client,
    status: Option<RegistrationStatus>,
    filters: Vec<TagFilter>,
) -> Vec<String> {
    c.list_on_premises_instances()
        .set_registration_status(status)
        .set_tag_filters(Some(filters))
        .send()
        .await
        .expect("ListOnPremisesInstances")
        .instance_names()
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_premises_instances() {
    let s = ApiServer::start().await;
    let c = s.client();
    c.register_on_premises_instance()
        .instance_name("rack-1")
        .iam_user_arn(user_arn("rack-1"))
        .send()
        .await
        .expect("RegisterOnPremisesInstance iamUserArn");
    c.register_on_premises_instance()
        .instance_name("rack-2")
        .iam_session_arn(session_arn("rack-2"))
        .send()
        .await
        .expect("RegisterOnPremisesInstance iamSessionArn");

    // Registration errors.
    let e = c
        .register_on_premises_instance()
        .instance_name("rack-3")
        .send()
        .await
        .expect_err("no ARN");
    assert!(e.into_service_error().is_iam_arn_required_exception());
    let e = c
        .register_on_premises_instance()
        .instance_name("rack-3")
        .iam_user_arn(user_arn("rack-3"))
        .iam_session_arn(session_arn("rack-3"))
        .send()
        .await
        .expect_err("both ARNs");
    assert!(e
        .into_service_error()
        .is_multiple_iam_arns_provided_exception());
    let e = c
        .register_on_premises_instance()
        .instance_name("rack-1")
        .iam_user_arn(user_arn("another"))
        .send()
        .await
        .expect_err("name taken");
    assert!(e
        .into_service_error()
        .is_instance_name_already_registered_exception());
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-3")
            .iam_user_arn(user_arn("rack-1"))
            .send()
            .await,
        "IamUserArnAlreadyRegisteredException",
    );
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-3")
            .iam_session_arn(session_arn("rack-2"))
            .send()
            .await,
        "IamSessionArnAlreadyRegisteredException",
    );
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-3")
            .iam_user_arn("arn:aws:iam::000000000000:role/not-a-user")
            .send()
            .await,
        "InvalidIamUserArnException",
    );
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-3")
            .iam_session_arn("not-an-arn")
            .send()
            .await,
        "InvalidIamSessionArnException",
    );
    assert_code(
        c.register_on_premises_instance()
            .instance_name("bad name")
            .iam_user_arn(user_arn("x"))
            .send()
            .await,
        "InvalidInstanceNameException",
    );
    let r = s
        .raw(
            "RegisterOnPremisesInstance",
            &json!({"iamUserArn": user_arn("x")}).to_string(),
        )
        .await;
    assert_eq!(r.error_type(), "InstanceNameRequiredException");

    // Readers.
    let info = c
        .get_on_premises_instance()
        .instance_name("rack-1")
        .send()
        .await
        .expect("GetOnPremisesInstance")
        .instance_info
        .expect("instanceInfo");
    assert_eq!(info.instance_name(), Some("rack-1"));
    assert_eq!(info.iam_user_arn(), Some(user_arn("rack-1").as_str()));
    assert!(info.iam_session_arn().is_none());
    assert_eq!(
        info.instance_arn(),
        Some(format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:instance/rack-1").as_str())
    );
    assert!(info.register_time().is_some());
    assert!(info.deregister_time().is_none());
    assert!(info.tags().is_empty());
    let e = c
        .get_on_premises_instance()
        .instance_name("nope")
        .send()
        .await
        .expect_err("unknown instance");
    assert!(e
        .into_service_error()
        .is_instance_not_registered_exception());
    let batch = c
        .batch_get_on_premises_instances()
        .instance_names("rack-2")
        .instance_names("nope")
        .instance_names("rack-1")
        .send()
        .await
        .expect("BatchGetOnPremisesInstances");
    let names: BTreeSet<&str> = batch
        .instance_infos()
        .iter()
        .filter_map(|i| i.instance_name())
        .collect();
    assert_eq!(names, BTreeSet::from(["rack-1", "rack-2"]));
    assert_code(
        c.batch_get_on_premises_instances()
            .set_instance_names(Some((0..26).map(|i| format!("rack-{i}")).collect()))
            .send()
            .await,
        "BatchLimitExceededException",
    );
    assert_code(
        c.batch_get_on_premises_instances().send().await,
        "InstanceNameRequiredException",
    );

    // Tags.
    c.add_tags_to_on_premises_instances()
        .instance_names("rack-1")
        .instance_names("rack-2")
        .tags(tag("site", "dc1"))
        .tags(tag("role", "app"))
        .send()
        .await
        .expect("AddTagsToOnPremisesInstances");
    c.add_tags_to_on_premises_instances()
        .instance_names("rack-2")
        .tags(tag("site", "dc2"))
        .send()
        .await
        .expect("AddTagsToOnPremisesInstances overwrite");
    let tags = c
        .get_on_premises_instance()
        .instance_name("rack-2")
        .send()
        .await
        .expect("GetOnPremisesInstance")
        .instance_info
        .expect("instanceInfo")
        .tags()
        .to_vec();
    let tags: BTreeSet<(String, String)> = tags
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        tags,
        BTreeSet::from([
            ("role".to_string(), "app".to_string()),
            ("site".to_string(), "dc2".to_string())
        ])
    );
    assert_eq!(
        list_onprem(&c, None, vec![onprem("site", "dc1")]).await,
        ["rack-1"]
    );
    assert_eq!(
        list_onprem(&c, None, vec![onprem("site", "dc1"), onprem("site", "dc2")]).await,
        ["rack-1", "rack-2"]
    );
    let key_only = TagFilter::builder()
        .key("role")
        .r#type(TagFilterType::KeyOnly)
        .build();
    assert_eq!(
        list_onprem(&c, None, vec![key_only]).await,
        ["rack-1", "rack-2"]
    );
    c.remove_tags_from_on_premises_instances()
        .instance_names("rack-1")
        .tags(tag("site", "dc1"))
        .send()
        .await
        .expect("RemoveTagsFromOnPremisesInstances");
    assert!(list_onprem(&c, None, vec![onprem("site", "dc1")])
        .await
        .is_empty());
    let e = c
        .add_tags_to_on_premises_instances()
        .instance_names("nope")
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("unknown instance");
    assert!(e
        .into_service_error()
        .is_instance_not_registered_exception());
    assert_code(
        c.add_tags_to_on_premises_instances()
            .instance_names("rack-1")
            .send()
            .await,
        "TagRequiredException",
    );
    assert_code(
        c.add_tags_to_on_premises_instances()
            .instance_names("rack-1")
            .tags(Tag::builder().value("no key").build())
            .send()
            .await,
        "InvalidTagException",
    );
    assert_code(
        c.add_tags_to_on_premises_instances()
            .tags(tag("a", "b"))
            .send()
            .await,
        "InstanceNameRequiredException",
    );
    let eleven: Vec<Tag> = (0..11).map(|i| tag(&format!("k{i}"), "v")).collect();
    assert_code(
        c.add_tags_to_on_premises_instances()
            .instance_names("rack-1")
            .set_tags(Some(eleven))
            .send()
            .await,
        "TagLimitExceededException",
    );
    assert_code(
        c.remove_tags_from_on_premises_instances()
            .instance_names("nope")
            .tags(tag("a", "b"))
            .send()
            .await,
        "InstanceNotRegisteredException",
    );
    assert_code(
        c.list_on_premises_instances()
            .registration_status(RegistrationStatus::from("Lost"))
            .send()
            .await,
        "InvalidRegistrationStatusException",
    );
    assert_code(
        c.list_on_premises_instances()
            .tag_filters(TagFilter::builder().r#type(TagFilterType::KeyOnly).build())
            .send()
            .await,
        "InvalidTagFilterException",
    );

    // A deployment to on-premises instances picked by tag.
    create_app(&c, "dc-app", ComputePlatform::Server).await;
    c.create_deployment_group()
        .application_name("dc-app")
        .deployment_group_name("racks")
        .service_role_arn(ROLE)
        .on_premises_instance_tag_filters(onprem("role", "app"))
        .send()
        .await
        .expect("CreateDeploymentGroup on-premises");
    let d = deploy(&c, "dc-app", "racks", s3("releases", "dc-1.zip")).await;
    let info = s.wait_deployment(&c, &d).await;
    assert_eq!(
        info.status(),
        Some(&DeploymentStatus::Succeeded),
        "{info:?}"
    );
    let ids = c
        .list_deployment_targets()
        .deployment_id(&d)
        .send()
        .await
        .expect("ListDeploymentTargets");
    assert_eq!(ids.target_ids(), ["rack-1", "rack-2"]);
    let t = c
        .get_deployment_target()
        .deployment_id(&d)
        .target_id("rack-2")
        .send()
        .await
        .expect("GetDeploymentTarget")
        .deployment_target
        .and_then(|t| t.instance_target)
        .expect("instanceTarget");
    assert_eq!(
        t.target_arn(),
        Some(format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:instance/rack-2").as_str())
    );

    // An instance tagged codedeck:fail=BeforeInstall fails that event.
    c.register_on_premises_instance()
        .instance_name("rack-bad")
        .iam_user_arn(user_arn("rack-bad"))
        .send()
        .await
        .expect("RegisterOnPremisesInstance");
    c.add_tags_to_on_premises_instances()
        .instance_names("rack-bad")
        .tags(tag("role", "broken"))
        .tags(tag("codedeck:fail", "BeforeInstall"))
        .send()
        .await
        .expect("AddTagsToOnPremisesInstances");
    c.create_deployment_group()
        .application_name("dc-app")
        .deployment_group_name("broken")
        .service_role_arn(ROLE)
        .on_premises_instance_tag_filters(onprem("role", "broken"))
        .auto_rollback_configuration(rollback_on_failure())
        .send()
        .await
        .expect("CreateDeploymentGroup");
    let d = deploy(&c, "dc-app", "broken", s3("releases", "dc-1.zip")).await;
    let info = s.wait_deployment(&c, &d).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed), "{info:?}");
    assert!(info.error_information().and_then(|e| e.code()).is_some());
    let rb = info.rollback_info().expect("rollbackInfo");
    assert!(rb.rollback_message().is_some_and(|m| !m.is_empty()));
    assert!(rb.rollback_deployment_id().is_none());
    let t = c
        .get_deployment_target()
        .deployment_id(&d)
        .target_id("rack-bad")
        .send()
        .await
        .expect("GetDeploymentTarget")
        .deployment_target
        .and_then(|t| t.instance_target)
        .expect("instanceTarget");
    assert_eq!(t.status(), Some(&TargetStatus::Failed));
    let events = t.lifecycle_events();
    let at = events
        .iter()
        .position(|e| e.lifecycle_event_name() == Some("BeforeInstall"))
        .expect("BeforeInstall");
    for e in &events[..at] {
        assert_eq!(e.status(), Some(&LifecycleEventStatus::Succeeded), "{e:?}");
    }
    let failed = &events[at];
    assert_eq!(failed.status(), Some(&LifecycleEventStatus::Failed));
    let diag = failed.diagnostics().expect("diagnostics");
    assert_eq!(diag.error_code(), Some(&LifecycleErrorCode::ScriptFailed));
    assert!(
        diag.script_name().is_some_and(|n| !n.is_empty()),
        "{diag:?}"
    );
    assert!(diag.message().is_some_and(|m| !m.is_empty()), "{diag:?}");
    assert!(diag.log_tail().is_some_and(|l| !l.is_empty()), "{diag:?}");
    for e in &events[at + 1..] {
        assert_eq!(e.status(), Some(&LifecycleEventStatus::Skipped), "{e:?}");
    }

    // Deregistration: idempotent; the instance stays listed as Deregistered.
    for _ in 0..2 {
        c.deregister_on_premises_instance()
            .instance_name("rack-2")
            .send()
            .await
            .expect("DeregisterOnPremisesInstance");
    }
    c.deregister_on_premises_instance()
        .instance_name("never-registered")
        .send()
        .await
        .expect("DeregisterOnPremisesInstance of an unknown name");
    assert_code(
        c.deregister_on_premises_instance()
            .instance_name("bad name")
            .send()
            .await,
        "InvalidInstanceNameException",
    );
    assert_eq!(
        list_onprem(&c, Some(RegistrationStatus::Deregistered), vec![]).await,
        ["rack-2"]
    );
    assert_eq!(
        list_onprem(&c, Some(RegistrationStatus::Registered), vec![]).await,
        ["rack-1", "rack-bad"]
    );
    assert_eq!(
        list_onprem(&c, None, vec![]).await,
        ["rack-1", "rack-2", "rack-bad"]
    );
    let gone = c
        .get_on_premises_instance()
        .instance_name("rack-2")
        .send()
        .await
        .expect("GetOnPremisesInstance of a deregistered instance")
        .instance_info
        .expect("instanceInfo");
    assert!(gone.deregister_time().is_some());
    let e = c
        .add_tags_to_on_premises_instances()
        .instance_names("rack-2")
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("deregistered");
    assert!(e
        .into_service_error()
        .is_instance_not_registered_exception());
    // The name stays taken while CodeDeploy keeps the record (24 hours, #22;
    // tests/api_front_door.rs); after that it is free again.
    assert_code(
        c.register_on_premises_instance()
            .instance_name("rack-2")
            .iam_session_arn(session_arn("rack-2-new"))
            .send()
            .await,
        "InstanceNameAlreadyRegisteredException",
    );
    s.runtime.advance(24 * 3_600_000);
    c.register_on_premises_instance()
        .instance_name("rack-2")
        .iam_session_arn(session_arn("rack-2"))
        .send()
        .await
        .expect("RegisterOnPremisesInstance 24 hours after deregistration");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_on_premises_instances() {
    let s = ApiServer::start().await;
    let c = s.client();
    let mut names = Vec::new();
    for i in 0..130 {
        let name = format!("host-{i:03}");
        c.register_on_premises_instance()
            .instance_name(&name)
            .iam_user_arn(user_arn(&name))
            .send()
            .await
            .expect("RegisterOnPremisesInstance");
        names.push(name);
    }
    let (all, pages) = walk!(c.list_on_premises_instances(), instance_names);
    assert_pages(&pages, 130);
    assert_same_set(&all, &names, "ListOnPremisesInstances");
    let (registered, pages) = walk!(
        c.list_on_premises_instances()
            .registration_status(RegistrationStatus::Registered),
        instance_names
    );
    assert_pages(&pages, 130);
    assert_same_set(&registered, &names, "ListOnPremisesInstances Registered");
    assert_code(
        c.list_on_premises_instances()
            .next_token("garbage")
            .send()
            .await,
        "InvalidNextTokenException",
    );
    s.stop().await;
}
