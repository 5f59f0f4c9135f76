#!/bin/sh
# dracut pre-pivot hook: an LTSP root that is still read-only here (NFS through dracut's nfs
# module) gets the same RAM overlay as the NBD root, so init-ltsp starts on a writable root.
. /lib/ltsp-initramfs.sh

ltsp_is_ltsp_boot || return 0
# Already writable (our NBD overlay, or an NFS export mounted rw): nothing to do.
if touch "$NEWROOT/.ltsp-rw-test" 2>/dev/null; then
    rm -f "$NEWROOT/.ltsp-rw-test"
    return 0
fi
ltsp_overlay_mounted "$NEWROOT" || warn "ltsp: root stays read-only; init-ltsp will try again"
