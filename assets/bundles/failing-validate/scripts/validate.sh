#!/bin/sh
echo "checking http://localhost/health"
echo "health check failed: HTTP 500" >&2
exit 3
