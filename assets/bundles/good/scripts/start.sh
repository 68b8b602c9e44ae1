#!/bin/sh
echo "start good $DEPLOYMENT_ID" >> "$CODEDECK_FS_ROOT/var/log/shop/hooks.log"
echo "shop started"
