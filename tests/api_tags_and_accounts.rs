//! TagResource, UntagResource and ListTagsForResource, and the GitHub and
//! CloudFormation operations (ListGitHubAccountTokenNames,
//! DeleteGitHubAccountToken, DeleteResourcesByExternalId) through the AWS SDK
//! for Rust against an in-process codedeck server.

mod common_api;

use std::collections::BTreeSet;

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;
use common_api::*;

fn app_arn(app: &str) -> String {
    format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:application:{app}")
}

async fn tags_of(c: &Client, arn: &str) -> Vec<Tag> {
    c.list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListTagsForResource {arn}: {e:?}"))
        .tags()
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_tags() {
    let s = ApiServer::start().await;
    let c = s.client();
    c.create_application()
        .application_name("web-app")
        .tags(tag("team", "web"))
        .send()
        .await
        .expect("CreateApplication with tags");
    c.create_deployment_group()
        .application_name("web-app")
        .deployment_group_name("prod")
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2("Name", "web"))
        .tags(tag("stage", "prod"))
        .send()
        .await
        .expect("CreateDeploymentGroup with tags");
    let app = app_arn("web-app");
    let group = group_arn("web-app", "prod");
    assert_eq!(tags_of(&c, &app).await, [tag("team", "web")]);
    assert_eq!(tags_of(&c, &group).await, [tag("stage", "prod")]);

    c.tag_resource()
        .resource_arn(&app)
        .tags(tag("cost-center", "42"))
        .tags(tag("team", "platform"))
        .send()
        .await
        .expect("TagResource application");
    let got: BTreeSet<(String, String)> = tags_of(&c, &app)
        .await
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().into(),
                t.value().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        BTreeSet::from([
            ("cost-center".into(), "42".into()),
            ("team".into(), "platform".into())
        ])
    );
    c.untag_resource()
        .resource_arn(&app)
        .tag_keys("team")
        .tag_keys("not-there")
        .send()
        .await
        .expect("UntagResource application");
    assert_eq!(tags_of(&c, &app).await, [tag("cost-center", "42")]);
    c.tag_resource()
        .resource_arn(&group)
        .tags(tag("owner", "ops"))
        .send()
        .await
        .expect("TagResource group");
    c.untag_resource()
        .resource_arn(&group)
        .tag_keys("stage")
        .send()
        .await
        .expect("UntagResource group");
    assert_eq!(tags_of(&c, &group).await, [tag("owner", "ops")]);

    // Errors.
    let e = c
        .tag_resource()
        .resource_arn("not-an-arn")
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("bad ARN");
    assert!(e.into_service_error().is_invalid_arn_exception());
    assert_code(
        c.list_tags_for_resource()
            .resource_arn("arn:aws")
            .send()
            .await,
        "InvalidArnException",
    );
    let config_arn = format!(
        "arn:aws:codedeploy:us-east-1:{ACCOUNT}:deploymentconfig:CodeDeployDefault.OneAtATime"
    );
    let e = c
        .tag_resource()
        .resource_arn(&config_arn)
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("deployment configs are not taggable");
    assert!(e.into_service_error().is_arn_not_supported_exception());
    assert_code(
        c.list_tags_for_resource()
            .resource_arn(&config_arn)
            .send()
            .await,
        "ArnNotSupportedException",
    );
    assert_code(
        c.untag_resource()
            .resource_arn("arn:aws:s3:::my-bucket")
            .tag_keys("a")
            .send()
            .await,
        "ArnNotSupportedException",
    );
    let e = c
        .tag_resource()
        .tags(tag("a", "b"))
        .send()
        .await
        .expect_err("no ARN");
    assert!(e.into_service_error().is_resource_arn_required_exception());
    assert_code(
        c.list_tags_for_resource().send().await,
        "ResourceArnRequiredException",
    );
    assert_code(
        c.untag_resource().tag_keys("a").send().await,
        "ResourceArnRequiredException",
    );
    assert_code(
        c.tag_resource()
            .resource_arn(app_arn("nope"))
            .tags(tag("a", "b"))
            .send()
            .await,
        "ApplicationDoesNotExistException",
    );
    assert_code(
        c.untag_resource()
            .resource_arn(group_arn("web-app", "nope"))
            .tag_keys("a")
            .send()
            .await,
        "DeploymentGroupDoesNotExistException",
    );
    assert_code(
        c.tag_resource().resource_arn(&app).send().await,
        "TagRequiredException",
    );
    assert_code(
        c.untag_resource().resource_arn(&app).send().await,
        "TagRequiredException",
    );
    assert_code(
        c.tag_resource()
            .resource_arn(&app)
            .tags(Tag::builder().value("no key").build())
            .send()
            .await,
        "InvalidTagsToAddException",
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_tokens_and_external_ids() {
    let s = ApiServer::start().await;
    let c = s.client();
    let list = c
        .list_git_hub_account_token_names()
        .send()
        .await
        .expect("ListGitHubAccountTokenNames");
    assert!(list.token_name_list().is_empty());
    assert!(list.next_token().is_none());
    let e = c
        .list_git_hub_account_token_names()
        .next_token("garbage")
        .send()
        .await
        .expect_err("bad token");
    assert!(e.into_service_error().is_invalid_next_token_exception());
    let e = c
        .delete_git_hub_account_token()
        .token_name("my-github")
        .send()
        .await
        .expect_err("no such token");
    assert!(e
        .into_service_error()
        .is_git_hub_account_token_does_not_exist_exception());
    assert_code(
        c.delete_git_hub_account_token().send().await,
        "GitHubAccountTokenNameRequiredException",
    );
    c.delete_resources_by_external_id()
        .external_id("cfn-stack-1234")
        .send()
        .await
        .expect("DeleteResourcesByExternalId");
    c.delete_resources_by_external_id()
        .send()
        .await
        .expect("DeleteResourcesByExternalId without an ID");
    s.stop().await;
}
