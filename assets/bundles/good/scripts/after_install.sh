#!/bin/sh
# What the agent tells scripts about themselves.
env | grep -E '^(LIFECYCLE_EVENT|DEPLOYMENT_ID|APPLICATION_NAME|DEPLOYMENT_GROUP_NAME|DEPLOYMENT_GROUP_ID|BUNDLE_[A-Z]+)=' | sort > "$CODEDECK_FS_ROOT/var/www/shop/deployed.env"
echo "installed $(cat "$CODEDECK_FS_ROOT/var/www/shop/VERSION")"
