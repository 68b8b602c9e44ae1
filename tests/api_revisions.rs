//! RegisterApplicationRevision, GetApplicationRevision,
//! BatchGetApplicationRevisions and ListApplicationRevisions through the AWS
//! SDK for Rust against an in-process codedeck server: the success path, the
//! typical errors, pagination.

mod common_api;

use std::time::Duration;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use common_api::*;

async fn revision_info(c: &Client, app: &str, rev: &RevisionLocation) -> GenericRevisionInfo {
    c.get_application_revision()
        .application_name(app)
        .revision(rev.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetApplicationRevision: {e:?}"))
        .revision_info
        .expect("revisionInfo")
}

fn rev_a() -> RevisionLocation {
    s3("releases", "web/a.zip")
}

fn rev_b() -> RevisionLocation {
    s3("releases", "web/b.zip")
}

fn rev_old() -> RevisionLocation {
    s3("archive", "web/old.zip")
}

fn rev_gh() -> RevisionLocation {
    github("octo/web", "0123456789abcdef0123456789abcdef01234567")
}

/// web-app with four revisions registered in this order, each described:
/// a ("A"), b ("B"), old ("old", another bucket) and gh ("from GitHub").
async fn web_app_with_four_revisions(c: &Client) {
    create_app(c, "web-app", ComputePlatform::Server).await;
    for (rev, desc) in [
        (rev_a(), "A"),
        (rev_b(), "B"),
        (rev_old(), "old"),
        (rev_gh(), "from GitHub"),
    ] {
        c.register_application_revision()
            .application_name("web-app")
            .revision(rev)
            .description(desc)
            .send()
            .await
            .expect("RegisterApplicationRevision");
        // Distinct register times (virtual time moves 1000x wall time).
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The four revisions, a prod group, and b deployed to it, run to its end.
async fn b_deployed_to_prod(s: &ApiServer, c: &Client) -> DeploymentInfo {
    web_app_with_four_revisions(c).await;
    ec2_group(c, "web-app", "prod", "Name", "web", None).await;
    let d = deploy(c, "web-app", "prod", rev_b()).await;
    s.wait_deployment(c, &d).await
}

/// GetApplicationRevision reports a registered revision: its description and
/// register time, and no use yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_application_revision_reports_a_registered_revision() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_with_four_revisions(&c).await;
    let got = c
        .get_application_revision()
        .application_name("web-app")
        .revision(rev_a())
        .send()
        .await
        .expect("GetApplicationRevision");
    assert_eq!(got.application_name(), Some("web-app"));
    assert_eq!(got.revision(), Some(&rev_a()));
    let info = got.revision_info().expect("revisionInfo");
    assert_eq!(info.description(), Some("A"));
    assert!(info.register_time().is_some());
    assert!(info.first_used_time().is_none());
    assert!(info.last_used_time().is_none());
    assert!(info.deployment_groups().is_empty());
    assert_eq!(
        revision_info(&c, "web-app", &rev_gh()).await.description(),
        Some("from GitHub")
    );
    s.stop().await;
}

/// GetApplicationRevision refuses an unregistered revision, a missing
/// application, no revision and an AppSpecContent revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_application_revision_rejects_unregistered_missing_and_invalid_revisions() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_with_four_revisions(&c).await;
    let e = c
        .get_application_revision()
        .application_name("web-app")
        .revision(s3("releases", "web/never.zip"))
        .send()
        .await
        .expect_err("unregistered revision");
    assert!(e
        .into_service_error()
        .is_revision_does_not_exist_exception());
    assert_code(
        c.get_application_revision()
            .application_name("nope")
            .revision(rev_a())
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.get_application_revision()
            .application_name("web-app")
            .send()
            .await,
        "RevisionRequiredException",
    );
    assert_code(
        c.get_application_revision()
            .application_name("web-app")
            .revision(appspec_content())
            .send()
            .await,
        "InvalidRevisionException",
    );
    s.stop().await;
}

/// BatchGetApplicationRevisions returns the revisions it found, in order, and
/// reports what it did not find in errorMessage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_get_application_revisions_returns_found_and_reports_the_rest() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_with_four_revisions(&c).await;
    let batch = c
        .batch_get_application_revisions()
        .application_name("web-app")
        .revisions(rev_a())
        .revisions(s3("releases", "web/never.zip"))
        .revisions(rev_gh())
        .send()
        .await
        .expect("BatchGetApplicationRevisions");
    assert_eq!(batch.application_name(), Some("web-app"));
    let locations: Vec<&RevisionLocation> = batch
        .revisions()
        .iter()
        .filter_map(|r| r.revision_location())
        .collect();
    assert_eq!(locations, [&rev_a(), &rev_gh()]);
    assert!(batch.error_message().is_some_and(|m| !m.is_empty()));
    s.stop().await;
}

/// BatchGetApplicationRevisions refuses more than 25 revisions and none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_get_application_revisions_rejects_too_many_and_no_revisions() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_with_four_revisions(&c).await;
    let e = c
        .batch_get_application_revisions()
        .application_name("web-app")
        .set_revisions(Some(
            (0..26)
                .map(|i| s3("releases", &format!("{i}.zip")))
                .collect(),
        ))
        .send()
        .await
        .expect_err("26 revisions");
    assert!(e.into_service_error().is_batch_limit_exceeded_exception());
    assert_code(
        c.batch_get_application_revisions()
            .application_name("web-app")
            .send()
            .await,
        "RevisionRequiredException",
    );
    s.stop().await;
}

/// RegisterApplicationRevision refuses a description over 256 characters, an
/// AppSpecContent revision, a missing application and no revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_application_revision_rejects_long_descriptions_and_bad_requests() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_with_four_revisions(&c).await;
    let e = c
        .register_application_revision()
        .application_name("web-app")
        .revision(rev_a())
        .description("x".repeat(257))
        .send()
        .await
        .expect_err("description too long");
    assert!(e.into_service_error().is_description_too_long_exception());
    assert_code(
        c.register_application_revision()
            .application_name("web-app")
            .revision(appspec_content())
            .send()
            .await,
        "InvalidRevisionException",
    );
    assert_code(
        c.register_application_revision()
            .application_name("nope")
            .revision(rev_a())
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.register_application_revision()
            .application_name("web-app")
            .send()
            .await,
        "RevisionRequiredException",
    );
    s.stop().await;
}

/// ListApplicationRevisions sorts by register time, descending or ascending
/// (the default), on a single page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_application_revisions_sorts_by_register_time() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_with_four_revisions(&c).await;
    let list = |sort: Option<SortOrder>| {
        c.list_application_revisions()
            .application_name("web-app")
            .sort_by(ApplicationRevisionSortBy::RegisterTime)
            .set_sort_order(sort)
    };
    let desc = list(Some(SortOrder::Descending))
        .send()
        .await
        .expect("ListApplicationRevisions descending");
    assert_eq!(desc.revisions(), [rev_gh(), rev_old(), rev_b(), rev_a()]);
    assert!(desc.next_token().is_none());
    let asc = list(Some(SortOrder::Ascending))
        .send()
        .await
        .expect("ListApplicationRevisions ascending");
    assert_eq!(asc.revisions(), [rev_a(), rev_b(), rev_old(), rev_gh()]);
    let default_order = list(None).send().await.expect("default order");
    assert_eq!(default_order.revisions(), asc.revisions());
    s.stop().await;
}

/// ListApplicationRevisions filters by S3 bucket and key prefix, and refuses
/// a prefix without a bucket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_application_revisions_filters_by_bucket_and_key_prefix() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_with_four_revisions(&c).await;
    let bucket = c
        .list_application_revisions()
        .application_name("web-app")
        .s3_bucket("releases")
        .send()
        .await
        .expect("ListApplicationRevisions s3Bucket");
    assert_eq!(bucket.revisions().len(), 2);
    let prefix = c
        .list_application_revisions()
        .application_name("web-app")
        .s3_bucket("releases")
        .s3_key_prefix("web/b")
        .send()
        .await
        .expect("ListApplicationRevisions s3KeyPrefix");
    assert_eq!(prefix.revisions(), [rev_b()]);
    let e = c
        .list_application_revisions()
        .application_name("web-app")
        .s3_key_prefix("web/")
        .send()
        .await
        .expect_err("prefix without bucket");
    assert!(e
        .into_service_error()
        .is_bucket_name_filter_required_exception());
    s.stop().await;
}

/// ListApplicationRevisions refuses an unknown sort key, sort order or
/// deployed filter, and a missing application.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_application_revisions_rejects_bad_sorting_filters_and_applications() {
    let s = ApiServer::start().await;
    let c = s.client();
    web_app_with_four_revisions(&c).await;
    assert_code(
        c.list_application_revisions()
            .application_name("web-app")
            .sort_by(ApplicationRevisionSortBy::from("size"))
            .send()
            .await,
        "InvalidSortByException",
    );
    assert_code(
        c.list_application_revisions()
            .application_name("web-app")
            .sort_order(SortOrder::from("sideways"))
            .send()
            .await,
        "InvalidSortOrderException",
    );
    assert_code(
        c.list_application_revisions()
            .application_name("web-app")
            .deployed(ListStateFilterAction::from("maybe"))
            .send()
            .await,
        "InvalidDeployedStateFilterException",
    );
    assert_code(
        c.list_application_revisions()
            .application_name("nope")
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    s.stop().await;
}

/// Deploying a revision keeps its registration, sets its first and last use
/// times (after the register time) and makes it the group's target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploying_a_revision_sets_its_use_times_and_group() {
    let s = ApiServer::start().await;
    let c = s.client();
    let deployed_info = b_deployed_to_prod(&s, &c).await;
    assert_eq!(deployed_info.status(), Some(&DeploymentStatus::Succeeded));
    let info = revision_info(&c, "web-app", &rev_b()).await;
    assert_eq!(info.description(), Some("B"), "registration is kept");
    let first = info.first_used_time().expect("firstUsedTime").as_secs_f64();
    let last = info.last_used_time().expect("lastUsedTime").as_secs_f64();
    assert!(first <= last);
    assert!(info.register_time().expect("registerTime").as_secs_f64() <= first);
    assert_eq!(info.deployment_groups(), ["prod"]);
    s.stop().await;
}

/// ListApplicationRevisions' deployed filter includes or excludes deployed
/// revisions, and sorting by last use puts the deployed one first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_application_revisions_filters_and_sorts_by_deployment() {
    let s = ApiServer::start().await;
    let c = s.client();
    b_deployed_to_prod(&s, &c).await;
    let include = c
        .list_application_revisions()
        .application_name("web-app")
        .deployed(ListStateFilterAction::Include)
        .send()
        .await
        .expect("deployed include");
    assert_eq!(include.revisions(), [rev_b()]);
    let exclude = c
        .list_application_revisions()
        .application_name("web-app")
        .deployed(ListStateFilterAction::Exclude)
        .send()
        .await
        .expect("deployed exclude");
    assert_eq!(exclude.revisions().len(), 3);
    assert!(!exclude.revisions().contains(&rev_b()));
    let by_use = c
        .list_application_revisions()
        .application_name("web-app")
        .sort_by(ApplicationRevisionSortBy::LastUsedTime)
        .sort_order(SortOrder::Descending)
        .send()
        .await
        .expect("sort by lastUsedTime");
    assert_eq!(by_use.revisions().first(), Some(&rev_b()));
    s.stop().await;
}

/// A revision first seen in a deployment is registered by it and becomes the
/// group's target, which the previous target stops being.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revision_first_seen_in_a_deployment_is_registered_by_it() {
    let s = ApiServer::start().await;
    let c = s.client();
    b_deployed_to_prod(&s, &c).await;
    let fresh = s3("releases", "web/c.zip");
    let d = deploy(&c, "web-app", "prod", fresh.clone()).await;
    s.wait_deployment(&c, &d).await;
    let info = revision_info(&c, "web-app", &fresh).await;
    assert!(info.register_time().is_some() && info.first_used_time().is_some());
    assert_eq!(info.deployment_groups(), ["prod"]);
    assert!(revision_info(&c, "web-app", &rev_b())
        .await
        .deployment_groups()
        .is_empty());
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginate_application_revisions() {
    let s = ApiServer::start().await;
    let c = s.client();
    create_app(&c, "web-app", ComputePlatform::Server).await;
    let mut revs = Vec::new();
    for i in 0..130 {
        let rev = s3("releases", &format!("web/{i:03}.zip"));
        c.register_application_revision()
            .application_name("web-app")
            .revision(rev.clone())
            .send()
            .await
            .expect("RegisterApplicationRevision");
        revs.push(rev);
    }
    let key = |r: &RevisionLocation| {
        r.s3_location()
            .and_then(|l| l.key())
            .unwrap_or_default()
            .to_string()
    };
    let keys: Vec<String> = revs.iter().map(key).collect();
    // The walk! macro collects strings; revisions are structures, so walk by hand.
    for sort in [
        None,
        Some(SortOrder::Ascending),
        Some(SortOrder::Descending),
    ] {
        let mut got = Vec::new();
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = c
                .list_application_revisions()
                .application_name("web-app")
                .set_sort_by(
                    sort.as_ref()
                        .map(|_| ApplicationRevisionSortBy::RegisterTime),
                )
                .set_sort_order(sort.clone())
                .set_next_token(token.take())
                .send()
                .await
                .expect("ListApplicationRevisions");
            pages.push(out.revisions().len());
            got.extend(out.revisions().iter().map(key));
            match out.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        assert_pages(&pages, 130);
        assert_same_set(&got, &keys, &format!("ListApplicationRevisions {sort:?}"));
    }
    // Revisions registered between pages (sorting first, by key and by time):
    // nothing twice, nothing lost.
    for (round, sort) in [None, Some(SortOrder::Descending)].into_iter().enumerate() {
        let mut got = Vec::new();
        let mut token: Option<String> = None;
        let mut page = 0;
        loop {
            let out = c
                .list_application_revisions()
                .application_name("web-app")
                .set_sort_by(
                    sort.as_ref()
                        .map(|_| ApplicationRevisionSortBy::RegisterTime),
                )
                .set_sort_order(sort.clone())
                .set_next_token(token.take())
                .send()
                .await
                .expect("ListApplicationRevisions");
            got.extend(out.revisions().iter().map(key));
            page += 1;
            c.register_application_revision()
                .application_name("web-app")
                .revision(s3("aaa-first", &format!("early-{round}-{page}.zip")))
                .send()
                .await
                .expect("RegisterApplicationRevision");
            match out.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        assert_unique(
            &got,
            &format!("ListApplicationRevisions {sort:?} with inserts"),
        );
        for k in &keys {
            assert!(got.contains(k), "{k} was skipped ({sort:?})");
        }
    }
    let keys: Vec<String> = c
        .list_application_revisions()
        .application_name("web-app")
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListApplicationRevisions paginator")
        .iter()
        .map(key)
        .collect();
    assert_eq!(keys.len(), 130 + 4);
    let items = c
        .list_application_revisions()
        .application_name("web-app")
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("ListApplicationRevisions paginator");
    let got: Vec<String> = items.iter().map(key).collect();
    assert_same_set(&got, &keys, "ListApplicationRevisions paginator");
    assert_code(
        c.list_application_revisions()
            .application_name("web-app")
            .next_token("garbage")
            .send()
            .await,
        "InvalidNextTokenException",
    );
    s.stop().await;
}
