#!/bin/sh
# dracut cmdline hook: turn LTSP 5's root=/dev/nbd0 nbdroot=... into a dracut network root
# handled by /sbin/ltspnbdroot. NFS roots (root=/dev/nfs nfsroot=...) are left to dracut's own
# nfs module; ltsp-pre-pivot.sh makes them writable afterwards.
. /lib/ltsp-initramfs.sh

ltsp_is_ltsp_boot || return 0

case $(ltsp_arg root) in
    /dev/nbd*)
        nbdroot=$(ltsp_arg nbdroot)
        # No nbdroot=: the DHCP server is the NBD server (root-path names the export).
        netroot="ltspnbd:${nbdroot}"
        root=ltspnbd
        rootok=1
        # A network root: bring the network up even without ip= on the command line.
        echo "rd.neednet=1" >/etc/cmdline.d/90ltsp.conf
        export netroot root rootok
        ;;
esac
