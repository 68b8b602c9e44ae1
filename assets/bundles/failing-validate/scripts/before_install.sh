#!/bin/sh
mkdir -p "$CODEDECK_FS_ROOT/var/log/shop"
echo "before-install failing $DEPLOYMENT_ID" >> "$CODEDECK_FS_ROOT/var/log/shop/hooks.log"
