#!/usr/bin/env bash
# Throughput of `ruled serve` against a bare net/http handler that only
# decodes the same cart body (cmd/bare), measured with wrk in one run, on
# loopback: for a generated 10,000-rule project and for the demo store,
# each with a 20-line cart. Prints req/s of each and ruled's share.
#
#   bench/wrk.sh                     # 10 s per server
#   DURATION=30s CONNS=32 bench/wrk.sh
set -euo pipefail
cd "$(dirname "$0")"
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
RULES=${RULES:-10000}
# A slow server must not lose requests to wrk's default 2 s timeout.
TIMEOUT=${TIMEOUT:-30s}

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk.sh: wrk is not installed (Debian: apt-get install wrk)" >&2; exit 2
  fi
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

(cd .. && go build -o "$tmp/ruled" ./cmd/ruled)
go build -o "$tmp/bare" ./cmd/bare
go build -o "$tmp/genproject" ./cmd/genproject
"$tmp/genproject" -rules "$RULES" -dir "$tmp/project" -cart "$tmp/cart.json" >/dev/null

# start_ruled DIR: starts ruled serve on a free loopback port; sets addr.
start_ruled() {
  "$tmp/ruled" serve --rules "$1" --addr 127.0.0.1:0 --log-format json 2>"$tmp/serve.log" >/dev/null &
  pids+=($!)
  addr=""
  for _ in $(seq 600); do
    addr=$(sed -n 's/.*"msg":"serving","addr":"\([^"]*\)".*/\1/p' "$tmp/serve.log")
    [ -n "$addr" ] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "wrk.sh: ruled serve did not start:" >&2; tail -20 "$tmp/serve.log" >&2; exit 1
}

# start_bare: starts cmd/bare on a free loopback port; sets addr.
start_bare() {
  "$tmp/bare" -addr 127.0.0.1:0 >"$tmp/bare.out" 2>&1 &
  pids+=($!)
  addr=""
  for _ in $(seq 100); do
    addr=$(sed -n 's/^listening on //p' "$tmp/bare.out")
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  echo "wrk.sh: bare did not start" >&2; exit 1
}

stop_last() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }

# load BODY: runs wrk against $addr and prints its req/s.
load() {
  local out
  # Check the body is accepted before measuring.
  curl -fsS -o /dev/null "http://$addr/v1/cart/evaluate" -H 'Content-Type: application/json' --data-binary "@$1"
  out=$(BODY="$1" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout "$TIMEOUT" -s wrk.lua "http://$addr/v1/cart/evaluate")
  echo "$out" >>"$tmp/wrk.log"
  if ! echo "$out" | grep -q '^non-200: 0$' || echo "$out" | grep -q 'Socket errors'; then
    echo "wrk.sh: some requests failed:" >&2; echo "$out" >&2; exit 1
  fi
  echo "$out" | awk '/^Requests\/sec:/ {print $2}'
}

# measure NAME DIR BODY: ruled then bare, same body, same settings.
measure() {
  local ruled bare
  start_ruled "$2"; ruled=$(load "$3"); stop_last
  start_bare;       bare=$(load "$3");  stop_last
  printf '%-28s %12s %12s %8s\n' "$1" "$ruled" "$bare" "$(awk -v a="$ruled" -v b="$bare" 'BEGIN {printf "%.1f%%", 100*a/b}')"
}

echo "wrk -t$THREADS -c$CONNS -d$DURATION, 20-line carts, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-28s %12s %12s %8s\n' "project" "ruled req/s" "bare req/s" "ruled/bare"
measure "generated, $RULES rules" "$tmp/project" "$tmp/cart.json"
measure "demo store" "../testdata/demo" "testdata/demo-cart-20.json"
