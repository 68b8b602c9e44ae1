#!/usr/bin/env bash
# Installs the tools codedeck's tests use when they are missing: the AWS CLI
# (from PyPI) for the seed's command-line flows, and moto's server (from PyPI)
# as a CodeDeploy endpoint with fewer operations. Safe to run again.
set -euo pipefail

have_aws() {
  command -v aws >/dev/null 2>&1 && aws --version >/dev/null 2>&1 && return 0
  python3 -m awscli --version >/dev/null 2>&1
}

if ! have_aws; then
  echo "installing the AWS CLI (awscli from PyPI)..." >&2
  python3 -m pip install --quiet --disable-pip-version-check awscli
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi
have_aws || { echo "error: the AWS CLI could not be installed" >&2; exit 1; }

have_moto() {
  command -v moto_server >/dev/null 2>&1
}

if ! have_moto; then
  echo "installing moto's server (moto[server] from PyPI)..." >&2
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]"
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi
have_moto || { echo "error: moto_server could not be installed" >&2; exit 1; }

# xmlschema (PyPI): the tests validate codedeck watch's JUnit report against
# the common JUnit schema with it.
if ! python3 -c "import xmlschema" >/dev/null 2>&1; then
  echo "installing xmlschema (PyPI)..." >&2
  python3 -m pip install --quiet --disable-pip-version-check xmlschema
fi
python3 -c "import xmlschema" >/dev/null 2>&1 || { echo "error: xmlschema could not be installed" >&2; exit 1; }
