#!/usr/bin/env bash
# Builds an initramfs with the real dracut (Debian's 059) and our module
# initramfs-hooks/dracut/90ltsp, the way an admin would in an LTSP chroot, so that the boot
# proof can boot through the dracut module too. dracut runs in a small builder chroot
# ($WORK/dracut-root, cached) with the test kernel's modules bind-mounted in a private mount
# namespace, so nothing on the host changes. The result is cached until the module changes.
#
# usage: build-dracut-initrd.sh WORK KVER OUT
set -eu

work=$1 kver=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
broot=$work/dracut-root
mirror=${LTSP_BOOT_MIRROR:-http://deb.debian.org/debian}
packages=dracut-core,dracut-network,nbd-client,kmod,iproute2,procps
stamp="bookworm $packages"

if ! [ -f "$broot/.ltsp-dracut-root" ] || [ "$(cat "$broot/.ltsp-dracut-root")" != "$stamp" ]; then
  echo "build-dracut-initrd: debootstrap the dracut builder (once)" >&2
  rm -rf "$broot" "$broot.tmp"
  debootstrap --variant=minbase --include="$packages" bookworm "$broot.tmp" "$mirror" >"$work/debootstrap-dracut.log" 2>&1 || {
    tail -n 30 "$work/debootstrap-dracut.log" >&2
    exit 1
  }
  printf '%s\n' "$stamp" >"$broot.tmp/.ltsp-dracut-root"
  mv "$broot.tmp" "$broot"
fi

# The module as an admin installs it: the module directory plus the shared functions.
mod=$broot/usr/lib/dracut/modules.d/90ltsp
rm -rf "$mod"
mkdir -p "$mod"
cp "$repo"/initramfs-hooks/dracut/90ltsp/* "$mod/"
cp "$repo/initramfs-hooks/ltsp-initramfs.sh" "$mod/"
chmod 0755 "$mod"/*.sh

sum=$(cat "$mod"/* "$broot/.ltsp-dracut-root" | sha256sum | cut -d' ' -f1)-$kver
if [ -f "$out" ] && [ "$(cat "$out.sum" 2>/dev/null)" = "$sum" ]; then
  echo "build-dracut-initrd: $out unchanged" >&2
  exit 0
fi

mkdir -p "$broot/lib/modules/$kver" "$broot/proc" "$broot/sys" "$broot/dev"
# A private mount namespace: the bind mounts vanish with it, also when dracut fails.
unshare --mount --propagation private sh -eu -c '
  broot=$1 kroot=$2 kver=$3
  mount --bind "$kroot/lib/modules/$kver" "$broot/lib/modules/$kver"
  mount -t proc proc "$broot/proc"
  mount --rbind /dev "$broot/dev"
  mount -t sysfs sysfs "$broot/sys"
  # --no-hostonly: a thin client image is for every client, not for this build machine.
  # --omit nbd: dracut'"'"'s own nbd module would claim root=/dev/nbd0 nbdroot= too.
  chroot "$broot" dracut --quiet --force --no-hostonly --no-hostonly-cmdline \
    --add "ltsp" --omit "nbd plymouth systemd systemd-networkd network-manager dash" \
    --kver "$kver" /tmp/initrd-ltsp.img
' sh "$broot" "$work/kernel/$kver" "$kver" >"$work/dracut.log" 2>&1 || {
  tail -n 40 "$work/dracut.log" >&2
  exit 1
}
mv "$broot/tmp/initrd-ltsp.img" "$out"
echo "$sum" >"$out.sum"
echo "build-dracut-initrd: $(du -h "$out" | cut -f1) $out" >&2
