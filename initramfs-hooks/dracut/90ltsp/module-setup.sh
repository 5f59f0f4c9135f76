#!/bin/bash
# dracut module "ltsp": boots an LTSP 5 thin client (network, root over NBD with a RAM
# overlay, or over NFS made writable the same way) and hands over to init-ltsp.
#   dracut --add ltsp --no-hostonly /boot/initrd.img-$(uname -r) $(uname -r)
# Kernel command line, as LTSP 5 wrote it:
#   init=/sbin/init-ltsp root=/dev/nbd0 nbdroot=SERVER[:PORT]/EXPORT      (NBD)
#   init=/sbin/init-ltsp root=/dev/nfs nfsroot=SERVER:/opt/ltsp/amd64 ip=dhcp  (NFS: dracut's nfs module)
# The work itself is in ltsp-initramfs.sh, shared with the other initramfs flavours.

# Only when asked for (dracut --add ltsp, or add_dracutmodules+=" ltsp "): a thin client
# image is never what a normal host-only initramfs wants.
check() {
    require_binaries nbd-client || return 1
    return 255
}

depends() {
    # network: DHCP and /sbin/netroot; it also pulls in the NIC drivers (kernel-network-modules).
    echo network
}

installkernel() {
    instmods nbd squashfs overlay
    # Thin clients are all kinds of hardware: every NIC driver, not only this machine's.
    hostonly='' instmods =drivers/net/ethernet virtio_net virtio_pci e1000
}

install() {
    inst_multiple nbd-client ip
    # The shared functions: next to this file when installed, or in the source tree.
    if [ -f "$moddir/ltsp-initramfs.sh" ]; then
        inst_simple "$moddir/ltsp-initramfs.sh" /lib/ltsp-initramfs.sh
    else
        inst_simple "$moddir/../../ltsp-initramfs.sh" /lib/ltsp-initramfs.sh
    fi
    inst_hook cmdline 90 "$moddir/parse-ltsp.sh"
    inst_script "$moddir/ltspnbdroot.sh" /sbin/ltspnbdroot
    inst_hook pre-pivot 90 "$moddir/ltsp-pre-pivot.sh"
}
