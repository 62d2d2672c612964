#!/usr/bin/env bash
# The randomized tests in their long mode, with fresh seeds, against SQLite and a throwaway
# PostgreSQL (as scripts/test.sh starts it). Run before resolving an issue that has one.
#   scripts/soak.sh cards [SECONDS]     card payments in any order (default 1800 s per backend)
#   scripts/soak.sh chain [SECONDS]     the watcher under any fault, on the devnet (one session in eight on Tron)
#   scripts/soak.sh tron [SECONDS]      the same, every session on the Tron stand-in
# A failure prints its seed; CARD_FUZZ_SEED=… (or CHAIN_FUZZ_SEED=…) replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:?cards, chain or tron}; seconds=${2:-1800}
scripts/setup.sh --test >/dev/null
pgdir=$(mktemp -d /tmp/gateway-pg.XXXXXX)
port=${GATEWAY_TEST_PG_PORT:-55438}
cleanup() { scripts/postgres.sh stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT
GATEWAY_TEST_DATABASE_URL=$(scripts/postgres.sh start "$pgdir" "$port")
export GATEWAY_TEST_DATABASE_URL GATEWAY_PYTHON="$PWD/.venv/bin/python"
swift build --build-tests
case "$what" in
  cards) CARD_FUZZ_SECONDS=$seconds CARD_FUZZ_HISTORIES=0 swift test --skip-build --filter CardPaymentOrderTests ;;
  chain) CHAIN_FUZZ_SECONDS=$seconds CHAIN_FUZZ_SESSIONS=0 swift test --skip-build --filter ChainFaultTests ;;
  tron) CHAIN_FUZZ_CHAIN=tron CHAIN_FUZZ_SECONDS=$seconds CHAIN_FUZZ_SESSIONS=0 swift test --skip-build --filter ChainFaultTests ;;
  *) echo "soak.sh: unknown suite '$what' (cards, chain, tron)" >&2; exit 2 ;;
esac
