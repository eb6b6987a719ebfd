#!/usr/bin/env bash
# Benchmark: PRODUCTS products (default 5,000) × 30 deployment roles under CATALOGUE (default
# de-2024), with the built-in dossiers; one product in ten carries a scan report. Products are
# generated in memory by crates/policy/examples/bench_assess.rs. Release build; prints the wall
# time and CPU time of the evaluation and the cost per product-role evaluation. RUNS runs (3).
set -euo pipefail
cd "$(dirname "$0")/.."
PRODUCTS=${PRODUCTS:-5000}
CATALOGUE=${CATALOGUE:-de-2024}
RUNS=${RUNS:-3}
cargo build --release --quiet -p netvet-policy --example bench_assess
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$RUNS"); do
  echo "--- run $i"
  ./target/release/examples/bench_assess "$CATALOGUE" "$PRODUCTS"
done
