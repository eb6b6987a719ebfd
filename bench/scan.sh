#!/usr/bin/env bash
# Benchmark: `netvet scan` (unpack, every check, YARA-X, SBOM and hardening) against plain
# `unsquashfs` of the same image (the target: scan <= 1.5x unsquashfs), and against the tools
# analysts chain today when they are installed, each timed on its own: binwalk -Me, yara -r
# with netvet's rule pack over the unsquashfs tree, checksec --dir over it. Side by side in one
# run; each peer's errors are shown, and the cache state is stated.
#
#   bench/scan.sh              # RUNS=3, warm page cache
#   COLD=1 bench/scan.sh       # drop the page cache before every run (root)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need unsquashfs squashfs-tools
echo "image: $(du -b "$IMAGE" | cut -f1) bytes squashfs (xz); unpacked $UNPACKED bytes in $FILES files; $(nproc) cores"
# unsquashfs writes its tree to memory (tmpfs) when there is room, so disk writeback does not
# slow it: the strictest comparison. OUT=dir chooses another place.
OUT=${OUT:-}
if [ -z "$OUT" ]; then
  if [ -d /dev/shm ] && [ "$(df --output=avail -B1 /dev/shm | tail -1)" -gt $((UNPACKED * 2)) ]; then
    OUT=$(mktemp -d /dev/shm/netvet-bench.XXXXXX)
  else
    OUT=$WORK
  fi
fi
trap 'rm -rf "$OUT/out-unsquashfs" "$OUT/out-tree"; [[ $OUT == /dev/shm/* ]] && rmdir "$OUT"' EXIT
echo "cache: $CACHE; unsquashfs writes to $OUT ($(df --output=fstype "$OUT" | tail -1)), netvet scan writes only its report"

PEERS=()
command -v binwalk >/dev/null && PEERS+=(binwalk)
command -v yara >/dev/null && PEERS+=(yara)
command -v checksec >/dev/null && PEERS+=(checksec)
TREE="$OUT/out-tree"
for i in $(seq "$RUNS"); do
  run netvet "$NETVET" scan "$IMAGE" --format json
  rm -rf "$OUT/out-unsquashfs"
  run unsquashfs unsquashfs -q -n -f -d "$OUT/out-unsquashfs" "$IMAGE"
  rm -rf "$OUT/out-unsquashfs"
  for p in "${PEERS[@]}"; do
    case $p in
      binwalk) rm -rf "$WORK/out-binwalk"
               run binwalk binwalk -q -Me --run-as=root -C "$WORK/out-binwalk" "$IMAGE"
               rm -rf "$WORK/out-binwalk";;
      yara) [ -d "$TREE" ] || unsquashfs -q -n -f -d "$TREE" "$IMAGE" >/dev/null
            run yara yara -r -w rules/backdoors.yar rules/heuristics.yar "$TREE";;
      checksec) [ -d "$TREE" ] || unsquashfs -q -n -f -d "$TREE" "$IMAGE" >/dev/null
                run checksec checksec --dir="$TREE" --output=json;;
    esac
  done
done
rm -rf "$TREE"

printf '\n%-52s %10s %12s\n' "tool" "median s" "peak RSS MB"
for name in netvet unsquashfs "${PEERS[@]}"; do
  t=$(echo "${TIMES[$name]}" | median); r=$(echo "${RSS[$name]}" | median)
  case $name in
    netvet) label="netvet scan (unpack, every check, YARA-X, SBOM)";;
    unsquashfs) label="unsquashfs -d (extraction only, $(nproc) threads)";;
    binwalk) label="binwalk -Me";;
    yara) label="yara -r, netvet's rules, over the unpacked tree";;
    checksec) label="checksec --dir over the unpacked tree";;
  esac
  printf '%-52s %10s %12s   runs: %s\n' "$label" "$t" "$((r / 1024))" "${TIMES[$name]}"
  declare "T_$name=$t"
done
echo
echo "netvet scan / unsquashfs time: $(ratio "$T_netvet" "$T_unsquashfs") (target <= 1.50); netvet peak RSS $(( $(echo "${RSS[netvet]}" | median) / 1024 )) MB (target < 1024)"
CHAIN=()
for p in "${PEERS[@]}"; do [ "$p" = binwalk ] || CHAIN+=("$p"); done
if [ ${#CHAIN[@]} = 0 ]; then
  echo "yara and checksec are not installed: no analysis chain to compare with"
else
  chain=$T_unsquashfs
  for p in "${CHAIN[@]}"; do v="T_$p"; chain=$(awk -v a="$chain" -v b="${!v}" 'BEGIN { print a + b }'); done
  echo "netvet scan / (unsquashfs + ${CHAIN[*]}) time: $(ratio "$T_netvet" "$chain")"
fi
[ -z "${T_binwalk:-}" ] || echo "netvet scan / binwalk -Me time: $(ratio "$T_netvet" "$T_binwalk")"
errors netvet unsquashfs "${PEERS[@]}"
