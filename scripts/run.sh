#!/usr/bin/env bash
# Sets up and runs the gateway on its embedded default (SQLite in ./data, no other service).
# Extra arguments go to `gateway run`; configuration comes from the environment (config/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product gateway
exec .build/debug/gateway run "$@"
