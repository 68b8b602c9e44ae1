#!/usr/bin/env bash
# Runs every codedeck test on a fresh machine: installs what the tests need,
# then the whole suite (engine scenarios and properties, store, API through
# aws-sdk-codedeploy, the seed's flows through the real `aws` CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh
# What the README says must hold: formatted, and no clippy warning.
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked "$@"
