#!/usr/bin/env bash
# A first run that shows the point: a devnet, a cex.io stand-in and a gateway with a generated
# test xpub and webhook secret; a card top-up and an ETH and a USDT deposit credited in front of
# you; the console's URL and token. Ctrl-C stops everything. Needs the test setup (the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test >&2
swift build --product gateway >&2
exec .venv/bin/python scripts/demo/demo.py
