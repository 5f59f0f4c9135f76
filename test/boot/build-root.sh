#!/usr/bin/env bash
# Builds the thin client's root filesystem for the boot proof: a Debian bookworm minbase
# chroot with the distribution's node (18), nbd-client for swap, rsyslog, and ssh. This is the
# slow part (~1.5 min), so the chroot is cached in $WORK/root and rebuilt only when this
# script's package list changes. The agent itself is installed on top by build-image.sh, from
# its Debian package with dpkg in the chroot, which is cheap.
#
# usage: build-root.sh WORK
set -eu

work=$1
root=$work/root
mirror=${LTSP_BOOT_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
# systemd-sysv: the init we hand over to; udev+kmod: modules for the NIC and nbd;
# nodejs: Debian's node, as an LTSP admin would install it; nbd-client: swap over NBD;
# rsyslog: the client syslog daemon the syslog step configures; openssh-client: ssh-keygen and
# known_hosts handling for the login; xvfb+xauth: the X server the login starts (the guest
# has no display, Xvfb stands in for Xorg).
packages=systemd-sysv,udev,kmod,iproute2,nodejs,nbd-client,rsyslog,openssh-client,xvfb,xauth
stamp="$suite $packages"

if [ -f "$root/.ltsp-test-root" ] && [ "$(cat "$root/.ltsp-test-root")" = "$stamp" ]; then
  echo "build-root: cached $root" >&2
  exit 0
fi

rm -rf "$root" "$root.tmp"
mkdir -p "$work"
echo "build-root: debootstrap $suite into $root (takes a minute or two)" >&2
# Build into .tmp and rename at the end, so an interrupted run never leaves a root that
# looks complete.
debootstrap --variant=minbase --include="$packages" "$suite" "$root.tmp" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}
# Keep the image small and its contents stable: no package caches or lists.
rm -rf "$root.tmp"/var/cache/apt/archives/*.deb "$root.tmp"/var/lib/apt/lists/*
printf '%s\n' "$stamp" >"$root.tmp/.ltsp-test-root"
mv "$root.tmp" "$root"
echo "build-root: done" >&2
