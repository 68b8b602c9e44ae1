#!/bin/sh
echo "start failing $DEPLOYMENT_ID" >> "$CODEDECK_FS_ROOT/var/log/shop/hooks.log"
echo "shop started"
