//! SDK calls the API tests make to set a world up, each panicking with the
//! call's name when it fails.

use aws_sdk_codedeploy::types::*;
use aws_sdk_codedeploy::Client;

use super::{ec2, ROLE};

pub async fn create_app(c: &Client, name: &str, platform: ComputePlatform) -> String {
    c.create_application()
        .application_name(name)
        .compute_platform(platform)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateApplication {name}: {e:?}"))
        .application_id()
        .expect("applicationId")
        .to_string()
}

/// A Server group deploying to the EC2 instances tagged `key=value`.
pub async fn ec2_group(
    c: &Client,
    app: &str,
    group: &str,
    key: &str,
    value: &str,
    config: Option<&str>,
) -> String {
    c.create_deployment_group()
        .application_name(app)
        .deployment_group_name(group)
        .service_role_arn(ROLE)
        .ec2_tag_filters(ec2(key, value))
        .set_deployment_config_name(config.map(str::to_string))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateDeploymentGroup {app}/{group}: {e:?}"))
        .deployment_group_id()
        .expect("deploymentGroupId")
        .to_string()
}

pub async fn deploy(c: &Client, app: &str, group: &str, rev: RevisionLocation) -> String {
    c.create_deployment()
        .application_name(app)
        .deployment_group_name(group)
        .revision(rev)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateDeployment {app}/{group}: {e:?}"))
        .deployment_id()
        .expect("deploymentId")
        .to_string()
}

pub async fn deploy_with(
    c: &Client,
    app: &str,
    group: &str,
    rev: RevisionLocation,
    config: &str,
) -> String {
    c.create_deployment()
        .application_name(app)
        .deployment_group_name(group)
        .revision(rev)
        .deployment_config_name(config)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateDeployment {app}/{group}: {e:?}"))
        .deployment_id()
        .expect("deploymentId")
        .to_string()
}

pub async fn group_info(c: &Client, app: &str, group: &str) -> DeploymentGroupInfo {
    c.get_deployment_group()
        .application_name(app)
        .deployment_group_name(group)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetDeploymentGroup {app}/{group}: {e:?}"))
        .deployment_group_info
        .expect("deploymentGroupInfo")
}
