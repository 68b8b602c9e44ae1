//! Every one of the 47 operations over raw HTTP, successes and typical errors,
//! with the replies checked by botocore's own parser against its CodeDeploy
//! model (`tests/botocore_check.py`): member names, number and timestamp
//! types, enum values, no nulls, empty bodies for operations without output,
//! and only modeled or common exception names.

mod common_api;

use std::process::Command;
use std::time::{Duration, Instant};

use common_api::*;
use serde_json::{json, Value};

/// Records every reply for the botocore pass.
struct Recorder<'a> {
    server: &'a ApiServer,
    replies: Vec<Value>,
}

impl Recorder<'_> {
    async fn call(&mut self, op: &str, body: Value) -> RawReply {
        let reply = self.server.raw(op, &body.to_string()).await;
        self.replies.push(json!({
            "operation": op,
            "status": reply.status,
            "body": reply.body,
        }));
        reply
    }

    /// A call that must succeed.
    async fn ok(&mut self, op: &str, body: Value) -> Value {
        let reply = self.call(op, body.clone()).await;
        assert_eq!(reply.status, 200, "{op} {body}: {}", reply.body);
        reply.json()
    }

    /// A call that must fail with `expected`.
    async fn fails(&mut self, op: &str, body: Value, expected: &str) {
        let reply = self.call(op, body.clone()).await;
        assert_eq!(reply.status, 400, "{op} {body}: {}", reply.body);
        assert_eq!(reply.error_type(), expected, "{op} {body}");
    }

    /// Polls GetDeployment (recording each reply) until the deployment ends.
    async fn finish(&mut self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let info = self.ok("GetDeployment", json!({"deploymentId": id})).await;
            let status = info["deploymentInfo"]["status"].as_str().unwrap_or("");
            if matches!(status, "Succeeded" | "Failed" | "Stopped") {
                return info;
            }
            assert!(Instant::now() < deadline, "{id} did not finish: {info}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn s3(key: &str) -> Value {
    json!({"revisionType": "S3", "s3Location": {"bucket": "releases", "key": key, "bundleType": "zip"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reply_parses_in_botocore() {
    let server = ApiServer::start().await;
    let mut r = Recorder {
        server: &server,
        replies: Vec::new(),
    };
    applications(&mut r).await;
    configs(&mut r).await;
    groups_and_deployments(&mut r).await;
    on_premises(&mut r).await;
    tags_and_accounts(&mut r).await;
    deletes(&mut r).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("replies.json");
    std::fs::write(&path, serde_json::to_vec(&r.replies).expect("json")).expect("write");
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/botocore_check.py"
        ))
        .arg(&path)
        .arg("--require-all")
        .output()
        .expect("run python3 (scripts/install-tools.sh installs awscli and botocore)");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("match botocore"), "{stdout}");
    server.stop().await;
}

async fn applications(r: &mut Recorder<'_>) {
    r.ok(
        "CreateApplication",
        json!({"applicationName": "shop", "computePlatform": "Server",
               "tags": [{"Key": "team", "Value": "web"}]}),
    )
    .await;
    r.ok("CreateApplication", json!({"applicationName": "old"}))
        .await;
    r.fails(
        "CreateApplication",
        json!({"applicationName": "shop"}),
        "ApplicationAlreadyExistsException",
    )
    .await;
    r.fails(
        "CreateApplication",
        json!({"applicationName": "x", "computePlatform": "Mainframe"}),
        "InvalidComputePlatformException",
    )
    .await;
    r.ok(
        "UpdateApplication",
        json!({"applicationName": "old", "newApplicationName": "legacy"}),
    )
    .await;
    r.fails(
        "UpdateApplication",
        json!({"applicationName": "nope", "newApplicationName": "n2"}),
        "ApplicationDoesNotExistException",
    )
    .await;
    r.ok("GetApplication", json!({"applicationName": "shop"}))
        .await;
    r.fails(
        "GetApplication",
        json!({}),
        "ApplicationNameRequiredException",
    )
    .await;
    r.ok(
        "BatchGetApplications",
        json!({"applicationNames": ["shop", "legacy"]}),
    )
    .await;
    let names: Vec<String> = (0..101).map(|i| format!("a{i}")).collect();
    r.fails(
        "BatchGetApplications",
        json!({"applicationNames": names}),
        "BatchLimitExceededException",
    )
    .await;
    r.ok("ListApplications", json!({})).await;
    r.fails(
        "ListApplications",
        json!({"nextToken": "garbage"}),
        "InvalidNextTokenException",
    )
    .await;
}

async fn configs(r: &mut Recorder<'_>) {
    r.ok(
        "CreateDeploymentConfig",
        json!({"deploymentConfigName": "TwoAtATime",
               "minimumHealthyHosts": {"type": "HOST_COUNT", "value": 1}}),
    )
    .await;
    r.ok(
        "CreateDeploymentConfig",
        json!({"deploymentConfigName": "Canary5", "computePlatform": "Lambda",
               "trafficRoutingConfig": {"type": "TimeBasedCanary",
                   "timeBasedCanary": {"canaryPercentage": 5, "canaryInterval": 10}}}),
    )
    .await;
    r.fails(
        "CreateDeploymentConfig",
        json!({"deploymentConfigName": "Bad",
               "minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 150}}),
        "InvalidMinimumHealthyHostValueException",
    )
    .await;
    for name in [
        "TwoAtATime",
        "Canary5",
        "CodeDeployDefault.OneAtATime",
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
    ] {
        r.ok("GetDeploymentConfig", json!({"deploymentConfigName": name}))
            .await;
    }
    r.fails(
        "GetDeploymentConfig",
        json!({"deploymentConfigName": "Nope"}),
        "DeploymentConfigDoesNotExistException",
    )
    .await;
    r.ok("ListDeploymentConfigs", json!({})).await;
}

async fn groups_and_deployments(r: &mut Recorder<'_>) {
    r.ok(
        "CreateDeploymentGroup",
        json!({
            "applicationName": "shop", "deploymentGroupName": "web",
            "serviceRoleArn": ROLE,
            "deploymentConfigName": "TwoAtATime",
            "ec2TagFilters": [{"Key": "Name", "Value": "web", "Type": "KEY_AND_VALUE"}],
            "triggerConfigurations": [{"triggerName": "all",
                "triggerTargetArn": "arn:aws:sns:us-east-1:000000000000:deploys",
                "triggerEvents": ["DeploymentStart", "DeploymentSuccess", "DeploymentFailure"]}],
            "alarmConfiguration": {"enabled": true, "alarms": [{"name": "errors"}]},
            "autoRollbackConfiguration": {"enabled": true, "events": ["DEPLOYMENT_FAILURE"]},
            "tags": [{"Key": "env", "Value": "prod"}],
        }),
    )
    .await;
    r.fails(
        "CreateDeploymentGroup",
        json!({"applicationName": "shop", "deploymentGroupName": "web",
               "serviceRoleArn": ROLE}),
        "DeploymentGroupAlreadyExistsException",
    )
    .await;
    r.fails(
        "CreateDeploymentGroup",
        json!({"applicationName": "shop", "deploymentGroupName": "g2"}),
        "RoleRequiredException",
    )
    .await;
    r.ok(
        "UpdateDeploymentGroup",
        json!({"applicationName": "shop", "currentDeploymentGroupName": "web",
               "description": "web servers"}),
    )
    .await;
    r.ok(
        "GetDeploymentGroup",
        json!({"applicationName": "shop", "deploymentGroupName": "web"}),
    )
    .await;
    r.fails(
        "GetDeploymentGroup",
        json!({"applicationName": "shop", "deploymentGroupName": "nope"}),
        "DeploymentGroupDoesNotExistException",
    )
    .await;
    r.ok(
        "BatchGetDeploymentGroups",
        json!({"applicationName": "shop", "deploymentGroupNames": ["web", "nope"]}),
    )
    .await;
    r.ok("ListDeploymentGroups", json!({"applicationName": "shop"}))
        .await;

    let rev = s3("shop-1.zip");
    r.ok(
        "RegisterApplicationRevision",
        json!({"applicationName": "shop", "revision": rev, "description": "first"}),
    )
    .await;
    r.fails(
        "RegisterApplicationRevision",
        json!({"applicationName": "shop"}),
        "RevisionRequiredException",
    )
    .await;
    r.ok(
        "GetApplicationRevision",
        json!({"applicationName": "shop", "revision": rev}),
    )
    .await;
    r.fails(
        "GetApplicationRevision",
        json!({"applicationName": "shop", "revision": s3("missing.zip")}),
        "RevisionDoesNotExistException",
    )
    .await;
    r.ok(
        "BatchGetApplicationRevisions",
        json!({"applicationName": "shop", "revisions": [rev]}),
    )
    .await;

    let created = r
        .ok(
            "CreateDeployment",
            json!({"applicationName": "shop", "deploymentGroupName": "web",
                   "revision": rev, "description": "release 1"}),
        )
        .await;
    let id = created["deploymentId"].as_str().expect("id").to_string();
    r.fails(
        "CreateDeployment",
        json!({"applicationName": "shop", "deploymentGroupName": "nope", "revision": rev}),
        "DeploymentGroupDoesNotExistException",
    )
    .await;
    r.fails(
        "ContinueDeployment",
        json!({"deploymentId": id}),
        "UnsupportedActionForDeploymentTypeException",
    )
    .await;
    let done = r.finish(&id).await;
    assert_eq!(done["deploymentInfo"]["status"], "Succeeded", "{done}");
    r.ok(
        "ListApplicationRevisions",
        json!({"applicationName": "shop", "deployed": "include"}),
    )
    .await;
    r.ok(
        "BatchGetDeployments",
        json!({"deploymentIds": [id, "d-NOTREAL00"]}),
    )
    .await;
    r.ok(
        "ListDeployments",
        json!({"applicationName": "shop", "deploymentGroupName": "web",
               "includeOnlyStatuses": ["Succeeded"],
               "createTimeRange": {"start": 0, "end": 4102444800u64}}),
    )
    .await;
    r.fails(
        "ListDeployments",
        json!({"deploymentGroupName": "web"}),
        "ApplicationNameRequiredException",
    )
    .await;
    let targets = r
        .ok("ListDeploymentTargets", json!({"deploymentId": id}))
        .await;
    let target_ids = targets["targetIds"].clone();
    let first = target_ids[0].as_str().expect("a target").to_string();
    r.ok(
        "BatchGetDeploymentTargets",
        json!({"deploymentId": id, "targetIds": target_ids}),
    )
    .await;
    r.ok(
        "GetDeploymentTarget",
        json!({"deploymentId": id, "targetId": first}),
    )
    .await;
    r.fails(
        "GetDeploymentTarget",
        json!({"deploymentId": id, "targetId": "i-00000000000000000"}),
        "DeploymentTargetDoesNotExistException",
    )
    .await;
    r.ok("ListDeploymentInstances", json!({"deploymentId": id}))
        .await;
    r.ok(
        "GetDeploymentInstance",
        json!({"deploymentId": id, "instanceId": first}),
    )
    .await;
    r.ok(
        "BatchGetDeploymentInstances",
        json!({"deploymentId": id, "instanceIds": [first]}),
    )
    .await;
    r.fails(
        "StopDeployment",
        json!({"deploymentId": id}),
        "DeploymentAlreadyCompletedException",
    )
    .await;
    r.fails(
        "SkipWaitTimeForInstanceTermination",
        json!({"deploymentId": id}),
        "DeploymentAlreadyCompletedException",
    )
    .await;
    r.fails(
        "PutLifecycleEventHookExecutionStatus",
        json!({"deploymentId": id, "lifecycleEventHookExecutionId": "x", "status": "Succeeded"}),
        "UnsupportedActionForDeploymentTypeException",
    )
    .await;

    // A second deployment, stopped while it runs, and the failure it reports.
    let second = r
        .ok(
            "CreateDeployment",
            json!({"applicationName": "shop", "deploymentGroupName": "web",
                   "revision": s3("shop-2.zip")}),
        )
        .await;
    let second = second["deploymentId"].as_str().expect("id").to_string();
    r.ok(
        "StopDeployment",
        json!({"deploymentId": second, "autoRollbackEnabled": true}),
    )
    .await;
    r.finish(&second).await;
}

async fn on_premises(r: &mut Recorder<'_>) {
    r.ok(
        "RegisterOnPremisesInstance",
        json!({"instanceName": "rack-1",
               "iamUserArn": "arn:aws:iam::000000000000:user/rack-1"}),
    )
    .await;
    r.fails(
        "RegisterOnPremisesInstance",
        json!({"instanceName": "rack-2"}),
        "IamArnRequiredException",
    )
    .await;
    r.ok(
        "AddTagsToOnPremisesInstances",
        json!({"instanceNames": ["rack-1"], "tags": [{"Key": "Name", "Value": "rack"}]}),
    )
    .await;
    r.fails(
        "AddTagsToOnPremisesInstances",
        json!({"instanceNames": ["ghost"], "tags": [{"Key": "Name", "Value": "rack"}]}),
        "InstanceNotRegisteredException",
    )
    .await;
    r.ok("GetOnPremisesInstance", json!({"instanceName": "rack-1"}))
        .await;
    r.ok(
        "BatchGetOnPremisesInstances",
        json!({"instanceNames": ["rack-1", "ghost"]}),
    )
    .await;
    r.ok(
        "ListOnPremisesInstances",
        json!({"registrationStatus": "Registered",
               "tagFilters": [{"Key": "Name", "Value": "rack", "Type": "KEY_AND_VALUE"}]}),
    )
    .await;
    r.ok(
        "RemoveTagsFromOnPremisesInstances",
        json!({"instanceNames": ["rack-1"], "tags": [{"Key": "Name", "Value": "rack"}]}),
    )
    .await;
    r.ok(
        "DeregisterOnPremisesInstance",
        json!({"instanceName": "rack-1"}),
    )
    .await;
    r.ok("GetOnPremisesInstance", json!({"instanceName": "rack-1"}))
        .await;
    r.fails(
        "GetOnPremisesInstance",
        json!({"instanceName": "ghost"}),
        "InstanceNotRegisteredException",
    )
    .await;
}

async fn tags_and_accounts(r: &mut Recorder<'_>) {
    let arn = format!("arn:aws:codedeploy:us-east-1:{ACCOUNT}:application:shop");
    r.ok(
        "TagResource",
        json!({"ResourceArn": arn, "Tags": [{"Key": "owner", "Value": "me"}]}),
    )
    .await;
    r.ok("ListTagsForResource", json!({"ResourceArn": arn}))
        .await;
    r.ok(
        "UntagResource",
        json!({"ResourceArn": arn, "TagKeys": ["owner"]}),
    )
    .await;
    r.fails(
        "ListTagsForResource",
        json!({"ResourceArn": "not-an-arn"}),
        "InvalidArnException",
    )
    .await;
    r.ok("ListGitHubAccountTokenNames", json!({})).await;
    r.fails(
        "DeleteGitHubAccountToken",
        json!({"tokenName": "mine"}),
        "GitHubAccountTokenDoesNotExistException",
    )
    .await;
    r.ok(
        "DeleteResourcesByExternalId",
        json!({"externalId": "stack-1"}),
    )
    .await;
}

async fn deletes(r: &mut Recorder<'_>) {
    r.fails(
        "DeleteDeploymentConfig",
        json!({"deploymentConfigName": "CodeDeployDefault.AllAtOnce"}),
        "InvalidOperationException",
    )
    .await;
    r.ok(
        "DeleteDeploymentGroup",
        json!({"applicationName": "shop", "deploymentGroupName": "web"}),
    )
    .await;
    r.ok(
        "DeleteDeploymentConfig",
        json!({"deploymentConfigName": "TwoAtATime"}),
    )
    .await;
    r.ok("DeleteApplication", json!({"applicationName": "shop"}))
        .await;
    r.ok("DeleteApplication", json!({"applicationName": "shop"}))
        .await;
    r.fails(
        "CreateApplication",
        json!({"applicationName": "x".repeat(101)}),
        "InvalidApplicationNameException",
    )
    .await;
}
