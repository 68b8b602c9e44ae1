//! Values the API tests send and check: revisions, tags and tag filters,
//! settings, ARNs, the sample fleet's names.

use std::collections::HashSet;

use aws_sdk_codedeploy::types::*;

use super::ACCOUNT;

pub fn s3(bucket: &str, key: &str) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::S3)
        .s3_location(
            S3Location::builder()
                .bucket(bucket)
                .key(key)
                .bundle_type(BundleType::Zip)
                .build(),
        )
        .build()
}

/// A zip in the `artifacts` bucket.
pub fn artifact(key: &str) -> RevisionLocation {
    s3("artifacts", key)
}

pub fn github(repo: &str, commit: &str) -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::GitHub)
        .git_hub_location(
            GitHubLocation::builder()
                .repository(repo)
                .commit_id(commit)
                .build(),
        )
        .build()
}

pub fn appspec_content() -> RevisionLocation {
    RevisionLocation::builder()
        .revision_type(RevisionLocationType::AppSpecContent)
        .app_spec_content(AppSpecContent::builder().content("version: 0.0\n").build())
        .build()
}

pub fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

pub fn ec2(k: &str, v: &str) -> Ec2TagFilter {
    Ec2TagFilter::builder()
        .key(k)
        .value(v)
        .r#type(Ec2TagFilterType::KeyAndValue)
        .build()
}

pub fn onprem(k: &str, v: &str) -> TagFilter {
    TagFilter::builder()
        .key(k)
        .value(v)
        .r#type(TagFilterType::KeyAndValue)
        .build()
}

pub fn rollback_on_failure() -> AutoRollbackConfiguration {
    AutoRollbackConfiguration::builder()
        .enabled(true)
        .events(AutoRollbackEvent::DeploymentFailure)
        .build()
}

pub fn group_arn(app: &str, group: &str) -> String {
    format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:deploymentgroup:{app}/{group}")
}

pub fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

pub fn session_arn(name: &str) -> String {
    format!("arn:aws:sts::{ACCOUNT}:assumed-role/CodeDeployInstanceRole/{name}")
}

pub fn mhh(kind: MinimumHealthyHostsType, value: i32) -> MinimumHealthyHosts {
    MinimumHealthyHosts::builder()
        .r#type(kind)
        .value(value)
        .build()
}

pub fn with_traffic_control() -> DeploymentStyle {
    DeploymentStyle::builder()
        .deployment_type(DeploymentType::InPlace)
        .deployment_option(DeploymentOption::WithTrafficControl)
        .build()
}

pub fn target_group(name: &str) -> LoadBalancerInfo {
    LoadBalancerInfo::builder()
        .target_group_info_list(TargetGroupInfo::builder().name(name).build())
        .build()
}

pub const PREDEFINED: [&str; 17] = [
    "CodeDeployDefault.OneAtATime",
    "CodeDeployDefault.HalfAtATime",
    "CodeDeployDefault.AllAtOnce",
    "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
    "CodeDeployDefault.LambdaAllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
    "CodeDeployDefault.ECSAllAtOnce",
];

pub const WEB: [&str; 3] = [
    "i-0a1b2c3d4e5f00001",
    "i-0a1b2c3d4e5f00002",
    "i-0a1b2c3d4e5f00003",
];

pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

pub fn assert_unique(items: &[String], what: &str) {
    let set: HashSet<&String> = items.iter().collect();
    assert_eq!(set.len(), items.len(), "{what}: an item was returned twice");
}
