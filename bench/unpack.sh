#!/usr/bin/env bash
# Benchmark: netvet unpack against unsquashfs and binwalk -Me on a squashfs (xz) image of at
# least 150 MB unpacked, built from real Debian packages; plus identification throughput on
# unclaimed data. Times, ratios and peak RSS, measured side by side in one run.
#
#   bench/unpack.sh            # WORK=bench/work; packages are downloaded once
#   RUNS=5 bench/unpack.sh     # more repetitions (the median is reported)
#   SKIP_BINWALK=1 ...         # without binwalk
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
need unsquashfs squashfs-tools
echo "image: $(du -b "$IMAGE" | cut -f1) bytes squashfs (xz); unpacked $UNPACKED bytes in $FILES files; largest file $LARGEST bytes; $(nproc) cores"

HAVE_BINWALK=0
if command -v binwalk >/dev/null && [ "${SKIP_BINWALK:-0}" = 0 ]; then HAVE_BINWALK=1; fi
for i in $(seq "$RUNS"); do
  rm -rf "$WORK/out-netvet"; run netvet "$NETVET" unpack "$IMAGE" --out "$WORK/out-netvet" --format json
  rm -rf "$WORK/out-netvet-d1"; run netvet-d1 "$NETVET" unpack "$IMAGE" --out "$WORK/out-netvet-d1" --max-depth 1 --format json
  rm -rf "$WORK/out-unsquashfs"; run unsquashfs unsquashfs -q -n -f -d "$WORK/out-unsquashfs" "$IMAGE"
  if [ $HAVE_BINWALK = 1 ]; then
    rm -rf "$WORK/out-binwalk"; run binwalk binwalk -q -Me --run-as=root -C "$WORK/out-binwalk" "$IMAGE"
  fi
done
rm -rf "$WORK"/out-*

printf '\n%-34s %10s %12s\n' "tool" "median s" "peak RSS MB"
for name in netvet netvet-d1 unsquashfs binwalk; do
  [ -n "${TIMES[$name]:-}" ] || continue
  t=$(echo "${TIMES[$name]}" | median)
  r=$(echo "${RSS[$name]}" | median)
  case $name in
    netvet) label="netvet unpack (recursive)";;
    netvet-d1) label="netvet unpack --max-depth 1";;
    unsquashfs) label="unsquashfs ($(nproc) threads)";;
    binwalk) label="binwalk -Me";;
  esac
  printf '%-34s %10s %12s\n' "$label" "$t" "$((r / 1024))"
  declare "T_${name//-/_}=$t"
done
echo
echo "netvet --max-depth 1 / unsquashfs time: $(ratio "$T_netvet_d1" "$T_unsquashfs") (target <= 1.00)"
echo "netvet recursive / unsquashfs time:     $(ratio "$T_netvet" "$T_unsquashfs")"
if [ -n "${T_binwalk:-}" ]; then
  echo "netvet recursive / binwalk -Me time:    $(ratio "$T_netvet" "$T_binwalk")"
fi
echo "peak RSS budget: 256 MB + largest file ($((LARGEST / 1048576)) MB)"

# Identification throughput on unclaimed data: 1 GiB of random bytes and 1 GiB of erased
# flash (0xff), each searched at every offset.
BLOB="$WORK/random-1g.bin"
[ -f "$BLOB" ] || head -c 1073741824 /dev/urandom > "$BLOB"
FF="$WORK/ff-1g.bin"
[ -f "$FF" ] || head -c 1073741824 /dev/zero | tr '\0' '\377' > "$FF"
for b in "$BLOB" "$FF"; do
  cat "$b" > /dev/null  # warm the page cache
  f=$(mktemp); /usr/bin/time -o "$f" -f "%e %M" "$NETVET" identify --format json "$b" >/dev/null; t=$(tail -1 "$f"); rm -f "$f"
  s=${t%% *}
  echo "identify $(basename "$b"): ${s} s, $(awk -v s="$s" 'BEGIN { printf "%.2f", 1.073741824 / s }') GB/s, peak RSS $(( ${t##* } / 1024 )) MB"
done
