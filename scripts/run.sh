#!/usr/bin/env bash
# Sets up and runs the gateway on its embedded default (SQLite in ./data, no other service).
# Extra arguments go to `gateway run`; configuration comes from the environment (config/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product gateway
# With nothing configured the gateway takes no money in: say so first, and what shows it working.
if [ -z "${STRIPE_WEBHOOK_SECRET:-}${STRIPE_WEBHOOK_SECRET_FILE:-}${ETH_XPUB:-}${TRON_XPUB:-}${GATEWAY_ENV_FILE:-}" ]; then
  echo "gateway: card payments (STRIPE_WEBHOOK_SECRET) and crypto deposits (ETH_XPUB, TRON_XPUB) are off: nothing is configured (config/README.md)." >&2
  echo "gateway: to see a card top-up and ETH and USDT deposits credited end to end, with the console, run: scripts/demo.sh" >&2
fi
exec .build/debug/gateway run "$@"
