#!/bin/sh
echo "waiting for a port that never opens"
sleep 60
