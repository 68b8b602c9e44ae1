//! CreateApplication, GetApplication, BatchGetApplications,
//! UpdateApplication, DeleteApplication and ListApplications through the AWS
//! SDK for Rust against an in-process codedeck server: the success path, the
//! typical errors, pagination.

mod common_api;

use std::collections::BTreeSet;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use common_api::*;

/// shop (no platform given), fn-app (Lambda) and svc-app (ECS); returns
/// shop's application ID.
async fn three_apps(c: &Client) -> String {
    let out = c
        .create_application()
        .application_name("shop")
        .send()
        .await
        .expect("CreateApplication without a platform");
    let shop_id = out.application_id().expect("applicationId").to_string();
    create_app(c, "fn-app", ComputePlatform::Lambda).await;
    create_app(c, "svc-app", ComputePlatform::Ecs).await;
    shop_id
}

/// The three applications, shop with a prod group, then shop renamed to
/// store; returns the application ID (kept through the rename).
async fn shop_renamed_to_store(c: &Client) -> String {
    let shop_id = three_apps(c).await;
    ec2_group(c, "shop", "prod", "Name", "web", None).await;
    c.update_application()
        .application_name("shop")
        .new_application_name("store")
        .send()
        .await
        .expect("UpdateApplication rename");
    shop_id
}

/// ListApplications on one page: exactly fn-app, store and svc-app.
async fn assert_lists_fn_store_svc(c: &Client) {
    let list = c
        .list_applications()
        .send()
        .await
        .expect("ListApplications");
    assert_eq!(list.applications(), ["fn-app", "store", "svc-app"]);
    assert!(list.next_token().is_none());
}

/// CreateApplication returns a UUID, and GetApplication reports the name, ID,
/// platform (Server by default), GitHub link and creation time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_application_returns_an_id_and_get_application_reports_it() {
    let s = ApiServer::start().await;
    let c = s.client();
    let shop_id = three_apps(&c).await;
    assert!(is_uuid(&shop_id), "{shop_id}");
    let info = c
        .get_application()
        .application_name("shop")
        .send()
        .await
        .expect("GetApplication")
        .application
        .expect("application");
    assert_eq!(info.application_id(), Some(shop_id.as_str()));
    assert_eq!(info.application_name(), Some("shop"));
    assert_eq!(info.compute_platform(), Some(&ComputePlatform::Server));
    assert!(!info.linked_to_git_hub());
    assert!(info.git_hub_account_name().is_none());
    assert!(info.create_time().is_some());
    let lambda = c
        .get_application()
        .application_name("fn-app")
        .send()
        .await
        .expect("GetApplication fn-app")
        .application
        .expect("application");
    assert_eq!(lambda.compute_platform(), Some(&ComputePlatform::Lambda));
    s.stop().await;
}

/// BatchGetApplications returns each named application with its platform.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_get_applications_returns_the_named_applications() {
    let s = ApiServer::start().await;
    let c = s.client();
    three_apps(&c).await;
    let batch = c
        .batch_get_applications()
        .application_names("svc-app")
        .application_names("shop")
        .send()
        .await
        .expect("BatchGetApplications");
    let names: BTreeSet<&str> = batch
        .applications_info()
        .iter()
        .filter_map(|a| a.application_name())
        .collect();
    assert_eq!(names, BTreeSet::from(["shop", "svc-app"]));
    let svc = batch
        .applications_info()
        .iter()
        .find(|a| a.application_name() == Some("svc-app"))
        .expect("svc-app");
    assert_eq!(svc.compute_platform(), Some(&ComputePlatform::Ecs));
    s.stop().await;
}

/// CreateApplication refuses a name already taken, an invalid or over-long
/// name, and an empty one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_application_rejects_duplicate_invalid_and_empty_names() {
    let s = ApiServer::start().await;
    let c = s.client();
    three_apps(&c).await;
    let e = c
        .create_application()
        .application_name("shop")
        .send()
        .await
        .expect_err("duplicate");
    assert!(e
        .into_service_error()
        .is_application_already_exists_exception());
    let e = c
        .create_application()
        .application_name("bad name!")
        .send()
        .await
        .expect_err("bad name");
    assert!(e
        .into_service_error()
        .is_invalid_application_name_exception());
    assert_code(
        c.create_application()
            .application_name("a".repeat(101))
            .send()
            .await,
        "InvalidApplicationNameException",
    );
    let r = s
        .raw("CreateApplication", r#"{"applicationName":""}"#)
        .await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    s.stop().await;
}

/// CreateApplication refuses an unknown compute platform (HTTP 400, through
/// the SDK and raw) and a tag without a key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_application_rejects_an_unknown_platform_and_a_tag_without_key() {
    let s = ApiServer::start().await;
    let c = s.client();
    let e = c
        .create_application()
        .application_name("k8s")
        .compute_platform(ComputePlatform::from("Kubernetes"))
        .send()
        .await
        .expect_err("unknown platform");
    assert!(e
        .into_service_error()
        .is_invalid_compute_platform_exception());
    let r = s
        .raw(
            "CreateApplication",
            r#"{"applicationName":"k8s","computePlatform":"Kubernetes"}"#,
        )
        .await;
    assert_eq!(
        (r.status, r.error_type().as_str()),
        (400, "InvalidComputePlatformException")
    );
    assert_code(
        c.create_application()
            .application_name("tagged")
            .tags(Tag::builder().value("no key").build())
            .send()
            .await,
        "InvalidTagsToAddException",
    );
    s.stop().await;
}

/// GetApplication and BatchGetApplications refuse a missing application, an
/// invalid name, no name, and more than 100 names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_batch_get_applications_reject_missing_invalid_and_too_many_names() {
    let s = ApiServer::start().await;
    let c = s.client();
    three_apps(&c).await;
    let r = s.raw("GetApplication", "{}").await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    let e = c
        .get_application()
        .application_name("nope")
        .send()
        .await
        .expect_err("missing");
    assert!(e
        .into_service_error()
        .is_application_does_not_exist_exception());
    assert_code(
        c.get_application().application_name("no way").send().await,
        "InvalidApplicationNameException",
    );
    assert_code(
        c.batch_get_applications()
            .application_names("shop")
            .application_names("nope")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    let e = c
        .batch_get_applications()
        .set_application_names(Some((0..101).map(|i| format!("app-{i}")).collect()))
        .send()
        .await
        .expect_err("101 names");
    assert!(e.into_service_error().is_batch_limit_exceeded_exception());
    assert_code(
        c.batch_get_applications().send().await,
        "ApplicationNameRequiredException",
    );
    s.stop().await;
}

/// UpdateApplication renames in place: the old name is gone, the ID is kept
/// and the application's groups follow it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_application_renames_keeping_the_id_and_the_groups() {
    let s = ApiServer::start().await;
    let c = s.client();
    let shop_id = shop_renamed_to_store(&c).await;
    assert_code(
        c.get_application().application_name("shop").send().await,
        "ApplicationDoesNotExistException",
    );
    let renamed = c
        .get_application()
        .application_name("store")
        .send()
        .await
        .expect("renamed")
        .application
        .expect("application");
    assert_eq!(renamed.application_id(), Some(shop_id.as_str()));
    let g = c
        .get_deployment_group()
        .application_name("store")
        .deployment_group_name("prod")
        .send()
        .await
        .expect("group of the renamed application")
        .deployment_group_info
        .expect("deploymentGroupInfo");
    assert_eq!(g.application_name(), Some("store"));
    s.stop().await;
}

/// UpdateApplication refuses a rename onto an existing name, of a missing
/// application, to an invalid name, and without the current name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_application_rejects_taken_missing_invalid_and_absent_names() {
    let s = ApiServer::start().await;
    let c = s.client();
    shop_renamed_to_store(&c).await;
    let e = c
        .update_application()
        .application_name("store")
        .new_application_name("fn-app")
        .send()
        .await
        .expect_err("rename onto an existing name");
    assert!(e
        .into_service_error()
        .is_application_already_exists_exception());
    let e = c
        .update_application()
        .application_name("nope")
        .new_application_name("whatever")
        .send()
        .await
        .expect_err("rename a missing application");
    assert!(e
        .into_service_error()
        .is_application_does_not_exist_exception());
    assert_code(
        c.update_application()
            .application_name("store")
            .new_application_name("bad/name")
            .send()
            .await,
        "InvalidApplicationNameException",
    );
    assert_code(
        c.update_application()
            .new_application_name("x")
            .send()
            .await,
        "ApplicationNameRequiredException",
    );
    s.stop().await;
}

/// ListApplications lists the names in order, under the new name after a
/// rename, on a single page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_applications_lists_names_in_order_after_a_rename() {
    let s = ApiServer::start().await;
    let c = s.client();
    shop_renamed_to_store(&c).await;
    assert_lists_fn_store_svc(&c).await;
    s.stop().await;
}

/// DeleteApplication is idempotent and takes the application's groups with
/// it: a new application of the same name starts without them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_application_is_idempotent_and_removes_its_groups() {
    let s = ApiServer::start().await;
    let c = s.client();
    shop_renamed_to_store(&c).await;
    c.delete_application()
        .application_name("store")
        .send()
        .await
        .expect("DeleteApplication");
    c.delete_application()
        .application_name("store")
        .send()
        .await
        .expect("DeleteApplication of a missing application is a no-op");
    assert_code(
        c.get_application().application_name("store").send().await,
        "ApplicationDoesNotExistException",
    );
    create_app(&c, "store", ComputePlatform::Server).await;
    assert_code(
        c.get_deployment_group()
            .application_name("store")
            .deployment_group_name("prod")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_lists_fn_store_svc(&c).await;
    s.stop().await;
}

/// DeleteApplication refuses an invalid name and no name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_application_rejects_invalid_and_absent_names() {
    let s = ApiServer::start().await;
    let c = s.client();
    assert_code(
        c.delete_application()
            .application_name("bad name")
            .send()
            .await,
        "InvalidApplicationNameException",
    );
    let r = s.raw("DeleteApplication", "{}").await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_applications() {
    let s = ApiServer::start().await;
    let c = s.client();
    let names: Vec<String> = (0..250).map(|i| format!("app-{i:03}")).collect();
    for n in &names {
        create_app(&c, n, ComputePlatform::Server).await;
    }
    let (all, pages) = walk!(c.list_applications(), applications);
    assert_pages(&pages, 250);
    assert_same_set(&all, &names, "ListApplications");

    // Applications created between pages: nothing twice, nothing lost.
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    let mut page = 0;
    loop {
        let out = c
            .list_applications()
            .set_next_token(token.take())
            .send()
            .await
            .expect("ListApplications");
        seen.extend(out.applications().iter().cloned());
        page += 1;
        // Before, at and after the cursor.
        for n in [
            format!("aaa-{page}"),
            format!("app-050-{page}"),
            format!("app-150-{page}"),
            format!("zzz-{page}"),
        ] {
            create_app(&c, &n, ComputePlatform::Server).await;
        }
        match out.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_unique(&seen, "ListApplications with inserts");
    for n in &names {
        assert!(seen.contains(n), "{n} was skipped");
    }

    let items = c
        .list_applications()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListApplications paginator");
    assert_eq!(items.len(), 250 + 4 * page);
    assert_unique(&items, "ListApplications paginator");

    let e = c
        .list_applications()
        .next_token("garbage")
        .send()
        .await
        .expect_err("bad token");
    assert!(e.into_service_error().is_invalid_next_token_exception());
    s.stop().await;
}
