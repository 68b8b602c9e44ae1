#!/bin/sh
test -f "$CODEDECK_FS_ROOT/var/www/shop/index.html" || { echo "index.html is missing" >&2; exit 1; }
echo "shop is healthy"
