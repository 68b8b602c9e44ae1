#!/usr/bin/env bash
# Idle CPU of the dashboard: starts `codedeck` in a detached tmux session
# (120x40, a throwaway state file, no API, nothing in progress), lets it settle
# for 3 s, then samples utime+stime from /proc/<pid>/stat over 30 s and prints
# the share of one core. Target: under 0.5%.
#
#   scripts/idle_cpu.sh                 # fresh empty state, --no-api
#   scripts/idle_cpu.sh --demo          # other arguments replace the defaults
#   SECONDS_SAMPLED=10 scripts/idle_cpu.sh
#   CODEDECK_BIN=target/debug/codedeck scripts/idle_cpu.sh
#
# Builds the release binary unless CODEDECK_BIN is set. Installs tmux with
# apt-get when it is missing.
set -euo pipefail

cd "$(dirname "$0")/.."
settle=${SETTLE_SECONDS:-3}
window=${SECONDS_SAMPLED:-30}

if ! command -v tmux >/dev/null 2>&1; then
    echo "installing tmux" >&2
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >&2
fi

bin=${CODEDECK_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet --bin codedeck
    bin=target/release/codedeck
fi
bin=$(realpath "$bin")

tmp=$(mktemp -d)
sock="codedeck-idle-$$"
cleanup() {
    tmux -L "$sock" kill-server 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

if [ $# -eq 0 ]; then
    set -- --state "$tmp/state.db" --no-api
fi
args=$(printf '%q ' "$@")

# `exec` so the pane's process is codedeck itself.
pid=$(tmux -L "$sock" -f /dev/null new-session -d -P -F '#{pane_pid}' -x 120 -y 40 \
    "exec env TMPDIR=$(printf %q "$tmp") $(printf %q "$bin") $args")

sleep "$settle"
if ! kill -0 "$pid" 2>/dev/null; then
    echo "codedeck exited during start-up" >&2
    exit 1
fi
if [ "$(cat "/proc/$pid/comm")" != "codedeck" ]; then
    echo "pid $pid is $(cat "/proc/$pid/comm"), not codedeck" >&2
    exit 1
fi

# Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime, stime.
ticks() {
    sed -e 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'
}
hz=$(getconf CLK_TCK)
t0=$(ticks)
start=$(date +%s.%N)
sleep "$window"
t1=$(ticks)
end=$(date +%s.%N)

screen=$(tmux -L "$sock" capture-pane -p -t 0 | head -2)
tmux -L "$sock" send-keys -t 0 q
awk -v t0="$t0" -v t1="$t1" -v hz="$hz" -v s="$start" -v e="$end" -v args="$*" 'BEGIN {
    secs = e - s; cpu = (t1 - t0) / hz;
    printf "codedeck %s\nidle CPU: %.3f%% of one core (%.2f s of CPU in %.1f s; %d ticks at %d Hz)\n",
        args, 100 * cpu / secs, cpu, secs, t1 - t0, hz
}'
echo "screen at the end:"
echo "$screen"
