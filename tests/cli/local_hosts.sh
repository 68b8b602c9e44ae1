#!/usr/bin/env bash
# Local hosts through the real AWS CLI: `codedeck serve` at $ENDPOINT with
# three local hosts under $HOSTS and the sample bundles under its S3 root.
set -euo pipefail

: "${ENDPOINT:?set ENDPOINT}" "${HOSTS:?set HOSTS to the directory of the hosts}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
if command -v aws >/dev/null 2>&1; then AWS=(aws); else AWS=(python3 -m awscli); fi
cd_() { "${AWS[@]}" --endpoint-url "$ENDPOINT" deploy "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cd_ create-application --application-name shop >/dev/null
cd_ create-deployment-group --application-name shop --deployment-group-name prod \
  --deployment-config-name CodeDeployDefault.AllAtOnce \
  --ec2-tag-filters Key=Name,Value=web,Type=KEY_AND_VALUE \
  --service-role-arn arn:aws:iam::000000000000:role/codedeploy-role >/dev/null

id=$(cd_ create-deployment --application-name shop --deployment-group-name prod \
  --s3-location bucket=artifacts,key=good.tgz,bundleType=tgz --query deploymentId --output text)
cd_ wait deployment-successful --deployment-id "$id" || fail "good.tgz did not succeed"
for host in "$HOSTS"/*; do
  grep -q "shop v1" "$host/fs/var/www/shop/index.html" || fail "$host: files not installed"
  grep -q "^DEPLOYMENT_ID=$id\$" "$host/fs/var/www/shop/deployed.env" || fail "$host: environment"
done

id=$(cd_ create-deployment --application-name shop --deployment-group-name prod \
  --s3-location bucket=artifacts,key=failing-validate.zip,bundleType=zip --query deploymentId --output text)
if cd_ wait deployment-successful --deployment-id "$id" 2>/dev/null; then fail "failing-validate succeeded"; fi
target=$(cd_ list-deployment-targets --deployment-id "$id" --query 'targetIds[0]' --output text)
code=$(cd_ get-deployment-target --deployment-id "$id" --target-id "$target" \
  --query "deploymentTarget.instanceTarget.lifecycleEvents[?lifecycleEventName=='ValidateService'].diagnostics.errorCode" --output text)
[ "$code" = ScriptFailed ] || fail "ValidateService error code $code"
tail=$(cd_ get-deployment-target --deployment-id "$id" --target-id "$target" \
  --query "deploymentTarget.instanceTarget.lifecycleEvents[?lifecycleEventName=='ValidateService'].diagnostics.logTail" --output text)
[[ "$tail" == *"health check failed: HTTP 500"* ]] || fail "log tail: $tail"
echo "local hosts: all passed"
