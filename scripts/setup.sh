#!/usr/bin/env bash
# Installs what the gateway needs on Debian 12 (with Swift already installed).
#   scripts/setup.sh          → system packages to build and run
#   scripts/setup.sh --test   → also PostgreSQL and the Python venv used by the test oracles
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libsecp256k1-dev libsqlite3-dev pkg-config)
# Tests also need PostgreSQL, the venv, a real headless browser for the console (Debian's
# chromium and its driver; nothing is downloaded at run time), fonts for its screenshots, and
# promtool (Debian's prometheus) for the alert rules.
if [ "${1:-}" = "--test" ]; then packages+=(postgresql python3-venv chromium chromium-driver fonts-dejavu-core prometheus); fi

missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  # No recommends: prometheus would bring node exporters, chromium a desktop's worth of extras.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
  # The test oracles (official stripe library, bip-utils, …) live in a venv of their own,
  # rebuilt when the requirements change.
  if [ ! -x .venv/bin/python ] || ! cmp -s requirements-test.txt .venv/requirements-test.txt; then
    echo "setup: creating .venv from requirements-test.txt" >&2
    rm -rf .venv
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r requirements-test.txt
    cp requirements-test.txt .venv/requirements-test.txt
  fi
fi
