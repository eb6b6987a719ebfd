#!/usr/bin/env bash
# Runs fuzz targets one after another for SECONDS each (default 600), logging to logs/.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (all targets when none are named)
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi
mkdir -p logs corpus
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t for ${secs}s"
  cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 > "logs/$t.log" 2>&1
  echo "$t exit=$? $(grep -E '^stat::number_of_executed_units|^Done' "logs/$t.log" | tr '\n' ' ')"
  ls artifacts/"$t" 2>/dev/null | sed "s/^/  artifact: /"
done
