#!/bin/sh
# The server is started in the background without redirecting its output,
# so it keeps the hook's stdout open after this script exits.
sleep 60 &
echo "server started"
