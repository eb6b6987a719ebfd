#!/usr/bin/env bash
# Fetches the Debian packages the quality corpus is built from and extracts them into
# $1/root (idempotent: a completed extraction is reused). Needs apt-get's package lists
# (.ci/run runs apt-get update) and network access to the Debian archive the first time.
set -euo pipefail
dest=${1:?usage: fetch.sh DEST}
[ -f "$dest/.complete-2" ] && exit 0
PKGS=(busybox dropbear-bin lighttpd dnsmasq-base openssl libssl3 vsftpd inetutils-telnetd
      tftpd-hpa iproute2 curl libcurl4 snmpd libsnmp40 ca-certificates)
mkdir -p "$dest/debs"
(cd "$dest/debs" && apt-get download "${PKGS[@]}" >/dev/null 2>&1) || {
  apt-get update -qq >/dev/null 2>&1 || true
  (cd "$dest/debs" && apt-get download "${PKGS[@]}" >/dev/null)
}
rm -rf "$dest/root" && mkdir -p "$dest/root"
for d in "$dest"/debs/*.deb; do dpkg-deb -x "$d" "$dest/root"; done
# Package metadata as dpkg keeps it, so SBOM catalogers see real status entries.
mkdir -p "$dest/root/var/lib/dpkg"
for d in "$dest"/debs/*.deb; do
  echo "Package: $(dpkg-deb -f "$d" Package)"
  echo "Status: install ok installed"
  dpkg-deb -f "$d" Version Architecture Maintainer Installed-Size Depends Description
  echo
done > "$dest/root/var/lib/dpkg/status"
# The bundle update-ca-certificates writes at install time: every root of the package's
# store, concatenated (the package ships the roots, not the bundle).
mkdir -p "$dest/root/etc/ssl/certs"
find "$dest/root/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | xargs cat \
  > "$dest/root/etc/ssl/certs/ca-certificates.crt"
touch "$dest/.complete-2"
