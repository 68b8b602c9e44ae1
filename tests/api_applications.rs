//! CreateApplication, GetApplication, BatchGetApplications,
//! UpdateApplication, DeleteApplication and ListApplications through the AWS
//! SDK for Rust against an in-process codedeck server: the success path, the
//! typical errors, pagination.

mod common_api;

use std::collections::BTreeSet;

use aws_sdk_codedeploy::types::*;
use common_api::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications() {
    let s = ApiServer::start().await;
    let c = s.client();

    let out = c
        .create_application()
        .application_name("shop")
        .send()
        .await
        .expect("CreateApplication without a platform");
    let shop_id = out.application_id().expect("applicationId").to_string();
    assert!(is_uuid(&shop_id), "{shop_id}");
    create_app(&c, "fn-app", ComputePlatform::Lambda).await;
    create_app(&c, "svc-app", ComputePlatform::Ecs).await;

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

    // Errors of CreateApplication.
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
    let r = s
        .raw("CreateApplication", r#"{"applicationName":""}"#)
        .await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    let r = s.raw("GetApplication", "{}").await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    assert_code(
        c.create_application()
            .application_name("tagged")
            .tags(Tag::builder().value("no key").build())
            .send()
            .await,
        "InvalidTagsToAddException",
    );

    // Errors of the readers.
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

    // A group follows its application through a rename.
    ec2_group(&c, "shop", "prod", "Name", "web", None).await;
    c.update_application()
        .application_name("shop")
        .new_application_name("store")
        .send()
        .await
        .expect("UpdateApplication rename");
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

    let list = c
        .list_applications()
        .send()
        .await
        .expect("ListApplications");
    assert_eq!(list.applications(), ["fn-app", "store", "svc-app"]);
    assert!(list.next_token().is_none());

    // Delete: idempotent, and the groups go with the application.
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
    assert_code(
        c.delete_application()
            .application_name("bad name")
            .send()
            .await,
        "InvalidApplicationNameException",
    );
    let r = s.raw("DeleteApplication", "{}").await;
    assert_eq!(r.error_type(), "ApplicationNameRequiredException");
    create_app(&c, "store", ComputePlatform::Server).await;
    assert_code(
        c.get_deployment_group()
            .application_name("store")
            .deployment_group_name("prod")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    let list = c
        .list_applications()
        .send()
        .await
        .expect("ListApplications");
    assert_eq!(list.applications(), ["fn-app", "store", "svc-app"]);
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
