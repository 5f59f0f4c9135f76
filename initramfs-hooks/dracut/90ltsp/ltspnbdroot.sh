#!/bin/sh
# dracut netroot handler, run by /sbin/netroot once the network is up:
#   ltspnbdroot INTERFACE ltspnbd:[SERVER[:PORT]][/EXPORT] NEWROOT
# Connects /dev/nbd0 to the root export, mounts it read-only under a RAM overlay on NEWROOT
# and records the DHCP facts for init-ltsp and the agent.
. /lib/dracut-lib.sh
. /lib/ltsp-initramfs.sh

netif=$1
netroot=${2#ltspnbd:}
newroot=$3

# dracut keeps the lease as shell variables in /tmp/net.IFACE.dhcpopts (new_* names).
[ -f "/tmp/net.$netif.dhcpopts" ] && . "/tmp/net.$netif.dhcpopts"
ROOTSERVER=${new_next_server:-${new_dhcp_server_identifier:-}}
[ -n "$netroot" ] || netroot=${new_root_path:-}

ltsp_parse_nbdroot "$netroot" || die "ltsp: no NBD server (nbdroot= or DHCP next-server)"
ltsp_nbd_connect /dev/nbd0 || die "ltsp: cannot connect the NBD root"
ltsp_mount_overlay /dev/nbd0 "$newroot" || die "ltsp: cannot mount the NBD root"

# klibc-style facts for init-ltsp/the agent; /run moves into the new root with dracut.
DEVICE=$netif PROTO=dhcp IPV4ADDR=${new_ip_address:-} IPV4NETMASK=${new_subnet_mask:-} \
    IPV4GATEWAY=${new_routers%% *} HOSTNAME=${new_host_name:-} DNSDOMAIN=${new_domain_name:-} \
    ROOTSERVER=$ROOTSERVER ROOTPATH=${new_root_path:-} filename=${new_filename:-} \
    ltsp_write_netconf "/run/net-$netif.conf"

# Tell dracut's main loop that the root is there.
echo '[ -e $NEWROOT/proc ]' >"$hookdir/initqueue/finished/ltspnbdroot.sh"
exit 0
