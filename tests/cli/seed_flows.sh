#!/usr/bin/env bash
# The seed's CodeDeploy flows through the real AWS CLI, against a running
# `codedeck serve` at $ENDPOINT. The AWS CLI names the service `deploy`.
set -euo pipefail

: "${ENDPOINT:?set ENDPOINT to the codedeck API, e.g. http://127.0.0.1:4599}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
if command -v aws >/dev/null 2>&1; then AWS=(aws); else AWS=(python3 -m awscli); fi
cd_() { "${AWS[@]}" --endpoint-url "$ENDPOINT" deploy "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- EC2/Server deployment (seed: Create an Application ... Check Deployment Status)
cd_ create-application --application-name my-app --compute-platform Server >/dev/null
cd_ create-deployment-group \
  --application-name my-app \
  --deployment-group-name prod \
  --ec2-tag-filters Key=Name,Value=web,Type=KEY_AND_VALUE \
  --service-role-arn arn:aws:iam::000000000000:role/codedeploy-role >/dev/null
id=$(cd_ create-deployment \
  --application-name my-app \
  --deployment-group-name prod \
  --revision 'revisionType=S3,s3Location={bucket=my-artifacts,key=app.zip,bundleType=zip}' \
  --query deploymentId --output text)
[[ "$id" =~ ^d-[A-Z0-9]{9}$ ]] || fail "deployment id $id"

# Polls a deployment until it ends; prints its final status.
wait_end() {
  local st=""
  for _ in $(seq 1 300); do
    st=$(cd_ get-deployment --deployment-id "$1" --query deploymentInfo.status --output text)
    case "$st" in Succeeded|Failed|Stopped) break ;; esac
    sleep 0.2
  done
  echo "$st"
}

status=$(wait_end "$id")
[ "$status" = Succeeded ] || fail "deployment $id ended $status"
# The waiter agrees (its first poll already sees Succeeded).
cd_ wait deployment-successful --deployment-id "$id"

targets=$(cd_ list-deployment-targets --deployment-id "$id" --query 'targetIds' --output text)
count=$(wc -w <<<"$targets")
[ "$count" -eq 3 ] || fail "expected the 3 Name=web hosts of assets/fleet.toml, got: $targets"
expected="ApplicationStop DownloadBundle BeforeInstall Install AfterInstall ApplicationStart ValidateService"
for t in $targets; do
  events=$(cd_ get-deployment-target --deployment-id "$id" --target-id "$t" \
    --query 'deploymentTarget.instanceTarget.lifecycleEvents[].lifecycleEventName' --output text | tr '\t' ' ')
  [ "$events" = "$expected" ] || fail "$t events: $events"
  st=$(cd_ get-deployment-target --deployment-id "$id" --target-id "$t" \
    --query 'deploymentTarget.instanceTarget.lifecycleEvents[].status' --output text | tr '\t' ' ')
  [ "$st" = "Succeeded Succeeded Succeeded Succeeded Succeeded Succeeded Succeeded" ] || fail "$t statuses: $st"
done
cd_ list-deployments --application-name my-app --deployment-group-name prod --query 'deployments' --output text | grep -q "$id" \
  || fail "list-deployments does not list $id"

# --- Custom deployment configuration (seed: create-deployment-config)
cd_ create-deployment-config \
  --deployment-config-name MyCustomConfig \
  --compute-platform Server \
  --minimum-healthy-hosts type=FLEET_PERCENT,value=75 >/dev/null
v=$(cd_ get-deployment-config --deployment-config-name MyCustomConfig --query 'deploymentConfigInfo.minimumHealthyHosts.value' --output text)
[ "$v" = 75 ] || fail "custom config value $v"
cd_ list-deployment-configs --query 'deploymentConfigsList' --output text | grep -q CodeDeployDefault.LambdaCanary10Percent5Minutes \
  || fail "predefined configs missing"

# --- Lambda and ECS applications and groups (seed: Lambda Deployments, ECS Deployments)
cd_ create-application --application-name my-lambda-app --compute-platform Lambda >/dev/null
cd_ create-deployment-group \
  --application-name my-lambda-app \
  --deployment-group-name prod \
  --deployment-config-name CodeDeployDefault.LambdaAllAtOnce \
  --service-role-arn arn:aws:iam::000000000000:role/codedeploy-role >/dev/null
cd_ create-application --application-name my-ecs-app --compute-platform ECS >/dev/null
cd_ create-deployment-group \
  --application-name my-ecs-app \
  --deployment-group-name prod \
  --deployment-config-name CodeDeployDefault.ECSAllAtOnce \
  --service-role-arn arn:aws:iam::000000000000:role/codedeploy-role \
  --ecs-services serviceName=my-service,clusterName=my-cluster >/dev/null
p=$(cd_ get-application --application-name my-ecs-app --query application.computePlatform --output text)
[ "$p" = ECS ] || fail "ECS application platform $p"

# The seed's Lambda deployment, as written: the alias moves from version 1 to 2.
lid=$(cd_ create-deployment \
  --application-name my-lambda-app \
  --deployment-group-name prod \
  --revision '{"revisionType":"AppSpecContent","appSpecContent":{"content":"{\"version\":0.0,\"Resources\":[{\"myFunction\":{\"Type\":\"AWS::Lambda::Function\",\"Properties\":{\"Name\":\"my-function\",\"Alias\":\"live\",\"CurrentVersion\":\"1\",\"TargetVersion\":\"2\"}}}]}"}}' \
  --query deploymentId --output text)
status=$(wait_end "$lid")
[ "$status" = Succeeded ] || fail "Lambda deployment $lid ended $status"
ev=$(cd_ get-deployment-target --deployment-id "$lid" --target-id my-function \
  --query 'deploymentTarget.lambdaTarget.lifecycleEvents[].lifecycleEventName' --output text | tr '\t' ' ')
[ "$ev" = "BeforeAllowTraffic AllowTraffic AfterAllowTraffic" ] || fail "Lambda events: $ev"
w=$(cd_ get-deployment-target --deployment-id "$lid" --target-id my-function \
  --query 'deploymentTarget.lambdaTarget.lambdaFunctionInfo.targetVersionWeight' --output text)
[ "$w" = 100.0 ] || fail "Lambda weight $w"

# An ECS deployment to the seed's service (its group has no load balancer
# settings: codedeck simulates the target group pair).
ecs_spec='{"version":0.0,"Resources":[{"TargetService":{"Type":"AWS::ECS::Service","Properties":{"TaskDefinition":"arn:aws:ecs:us-east-1:000000000000:task-definition/my-service:2","LoadBalancerInfo":{"ContainerName":"web","ContainerPort":80}}}}]}'
eid=$(cd_ create-deployment \
  --application-name my-ecs-app \
  --deployment-group-name prod \
  --revision "$(python3 -c 'import json,sys; print(json.dumps({"revisionType":"AppSpecContent","appSpecContent":{"content":sys.argv[1]}}))' "$ecs_spec")" \
  --query deploymentId --output text)
status=$(wait_end "$eid")
[ "$status" = Succeeded ] || fail "ECS deployment $eid ended $status"
ev=$(cd_ get-deployment-target --deployment-id "$eid" --target-id my-cluster:my-service \
  --query 'deploymentTarget.ecsTarget.lifecycleEvents[].lifecycleEventName' --output text | tr '\t' ' ')
[ "$ev" = "BeforeInstall Install AfterInstall AllowTestTraffic AfterAllowTestTraffic BeforeAllowTraffic AllowTraffic AfterAllowTraffic" ] \
  || fail "ECS events: $ev"

# --- Errors come back as the AWS exception names.
if out=$(cd_ get-application --application-name nope 2>&1); then fail "get-application of a missing app succeeded"; fi
grep -q ApplicationDoesNotExistException <<<"$out" || fail "unexpected error: $out"

echo "seed flows: all passed (deployment $id)"
