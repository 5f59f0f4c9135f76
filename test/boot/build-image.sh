#!/usr/bin/env bash
# Builds everything the virtual thin client boots, the way an LTSP 5 server lays it out:
#   $WORK/tftp/ltsp/amd64/   pxelinux.0, ldlinux.c32, vmlinuz, initrd.img (TFTP root; the
#                            test writes pxelinux.cfg/default and lts.conf per boot)
#   $WORK/ltsp.img           the client root as a squashfs, served over NBD as export "ltsp"
# The slow parts (kernel download, debootstrap) are cached under $WORK; the agent's Debian
# package is installed with dpkg in the root when it changed, the test's own files on every run,
# and the squashfs is rebuilt only when something in the root changed.
#
# usage: build-image.sh WORK KNOWN_HOSTS_FILE
#   KNOWN_HOSTS_FILE   the test sshd's host key line(s), installed as /etc/ssh/ssh_known_hosts
#                      (what LTSP 5's ltsp-update-sshkeys did on the server)
set -eu

work=$1 known_hosts=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tftp=$work/tftp/ltsp/amd64
root=$work/root

# The product is the Debian package `npm run package` makes (LTSP_BOOT_DEB: another one).
# LTSP_BOOT_AGENT: boot another build of the agent, put over the package's bundle.
deb=${LTSP_BOOT_DEB:-$(ls -t "$repo"/dist/ltsp-agent_*_all.deb 2>/dev/null | head -n 1)}
[ -n "$deb" ] && [ -f "$deb" ] || { echo "build-image: no ltsp-agent_*_all.deb in dist/ (npm run package)" >&2; exit 1; }
agent=${LTSP_BOOT_AGENT:-}

kver=$(bash "$here/build-kernel.sh" "$work")
bash "$here/build-root.sh" "$work"

mkdir -p "$tftp/pxelinux.cfg"
cp "$work/kernel/$kver/boot/vmlinuz-$kver" "$tftp/vmlinuz"
bash "$here/build-initramfs.sh" "$work" "$kver" "$tftp/initrd.img"
cp /usr/lib/PXELINUX/pxelinux.0 "$tftp/pxelinux.0"
cp /usr/lib/syslinux/modules/bios/ldlinux.c32 "$tftp/ldlinux.c32"

# ---- the client root: the product, installed as an admin would ---------------------------------
# dpkg in the chroot: preinst diverts init-ltsp, postinst enables the units and makes the V8 code
# cache with the chroot's node. Done again only for another package (the image stays unchanged
# otherwise, and its squashfs is not rebuilt).
debsum=$(sha256sum "$deb" | cut -d' ' -f1)
if [ "$(cat "$work/installed-deb.sum" 2>/dev/null)" != "$debsum" ] || ! chroot "$root" dpkg-query -W ltsp-agent >/dev/null 2>&1; then
  cp "$deb" "$root/tmp/ltsp-agent.deb"
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/ltsp-agent.deb >&2
  rm -f "$root/tmp/ltsp-agent.deb"
  echo "$debsum" >"$work/installed-deb.sum"
  echo "build-image: installed $(basename "$deb") with dpkg in the client root" >&2
fi
if [ -n "$agent" ] && ! cmp -s "$agent" "$root/usr/lib/ltsp-agent/ltsp-agent"; then
  install -m 0755 "$agent" "$root/usr/lib/ltsp-agent/ltsp-agent"
  rm -f "$work/installed-deb.sum" # the next run puts the package's own bundle back
  # The code cache for this bundle, as the package's postinst makes it.
  rm -rf "$root/var/cache/ltsp-agent"
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin node /usr/lib/ltsp-agent/ltsp-agent --dry-run --root / --lts-conf /dev/null \
    --mac 02:00:00:00:00:01 --ip 192.168.67.20 >/dev/null 2>&1 || true
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin node /usr/lib/ltsp-agent/ltsp-agent login --help >/dev/null 2>&1 || true
  cat "$root/usr/lib/ltsp-agent/ltsp-agent" "$root/usr/bin/node" | sha256sum | cut -d' ' -f1 >"$root/var/cache/ltsp-agent/.made-for"
fi

# ---- test-only parts of the image ----------------------------------------------------------------
# A real LTSP chroot carries its kernel's modules. This one gets the initramfs's few (nbd,
# NIC, squashfs, overlay), so that the swap step's `modprobe nbd` finds nbd as on a real client.
rm -rf "$root/lib/modules"
mkdir -p "$root/lib/modules"
cp -a "$work/initramfs.d/lib/modules/$kver" "$root/lib/modules/$kver"
install -D -m 0644 "$known_hosts" "$root/etc/ssh/ssh_known_hosts"
install -D -m 0755 "$here/guest/ltsp-proof-report" "$root/usr/local/sbin/ltsp-proof-report"
install -D -m 0755 "$here/guest/Xvfb-proof" "$root/usr/local/bin/Xvfb-proof"
install -D -m 0644 "$here/guest/ltsp-proof.service" "$root/etc/systemd/system/ltsp-proof.service"
ln -sfn ../ltsp-proof.service "$root/etc/systemd/system/multi-user.target.wants/ltsp-proof.service"
install -D -m 0644 "$here/guest/ltsp-login-proof.conf" "$root/etc/systemd/system/ltsp-login.service.d/proof.conf"
# The serial console belongs to the proof's output: a getty would vhangup it (qemu-boot.md
# pitfall 4); the other gettys and the maintenance timers would only cost boot time.
for u in serial-getty@ttyS0.service getty@tty1.service getty-static.service apt-daily.timer \
  apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer \
  systemd-timesyncd.service e2scrub_reap.service; do
  ln -sfn /dev/null "$root/etc/systemd/system/$u"
done
# systemd's status lines on the console give the timeline its "after init" part.
install -d "$root/etc/systemd/system.conf.d"
printf '[Manager]\nShowStatus=yes\nDefaultTimeoutStopSec=10s\n' >"$root/etc/systemd/system.conf.d/proof.conf"
echo ltsp-proof >"$root/etc/hostname"

# ---- the squashfs, rebuilt only when the root changed ----------------------------------------------
# The digest covers every file's path, size and mtime plus the content of what this script
# installs each time (install(1) refreshes mtimes, so hash those by content).
sum=$( {
  (cd "$root" && find . -xdev -path ./.ltsp-test-root -prune -o -printf '%p %s %m %l\n' | LC_ALL=C sort)
  echo "${LTSP_BOOT_SQUASHFS_COMP:-lz4}"
  cat "$deb" ${agent:+"$agent"} "$here"/guest/* "$known_hosts"
} | sha256sum | cut -d' ' -f1)
if [ -f "$work/ltsp.img" ] && [ "$(cat "$work/ltsp.img.sum" 2>/dev/null)" = "$sum" ]; then
  echo "build-image: ltsp.img unchanged" >&2
else
  # LTSP_BOOT_SQUASHFS_COMP: lz4 (default), none, or another mksquashfs compressor. LTSP 5's
  # images were gzip; here lz4 is fastest: half the bytes through the NBD relays for little
  # CPU in the emulated guest (measured: the whole proof 46 s with lz4, 53 s uncompressed,
  # 62 s with zstd, whose decompression costs more than the bytes it saves).
  comp=${LTSP_BOOT_SQUASHFS_COMP:-lz4}
  if [ "$comp" = none ]; then
    copts="-noI -noD -noF -noX"
  else
    copts="-comp $comp"
  fi
  rm -f "$work/ltsp.img" "$work/ltsp.img.sum"
  # shellcheck disable=SC2086 # $copts is a list of options
  mksquashfs "$root" "$work/ltsp.img.tmp" -noappend -quiet -no-progress $copts -no-xattrs \
    -e .ltsp-test-root >/dev/null
  mv "$work/ltsp.img.tmp" "$work/ltsp.img"
  echo "$sum" >"$work/ltsp.img.sum"
  echo "build-image: ltsp.img $(du -h "$work/ltsp.img" | cut -f1)" >&2
fi
echo "$kver"
