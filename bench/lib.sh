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

declare -A TIMES RSS ERRS
mkdir -p "$WORK/logs"
# Cache state for every timed run: warm (default; the image is read once before the runs, so
# every run reads it from the page cache) or cold (COLD=1: the page cache is dropped before
# each run, which needs root).
if [ "${COLD:-0}" = 1 ]; then
  if [ -w /proc/sys/vm/drop_caches ]; then
    CACHE="cold (page cache dropped before each run)"
  else
    echo "COLD=1 needs root (writing /proc/sys/vm/drop_caches)" >&2; exit 2
  fi
else
  cat "$IMAGE" > /dev/null
  CACHE="warm (image in the page cache before each run)"
fi
# run NAME CMD...: one timed run (wall seconds and peak RSS KB appended to TIMES/RSS). The
# command's standard error is kept in $WORK/logs/NAME.err; a failure or any error output is
# shown, not discarded (see `errors`).
run() {
  local name=$1; shift
  local f rc=0 t err="$WORK/logs/$name.err"
  f=$(mktemp)
  if [ "${COLD:-0}" = 1 ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
  /usr/bin/time -o "$f" -f "%e %M" "$@" >/dev/null 2>"$err" || rc=$?
  t=$(tail -1 "$f"); rm -f "$f"
  if [ "$rc" != 0 ]; then
    echo "warning: $name exited with $rc; its last errors:" >&2
    tail -5 "$err" | sed 's/^/  | /' >&2
  fi
  TIMES[$name]+="${t%% *} "
  RSS[$name]+="${t##* } "
  ERRS[$name]=$(grep -c . "$err" || true)
}
# errors NAME...: what each command wrote to standard error in its last run.
errors() {
  local name n
  for name in "$@"; do
    n=${ERRS[$name]:-0}
    [ "$n" = 0 ] && continue
    echo "$name wrote $n line(s) to standard error in its last run (all in $WORK/logs/$name.err); the most frequent:"
    sort "$WORK/logs/$name.err" | uniq -c | sort -rn | head -5 | sed 's/^/  | /'
  done
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
