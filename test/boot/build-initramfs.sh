#!/usr/bin/env bash
# Builds the boot proof's initramfs: busybox (static) + Debian's nbd-client + the kernel
# modules for the NIC, nbd, squashfs and overlay + our /init and the shared
# initramfs-hooks/ltsp-initramfs.sh. A few MB, built in about a second, so it is rebuilt on
# every run. (A real deployment uses the dracut module in initramfs-hooks/dracut/90ltsp,
# which does the same work through dracut's hooks.)
#
# usage: build-initramfs.sh WORK KVER OUT
set -eu

work=$1 kver=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
kroot=$work/kernel/$kver
stage=$work/initramfs.d

rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,lib,etc,proc,sys,dev,run,newroot,usr/bin,usr/sbin}

# Debian's busybox-static has no nbd-client applet (qemu-boot.md pitfall 2); everything else
# (udhcpc, ip, modprobe, switch_root) comes from it.
cp /bin/busybox "$stage/bin/busybox"
for applet in $("$stage/bin/busybox" --list); do
  [ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet"
done

# nbd-client and the shared libraries it links (gnutls for TLS, ...).
copy_with_libs() {
  local bin=$1 dest=$2 lib
  cp "$bin" "$stage$dest"
  for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done
}
copy_with_libs /usr/sbin/nbd-client /sbin/nbd-client

# Modules and everything they depend on, uncompressed so busybox modprobe can load them.
mods=(virtio_pci virtio_net e1000 af_packet nbd squashfs overlay)
for m in "${mods[@]}"; do
  modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" {print $2}'
done | sort -u | while read -r ko; do
  rel=${ko#"$kroot"}
  mkdir -p "$stage$(dirname "$rel")"
  case $ko in
    *.xz) xz -dc "$ko" >"$stage${rel%.xz}" ;;
    *.zst) zstd -qdc "$ko" >"$stage${rel%.zst}" ;;
    *) cp "$ko" "$stage$rel" ;;
  esac
done
cp "$kroot/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$stage" "$kver"

cp "$repo/initramfs-hooks/ltsp-initramfs.sh" "$stage/lib/ltsp-initramfs.sh"
cp "$here/initramfs/udhcpc.script" "$stage/lib/udhcpc.script"
cp "$here/initramfs/init" "$stage/init"
chmod 0755 "$stage/init" "$stage/lib/udhcpc.script"

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "build-initramfs: $(du -h "$out" | cut -f1) $out" >&2
