#!/usr/bin/env bash
# Benchmark: a streamed put of a SIZE_MIB MiB file (default 1024: 1 GiB of random bytes) into
# the local artifact store (crates/artifacts/examples/artifacts_bench.rs, release build), then
# its verified read back to a file; MB/s and peak RSS (/usr/bin/time -v) of each, RUNS runs (3).
# The store fsyncs what it writes; for scale, `dd bs=1M conv=fsync` of the same file (the same
# reads and writes through user space, no hashing) is timed too. The input sits in the page
# cache (made just before), so this measures the store, not the source.
# Target: ≥ 200 MB/s, and peak RSS that does not grow with the file.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-3}
WORK=${WORK:-bench/work/artifacts}
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

cargo build --release -q -p netvet-artifacts --example artifacts_bench
BENCH=$PWD/target/release/examples/artifacts_bench
mkdir -p "$WORK"
INPUT="$WORK/input.bin"
if [ "$(stat -c %s "$INPUT" 2>/dev/null || echo 0)" != $((SIZE_MIB * 1048576)) ]; then
  head -c $((SIZE_MIB * 1048576)) /dev/urandom >"$INPUT"
fi

# Peak RSS, and the CPU time spent (user + system): on a shared machine the wall time varies
# with the load, the CPU time much less; bytes per CPU second is what one free core would do.
usage() {
  awk -F': ' -v b=$((SIZE_MIB * 1048576)) '
    /Maximum resident set size/ { rss = $2 / 1024 }
    /User time|System time/ { cpu += $2 }
    END { printf "peak RSS %d MiB, CPU %.2f s (%.0f MB per CPU second)", rss, cpu, b / 1e6 / cpu }' "$1"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); input ${SIZE_MIB} MiB"
for i in $(seq "$RUNS"); do
  echo "--- run $i"
  rm -rf "$WORK/store" "$WORK/read-back" "$WORK/copy"
  /usr/bin/time -v "$BENCH" put "$WORK/store" "$INPUT" 2>"$WORK/time-put" | tee "$WORK/put.out"
  echo "    $(usage "$WORK/time-put")"
  sha=$(awk '{ for (i = 1; i < NF; i++) if ($i == "sha256") print $(i + 1) }' "$WORK/put.out")
  /usr/bin/time -v "$BENCH" get "$WORK/store" "$sha" "$WORK/read-back" 2>"$WORK/time-get"
  echo "    $(usage "$WORK/time-get")"
  cmp -s "$INPUT" "$WORK/read-back" || { echo "read back differs from the input"; exit 1; }
  /usr/bin/time -f "dd bs=1M conv=fsync: %e s wall, CPU %U + %S s" \
    dd if="$INPUT" of="$WORK/copy" bs=1M conv=fsync status=none
done
rm -rf "$WORK/store" "$WORK/read-back" "$WORK/copy"
