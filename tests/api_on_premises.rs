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

/// Registers `name` with an IAM user ARN of the same name.
async fn register_user(c: &Client, name: &str) {
    c.register_on_premises_instance()
        .instance_name(name)
        .iam_user_arn(user_arn(name))
        .send()
        .await
        .unwrap_or_else(|e| panic!("RegisterOnPremisesInstance {name}: {e:?}"));
}

/// rack-1 (registered with an IAM user ARN) and rack-2 (with a session ARN).
async fn register_racks(c: &Client) {
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
}

/// Tags both racks site=dc1 and role=app, then moves rack-2 to site=dc2.
async fn tag_racks(c: &Client) {
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
}

async fn get_onprem(c: &Client, name: &str, what: &str) -> InstanceInfo {
    c.get_on_premises_instance()
        .instance_name(name)
        .send()
        .await
        .expect(what)
        .instance_info
        .expect("instanceInfo")
}

/// A deployment group of dc-app deploying to the on-premises instances with
/// the tag `role=<role>`, rolling back on failure if `rollback`.
async fn onprem_group(c: &Client, group: &str, role: &str, rollback: bool, what: &str) {
    c.create_deployment_group()
        .application_name("dc-app")
        .deployment_group_name(group)
        .service_role_arn(ROLE)
        .on_premises_instance_tag_filters(onprem("role", role))
        .set_auto_rollback_configuration(rollback.then(rollback_on_failure))
        .send()
        .await
        .expect(what);
}

/// GetDeploymentTarget's instance target `target` of deployment `d`.
async fn instance_target(c: &Client, d: &str, target: &str) -> InstanceTarget {
    c.get_deployment_target()
        .deployment_id(d)
        .target_id(target)
        .send()
        .await
        .expect("GetDeploymentTarget")
        .deployment_target
        .and_then(|t| t.instance_target)
        .expect("instanceTarget")
}

/// Deregisters `name` (its expect says which call failed).
async fn deregister(c: &Client, name: &str, what: &str) {
    c.deregister_on_premises_instance()
        .instance_name(name)
        .send()
        .await
        .expect(what);
}

/// RegisterOnPremisesInstance refuses no ARN, both ARNs, a taken name or ARN,
/// malformed ARNs and names, and no name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_on_premises_instance_rejects_missing_taken_and_invalid_values() {
    let s = ApiServer::start().await;
    let c = s.client();
    register_racks(&c).await;
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
    // A new name, so only the ARN can be at fault.
    let rack3 = || c.register_on_premises_instance().instance_name("rack-3");
    assert_code(
        rack3().iam_user_arn(user_arn("rack-1")).send().await,
        "IamUserArnAlreadyRegisteredException",
    );
    assert_code(
        rack3().iam_session_arn(session_arn("rack-2")).send().await,
        "IamSessionArnAlreadyRegisteredException",
    );
    assert_code(
        rack3()
            .iam_user_arn("arn:aws:iam::000000000000:role/not-a-user")
            .send()
            .await,
        "InvalidIamUserArnException",
    );
    assert_code(
        rack3().iam_session_arn("not-an-arn").send().await,
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
    s.stop().await;
}

/// GetOnPremisesInstance reports a registered instance and refuses an unknown
/// one; BatchGetOnPremisesInstances skips unknown names and refuses more than
/// 25 or none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_batch_get_on_premises_instances_report_registered_instances() {
    let s = ApiServer::start().await;
    let c = s.client();
    register_racks(&c).await;
    let info = get_onprem(&c, "rack-1", "GetOnPremisesInstance").await;
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
    s.stop().await;
}

/// Added tags overwrite a key's value; ListOnPremisesInstances filters by
/// key and value (either of several) or by key only; removed tags stop matching.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_premises_tags_overwrite_filter_the_listing_and_can_be_removed() {
    let s = ApiServer::start().await;
    let c = s.client();
    register_racks(&c).await;
    tag_racks(&c).await;
    let tags = get_onprem(&c, "rack-2", "GetOnPremisesInstance")
        .await
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
    s.stop().await;
}

/// The tag operations refuse unknown instances, missing and invalid tags,
/// more than 10 tags and no names; the listing refuses a bad status or filter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_premises_tag_operations_and_listing_reject_bad_requests() {
    let s = ApiServer::start().await;
    let c = s.client();
    register_racks(&c).await;
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
    // A registered instance, so only the tags can be at fault.
    let rack1 = || {
        c.add_tags_to_on_premises_instances()
            .instance_names("rack-1")
    };
    assert_code(rack1().send().await, "TagRequiredException");
    assert_code(
        rack1()
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
        rack1().set_tags(Some(eleven)).send().await,
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
    s.stop().await;
}

/// A deployment group picking on-premises instances by tag deploys to them,
/// and their targets carry on-premises instance ARNs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_reaches_on_premises_instances_picked_by_tag() {
    let s = ApiServer::start().await;
    let c = s.client();
    register_racks(&c).await;
    tag_racks(&c).await;
    create_app(&c, "dc-app", ComputePlatform::Server).await;
    onprem_group(
        &c,
        "racks",
        "app",
        false,
        "CreateDeploymentGroup on-premises",
    )
    .await;
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
    let t = instance_target(&c, &d, "rack-2").await;
    assert_eq!(
        t.target_arn(),
        Some(format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:instance/rack-2").as_str())
    );
    s.stop().await;
}

/// An instance tagged codedeck:fail=BeforeInstall fails that event with
/// diagnostics, after the earlier events succeed and before the later ones are
/// skipped; the deployment fails with nothing to roll back to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_tagged_to_fail_fails_that_lifecycle_event() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "dc-app", ComputePlatform::Server).await;
    register_user(&c, "rack-bad").await;
    c.add_tags_to_on_premises_instances()
        .instance_names("rack-bad")
        .tags(tag("role", "broken"))
        .tags(tag("codedeck:fail", "BeforeInstall"))
        .send()
        .await
        .expect("AddTagsToOnPremisesInstances");
    onprem_group(&c, "broken", "broken", true, "CreateDeploymentGroup").await;
    let d = deploy(&c, "dc-app", "broken", s3("releases", "dc-1.zip")).await;
    let info = s.wait_deployment(&c, &d).await;
    assert_eq!(info.status(), Some(&DeploymentStatus::Failed), "{info:?}");
    assert!(info.error_information().and_then(|e| e.code()).is_some());
    let rb = info.rollback_info().expect("rollbackInfo");
    assert!(rb.rollback_message().is_some_and(|m| !m.is_empty()));
    assert!(rb.rollback_deployment_id().is_none());
    let t = instance_target(&c, &d, "rack-bad").await;
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
    s.stop().await;
}

/// Deregistration is idempotent (and accepts unknown names); the instance
/// stays listed and readable as Deregistered but can no longer be tagged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deregistration_is_idempotent_and_keeps_the_instance_listed() {
    let s = ApiServer::start().await;
    let c = s.client();
    register_racks(&c).await;
    register_user(&c, "rack-bad").await;
    for _ in 0..2 {
        deregister(&c, "rack-2", "DeregisterOnPremisesInstance").await;
    }
    deregister(
        &c,
        "never-registered",
        "DeregisterOnPremisesInstance of an unknown name",
    )
    .await;
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
    let gone = get_onprem(
        &c,
        "rack-2",
        "GetOnPremisesInstance of a deregistered instance",
    )
    .await;
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
    s.stop().await;
}

/// A deregistered name stays taken while CodeDeploy keeps the record (24
/// hours, #22; tests/api_front_door.rs); after that it is free again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deregistered_name_is_free_again_after_24_hours() {
    let s = ApiServer::start().await;
    let c = s.client();
    register_racks(&c).await;
    deregister(&c, "rack-2", "DeregisterOnPremisesInstance").await;
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
