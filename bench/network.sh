#!/usr/bin/env bash
# Benchmark: a generated inventory of ROWS elements (default 1,000,000; four fictional
# operators built from the product records, crates/network/src/sample.rs) through
# `netvet network`: ingest, join (one assessment per distinct class) and exposure alone
# (--no-plan), then with the replacement plan of examples/inventory/plan.toml. Release build;
# prints the median wall time and peak RSS of RUNS runs (3) and the plan's size.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
CATALOGUE=${CATALOGUE:-de-2024}
RUNS=${RUNS:-3}
WORK=${WORK:-bench/work}
mkdir -p "$WORK"
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
cargo build --release -q -p netvet
cargo build --release -q -p netvet-network --example sample_inventory
NETVET=$PWD/target/release/netvet
INV="$WORK/inventory-$ROWS.csv"
if [ ! -f "$INV" ]; then
  ./target/release/examples/sample_inventory "$ROWS" "$INV.tmp"
  # A malformed line in the middle: reported with its line, the other rows still read.
  awk -v mid=$((ROWS / 2)) 'NR == mid { print "Nordnetz (fictional),broken,\"unterminated" } { print }' \
    "$INV.tmp" >"$INV" && rm "$INV.tmp"
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "inventory: $(($(wc -l <"$INV") - 1)) rows, $(du -h "$INV" | cut -f1), catalogue $CATALOGUE"

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() {
  local label=$1; shift
  local times="" rss="" f
  for _ in $(seq "$RUNS"); do
    f=$(mktemp)
    /usr/bin/time -o "$f" -f "%e %M" "$@" >/dev/null
    times+="$(cut -d' ' -f1 "$f") "; rss+="$(cut -d' ' -f2 "$f") "
    rm -f "$f"
  done
  printf '%-34s median %6.2f s   peak RSS %5d MiB\n' "$label" \
    "$(echo "$times" | median)" "$(( $(echo "$rss" | median) / 1024 ))"
}
AS_OF=2026-12-02
measure "ingest + join + exposure" "$NETVET" network --inventory "$INV" --catalogue "$CATALOGUE" \
  --as-of $AS_OF --no-plan --format json -o "$WORK/network.json"
# The sample plan's vendors and prices, with crews and budgets scaled to the inventory's size.
PLAN="$WORK/plan-$ROWS.toml"
awk -v f="$(awk -v r="$ROWS" 'BEGIN { printf "%.3f", r / 60000 }')" '
  /^(elements|budget)_per_quarter/ { split($0, kv, " = "); printf "%s = %d\n", kv[1], kv[2] * f; next }
  { print }' examples/inventory/plan.toml >"$PLAN"
measure "… + replacement plan" "$NETVET" network --inventory "$INV" --catalogue "$CATALOGUE" \
  --as-of $AS_OF --plan "$PLAN" --format json -o "$WORK/network-plan.json"
python3 - "$WORK/network-plan.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = r["plan"]
i = r["inventory"]
print(f"rows {i['rows']} ({i['rejected']} rejected), classes {i['classes']}, elements {r['totals']['elements']}, prohibited {r['totals']['prohibited']}")
print(f"plan {p['start']}..{p['end']}: feasible {p['feasible']}, {p['elements']} replacements in {len(p['steps'])} steps, "
      f"cost {p['total_cost']:.0f}, lower bound {p['lower_bound']:.0f}")
for s in p["shortfalls"][:5]:
    print("  short:", s["message"])
PY
