#!/usr/bin/env bash
# Benchmark: `netvet diff` of two releases and `netvet equivalence` of two packings of the
# image of bench/unpack.sh, against one `netvet scan` of it, side by side in one run; and
# diffoscope (the reproducible-builds comparison tool) on the same pairs when installed.
# Targets (issue 17): diff <= 2x one scan, equivalence <= 1.5x one scan.
#
#   bench/diff.sh              # RUNS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

# Release 2: another configuration value, a new file, a binary replaced by another, one
# removed; packed with another compressor and block size.
if [ ! -f "$WORK/rootfs-2.sqfs" ]; then
  rm -rf "$WORK/root2" && cp -a "$WORK/root" "$WORK/root2"
  echo "server.port = 8443" >> "$WORK/root2/etc/lighttpd/lighttpd.conf"
  printf '#!/bin/sh\ntelnetd -l /bin/sh -p 2323 &\n' > "$WORK/root2/etc/rc.local"
  chmod 755 "$WORK/root2/etc/rc.local"
  cp "$WORK/root2/bin/true" "$WORK/root2/bin/false"
  rm -f "$WORK/root2/usr/bin/tar"
  mksquashfs "$WORK/root2" "$WORK/rootfs-2.sqfs" -comp gzip -b 1M -noappend -quiet -no-progress
fi
# The same root packed again: other compressor, block size and creation time.
if [ ! -f "$WORK/rootfs-repacked.sqfs" ]; then
  mksquashfs "$WORK/root" "$WORK/rootfs-repacked.sqfs" -comp gzip -b 64K -mkfs-time 1800000000 \
    -noappend -quiet -no-progress
fi
echo "image: $(du -b "$IMAGE" | cut -f1) bytes squashfs (xz); unpacked $UNPACKED bytes in $FILES files; $(nproc) cores; page cache warm after the first run"

for i in $(seq "$RUNS"); do
  run scan "$NETVET" scan "$IMAGE" --format json
  run diff "$NETVET" diff "$IMAGE" "$WORK/rootfs-2.sqfs" --format json
  run equivalence "$NETVET" equivalence "$IMAGE" "$WORK/rootfs-repacked.sqfs" --format json
  if command -v diffoscope >/dev/null; then
    run diffoscope diffoscope --no-progress --text /dev/null "$IMAGE" "$WORK/rootfs-repacked.sqfs"
  fi
done
m() { echo "${TIMES[$1]}" | median; }
r() { echo "$(( $(echo "${RSS[$1]}" | median) / 1024 ))"; }
printf '\n%-46s %10s %12s\n' "command" "median s" "peak RSS MB"
printf '%-46s %10s %12s\n' "netvet scan (one image)" "$(m scan)" "$(r scan)"
printf '%-46s %10s %12s\n' "netvet diff (two releases, both scanned)" "$(m diff)" "$(r diff)"
printf '%-46s %10s %12s\n' "netvet equivalence (two packings)" "$(m equivalence)" "$(r equivalence)"
if [ -n "${TIMES[diffoscope]:-}" ]; then
  printf '%-46s %10s %12s\n' "diffoscope (two packings)" "$(m diffoscope)" "$(r diffoscope)"
fi
echo
echo "diff / scan: $(ratio "$(m diff)" "$(m scan)") (target <= 2.0)"
echo "equivalence / scan: $(ratio "$(m equivalence)" "$(m scan)") (target <= 1.5)"
"$NETVET" equivalence "$IMAGE" "$WORK/rootfs-repacked.sqfs" --format table | head -4 || true
