#!/usr/bin/env bash
# Benchmark: `netvet scan` against the chain analysts run today — binwalk -Me, then yara -r
# with the same rule pack, then checksec --dir — on the image of bench/unpack.sh, side by side
# in one run. Prints times, the ratio and netvet's peak RSS.
#
#   bench/scan.sh              # RUNS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need yara yara
need checksec checksec
echo "image: $(du -b "$IMAGE" | cut -f1) bytes squashfs (xz); unpacked $UNPACKED bytes in $FILES files; $(nproc) cores"

chain() {
  local out="$WORK/out-chain"
  rm -rf "$out"
  binwalk -q -Me --run-as=root -C "$out" "$IMAGE" >/dev/null 2>&1 || true
  yara -r -w rules/backdoors.yar rules/heuristics.yar "$out" >/dev/null 2>&1 || true
  checksec --dir="$out" --output=json >/dev/null 2>&1 || true
  rm -rf "$out"
}
export -f chain
export WORK IMAGE

for i in $(seq "$RUNS"); do
  run netvet "$NETVET" scan "$IMAGE" --format json
  run chain bash -c chain
done
tn=$(echo "${TIMES[netvet]}" | median); rn=$(echo "${RSS[netvet]}" | median)
tc=$(echo "${TIMES[chain]}" | median)
printf '\n%-44s %10s %12s\n' "tool" "median s" "peak RSS MB"
printf '%-44s %10s %12s\n' "netvet scan (unpack, all checks, YARA-X)" "$tn" "$((rn / 1024))"
printf '%-44s %10s %12s\n' "binwalk -Me + yara -r + checksec --dir" "$tc" "-"
echo
echo "netvet / chain time: $(ratio "$tn" "$tc") (target <= 0.20); netvet peak RSS $((rn / 1024)) MB (target < 1024)"
