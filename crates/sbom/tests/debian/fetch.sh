#!/usr/bin/env bash
# Downloads the Debian 12 packages the real-binary tests use into target/debian-debs (or $1):
# the cataloger test (crates/sbom/tests/debian.rs) and the hardening test against readelf
# (crates/inspect/tests/hardening_debian.rs; libc6-dev adds relocatable objects, crt*.o). Current bookworm versions: the test reads the
# versions from the packages, so point releases do not break it. Needs apt-get and a Debian
# 12 apt source; the packages are only unpacked, never installed.
set -euo pipefail
out="${1:-$(dirname "$0")/../../../../target/debian-debs}"
mkdir -p "$out"
cd "$out"
PACKAGES=(
  busybox libssl3 openssl dropbear-bin openssh-server openssh-client lighttpd nginx mini-httpd
  dnsmasq-base hostapd wpasupplicant curl libcurl4 zlib1g xz-utils liblzma5 libc6 musl
  iptables libsnmp40 strongswan-charon openvpn frr samba samba-libs vsftpd proftpd-core
  libsqlite3-0 libxml2 libexpat1 ntpsec chrony avahi-daemon liblua5.3-0 lua5.1 php8.2-cli
  python3.11-minimal bash ppp libpcap0.8 isc-dhcp-server slapd keepalived sudo unbound bind9
  libmbedcrypto7 libgnutls30 libc6-dev libzstd1
)
missing=()
for p in "${PACKAGES[@]}"; do
  ls "${p}"_*.deb >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  apt-get download "${missing[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -qq
    apt-get download "${missing[@]}" >/dev/null
  }
fi
# Debian's 32-bit MIPS (mipsel) and ARM (armhf) builds of network daemons and libraries, into
# mipsel/ and armhf/: the clean gates of the compiled-password check's MIPS and ARM decoders.
# apt needs each architecture added (dpkg --add-architecture; nothing of it is installed).
FOREIGN=(
  busybox dropbear-bin openssh-server openssh-client lighttpd nginx mini-httpd dnsmasq-base
  hostapd wpasupplicant curl libcurl4 libssl3 openssl iptables libsnmp40 openvpn frr vsftpd
  proftpd-core sudo bash ppp unbound isc-dhcp-server libc6 login passwd
)
SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
for arch in mipsel armhf; do
  mkdir -p "$arch"
  missing=()
  for p in "${FOREIGN[@]}"; do
    ls "$arch/${p}"_*.deb >/dev/null 2>&1 || missing+=("$p:$arch")
  done
  [ ${#missing[@]} -gt 0 ] || continue
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    $SUDO dpkg --add-architecture "$arch"
    $SUDO apt-get update -qq
  fi
  (cd "$arch" && { apt-get download "${missing[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -qq
    apt-get download "${missing[@]}" >/dev/null
  }; })
done
ls ./*.deb mipsel/*.deb armhf/*.deb | wc -l
