#!/usr/bin/env bash
# Fetches the Debian kernel the virtual thin client boots (the same package a Debian LTSP
# chroot would hold) and unpacks it into $WORK/kernel/<version>/ with its modules indexed.
# Nothing is installed on the host. Cached: only the first run downloads (~70 MB).
#
# usage: build-kernel.sh WORK      prints the kernel version (e.g. 6.1.0-56-amd64) on stdout
set -eu

work=$1
# The version linux-image-amd64 points at today; an offline rerun falls back to the cached one.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$pkg" ]; then
  pkg=$(ls -1 "$work/kernel" 2>/dev/null | sed -n 's/^/linux-image-/p' | tail -n 1)
fi
[ -n "$pkg" ] || { echo "build-kernel: cannot find the linux-image package" >&2; exit 1; }
kver=${pkg#linux-image-}
dir=$work/kernel/$kver

if [ ! -f "$dir/.done" ]; then
  echo "build-kernel: fetching $pkg" >&2
  rm -rf "$dir" "$work/kernel/debs"
  mkdir -p "$work/kernel/debs" "$dir"
  (cd "$work/kernel/debs" && apt-get download -q "$pkg" >/dev/null)
  dpkg -x "$work/kernel/debs/$pkg"_*.deb "$dir"
  rm -rf "$work/kernel/debs"
  # Debian ships modules.dep etc. only through its postinst; make them ourselves.
  depmod -b "$dir" "$kver"
  touch "$dir/.done"
fi
echo "$kver"
