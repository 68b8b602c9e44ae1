#!/bin/sh
# Runs from the last successful install (the revision being replaced).
mkdir -p "$CODEDECK_FS_ROOT/var/log/shop"
echo "stop good $DEPLOYMENT_ID" >> "$CODEDECK_FS_ROOT/var/log/shop/hooks.log"
echo "stopping shop"
