#!/usr/bin/env bash
# Benchmark: netvet unpack against unsquashfs and binwalk -Me on a squashfs (xz) image of at
# least 150 MB unpacked, built from real Debian packages; plus identification throughput on
# unclaimed data. Prints times, ratios and peak RSS, measured side by side in one run.
#
#   bench/unpack.sh            # WORK=bench/work by default; packages are downloaded once
#   RUNS=5 bench/unpack.sh     # more repetitions (median reported)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-bench/work}
RUNS=${RUNS:-3}
mkdir -p "$WORK/debs"

need() { command -v "$1" >/dev/null || { echo "installing $2"; apt-get install -y -qq "$2" >/dev/null; }; }
need mksquashfs squashfs-tools
need unsquashfs squashfs-tools
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

cargo build --release -q -p netvet
NETVET=$PWD/target/release/netvet

# A root filesystem from real packages: many small files (Python, Perl, Vim runtime, docs)
# and some large libraries, as in a core-network appliance image.
PKGS=(libpython3.11-stdlib python3.11-minimal perl-modules-5.36 libperl5.36 vim-runtime
      libicu72 libllvm14 coreutils busybox openssl libssl3 git git-man gcc-12 cpp-12
      binutils-x86-64-linux-gnu libstdc++6 systemd udev iproute2 openssh-server
      openssh-client curl libcurl4 dnsmasq-base lighttpd bash tar gzip)
if [ ! -f "$WORK/debs/.done" ]; then
  (cd "$WORK/debs" && apt-get download "${PKGS[@]}" >/dev/null)
  touch "$WORK/debs/.done"
fi
if [ ! -f "$WORK/rootfs.sqfs" ]; then
  rm -rf "$WORK/root" && mkdir -p "$WORK/root"
  for d in "$WORK"/debs/*.deb; do dpkg-deb -x "$d" "$WORK/root"; done
  mksquashfs "$WORK/root" "$WORK/rootfs.sqfs" -comp xz -noappend -quiet -no-progress
fi
unpacked=$(du -sb "$WORK/root" | cut -f1)
files=$(find "$WORK/root" -type f | wc -l)
largest=$(find "$WORK/root" -type f -printf '%s\n' | sort -n | tail -1)
echo "image: $(du -b "$WORK/rootfs.sqfs" | cut -f1) bytes squashfs (xz); unpacked $unpacked bytes in $files files; largest file $largest bytes"
echo "cores: $(nproc)"

# run NAME CMD...: runs CMD RUNS times (alternating with the other tools), records the
# wall time and peak RSS of each run.
declare -A TIMES RSS
run() {
  local name=$1; shift
  local out="$WORK/out-$name"
  rm -rf "$out"
  local t
  t=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1)
  TIMES[$name]+="${t%% *} "
  RSS[$name]+="${t##* } "
  rm -rf "$out"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

HAVE_BINWALK=0
if command -v binwalk >/dev/null; then HAVE_BINWALK=1; fi
for i in $(seq "$RUNS"); do
  run netvet "$NETVET" unpack "$WORK/rootfs.sqfs" --out "$WORK/out-netvet" --format json
  run netvet-d1 "$NETVET" unpack "$WORK/rootfs.sqfs" --out "$WORK/out-netvet-d1" --max-depth 1 --format json
  run unsquashfs unsquashfs -q -n -f -d "$WORK/out-unsquashfs" "$WORK/rootfs.sqfs"
  if [ $HAVE_BINWALK = 1 ] && [ "${SKIP_BINWALK:-0}" = 0 ]; then
    run binwalk binwalk -q -Me --run-as=root -C "$WORK/out-binwalk" "$WORK/rootfs.sqfs"
  fi
done

printf '\n%-34s %10s %12s\n' "tool" "median s" "peak RSS MB"
for name in netvet netvet-d1 unsquashfs binwalk; do
  [ -n "${TIMES[$name]:-}" ] || continue
  t=$(echo "${TIMES[$name]}" | median)
  r=$(echo "${RSS[$name]}" | median)
  label=$name
  case $name in
    netvet) label="netvet unpack (recursive)";;
    netvet-d1) label="netvet unpack --max-depth 1";;
    unsquashfs) label="unsquashfs ($(nproc) threads)";;
    binwalk) label="binwalk -Me";;
  esac
  printf '%-34s %10s %12s\n' "$label" "$t" "$((r / 1024))"
  declare "T_${name//-/_}=$t"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "netvet --max-depth 1 / unsquashfs time: $(ratio "$T_netvet_d1" "$T_unsquashfs") (target <= 1.00)"
echo "netvet recursive / unsquashfs time:     $(ratio "$T_netvet" "$T_unsquashfs")"
if [ -n "${T_binwalk:-}" ]; then
  echo "netvet recursive / binwalk -Me time:    $(ratio "$T_netvet" "$T_binwalk")"
fi
echo "peak RSS budget: 256 MB + largest file ($((largest / 1048576)) MB)"

# Identification throughput on unclaimed data: 1 GiB of random bytes and 1 GiB of erased
# flash (0xff), each searched at every offset.
BLOB="$WORK/random-1g.bin"
[ -f "$BLOB" ] || head -c 1073741824 /dev/urandom > "$BLOB"
FF="$WORK/ff-1g.bin"
[ -f "$FF" ] || head -c 1073741824 /dev/zero | tr '\0' '\377' > "$FF"
for b in "$BLOB" "$FF"; do
  cat "$b" > /dev/null  # warm the page cache
  t=$( { /usr/bin/time -f "%e %M" "$NETVET" identify --format json "$b" >/dev/null; } 2>&1 | tail -1)
  s=${t%% *}
  echo "identify $(basename "$b"): ${s} s, $(awk -v s="$s" 'BEGIN { printf "%.2f", 1.073741824 / s }') GB/s, peak RSS $(( ${t##* } / 1024 )) MB"
done
