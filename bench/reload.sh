#!/usr/bin/env bash
# Reload latency and memory of `ruled serve` on a generated project
# (10,000 rules by default): builds ruled and runs cmd/reloadlat, which
# changes one rule file several times, idle and under load, and reports
# change-to-live times and VmRSS/VmHWM. Extra arguments go to reloadlat:
#
#   bench/reload.sh -rules 10000 -changes 5 -clients 4
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd .. && go build -o "$tmp/ruled" ./cmd/ruled)
go build -o "$tmp/reloadlat" ./cmd/reloadlat
"$tmp/reloadlat" -ruled "$tmp/ruled" "$@"
