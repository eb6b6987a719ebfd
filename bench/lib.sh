# Shared by the benchmark scripts: the test image (a squashfs (xz) of real Debian packages,
# at least 150 MB unpacked) and timing helpers. Source it from bench/*.sh.

WORK=${WORK:-bench/work}
RUNS=${RUNS:-3}
mkdir -p "$WORK/debs"

need() { command -v "$1" >/dev/null || { echo "installing $2"; apt-get install -y -qq "$2" >/dev/null; }; }
need mksquashfs squashfs-tools
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

# NETVET_BIN=path uses that binary instead of building the release one (ratios between
# netvet's own commands stay meaningful on any build; comparisons with peers need release).
if [ -n "${NETVET_BIN:-}" ]; then
  NETVET=$(realpath "$NETVET_BIN")
else
  cargo build --release -q -p netvet
  NETVET=$PWD/target/release/netvet
fi

# Many small files (Python, Perl, Vim runtime, docs) and some large libraries, as in a
# core-network appliance image.
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
IMAGE="$WORK/rootfs.sqfs"
[ -d "$WORK/root" ] || { mkdir -p "$WORK/root"; for d in "$WORK"/debs/*.deb; do dpkg-deb -x "$d" "$WORK/root"; done; }
UNPACKED=$(du -sb "$WORK/root" | cut -f1)
FILES=$(find "$WORK/root" -type f | wc -l)
LARGEST=$(find "$WORK/root" -type f -printf '%s\n' | sort -n | tail -1)

declare -A TIMES RSS
# run NAME CMD...: one timed run (wall seconds and peak RSS KB appended to TIMES/RSS).
run() {
  local name=$1; shift
  local f rc=0 t
  f=$(mktemp)
  /usr/bin/time -o "$f" -f "%e %M" "$@" >/dev/null 2>&1 || rc=$?
  t=$(tail -1 "$f"); rm -f "$f"
  if [ "$rc" != 0 ]; then echo "warning: $name exited with $rc" >&2; fi
  TIMES[$name]+="${t%% *} "
  RSS[$name]+="${t##* } "
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
