#!/usr/bin/env bash
# Stripe webhook benchmark: a release `gateway serve` on a throwaway store, then StripeLoad.
#   scripts/bench-stripe.sh [sqlite|postgres-url] [StripeLoad options…]
# e.g. scripts/bench-stripe.sh sqlite --events 10000 --concurrency 64
#      scripts/bench-stripe.sh postgres://gateway:gateway@127.0.0.1:55432/gateway_test --events 10000 --rate 500
# Figures, not assertions; the load generator shares the machine with the gateway.
# Needs curl, bc, and sqlite3 or psql (apt: curl bc sqlite3 postgresql-client).
# BENCH_PERF=FILE records a system-wide `perf` profile of the load phase into FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
store="${1:-sqlite}"; shift || true
swift build -c release --product gateway >/dev/null
swift build -c release --product StripeLoad >/dev/null
dir="$(mktemp -d)"
if [[ "$store" == sqlite ]]; then url="sqlite:$dir/bench.sqlite"; else
  schema="bench_$RANDOM$RANDOM"
  psql "$store" -qc "CREATE SCHEMA $schema" >/dev/null
  sep='?'; [[ "$store" == *\?* ]] && sep='&'
  url="$store${sep}search_path=$schema"
fi
port=$((20000 + RANDOM % 20000)); internal=$((port + 1))
export DATABASE_URL="$url" STRIPE_WEBHOOK_SECRET=whsec_load GATEWAY_PUBLIC_LISTEN="127.0.0.1:$port" \
  GATEWAY_INTERNAL_LISTEN="127.0.0.1:$internal" GATEWAY_INTERNAL_TOKENS=bench-token-0123456789 LOG_LEVEL=warning \
  GATEWAY_DATA_DIR="$dir"
.build/release/gateway serve > "$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
# --accounts N spreads the events over acct_load_0 … acct_load_{N-1} (see StripeLoad).
accounts=1; args=("$@")
for i in "${!args[@]}"; do [[ "${args[$i]}" == --accounts ]] && accounts="${args[$((i + 1))]:-1}"; done
[[ "$accounts" =~ ^[0-9]+$ ]] && (( accounts >= 1 && accounts <= 100000 )) || { echo "--accounts: 1 to 100000" >&2; exit 2; }
internal_api() { curl -fsS --retry 5 --retry-connrefused -H "Authorization: Bearer bench-token-0123456789" "http://127.0.0.1:$internal$1" "${@:2}"; }
names=(acct_load); [[ "$accounts" -gt 1 ]] && names=($(seq -f "acct_load_%g" 0 $((accounts - 1))))
for name in "${names[@]}"; do
  internal_api /v1/accounts -X POST -H "Content-Type: application/json" -d "{\"id\":\"$name\"}" >/dev/null
done
profile=(); [[ -n "${BENCH_PERF:-}" ]] && profile=(perf record -a -g -F 499 -o "$BENCH_PERF" --)
"${profile[@]}" .build/release/StripeLoad --url "http://127.0.0.1:$port/webhooks/stripe" --secret whsec_load --account acct_load "$@" \
  | tee "$dir/load.txt"
answered=$(sed -n 's/.*(\([0-9]*\) answered 200).*/\1/p' "$dir/load.txt")
# Accepted is not yet credited: wait for the outbox to bring every 5.00 USD event into the wallet.
expected=$((answered * 500)); waited_from=$(date +%s.%N); balance=0
# One query for the sum, so polling costs the gateway nothing (sqlite3 and psql are Debian's).
sum_sql="SELECT COALESCE(SUM(balance_cents), 0) FROM accounts"
wallet_sum() {
  if [[ "$store" == sqlite ]]; then sqlite3 -cmd ".timeout 2000" "$dir/bench.sqlite" "$sum_sql"
  else PGOPTIONS="-c search_path=$schema" psql "$store" -qtAc "$sum_sql"; fi
}
for _ in $(seq 1 1200); do  # at most 120 s
  balance=$(wallet_sum)
  # More than expected: an event timed out at the client after all (it still counts once).
  (( balance >= expected )) && break
  sleep 0.1
done
drain=$(echo "$(date +%s.%N) - $waited_from" | bc)
if (( balance >= expected )); then
  printf 'credited: all %s events in the wallet %.2f s after the last answer (%s cents, %s expected)\n' \
    "$answered" "$drain" "$balance" "$expected"
else
  echo "credited: balance $balance of $expected cents after ${drain}s" >&2; exit 1
fi
