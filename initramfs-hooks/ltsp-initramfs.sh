# Shared by every initramfs flavour (dracut module, genkernel overlay, the test's busybox
# initramfs): what an LTSP 5 thin client must do before init-ltsp can run. Sourced, never
# executed; POSIX sh so that it works in busybox ash and in dracut's sh alike.
#
#   ltsp_arg NAME              value of NAME= on the kernel command line (last one wins)
#   ltsp_is_ltsp_boot          true when init=/real_init= points at init-ltsp
#   ltsp_parse_nbdroot VALUE   sets NBD_ROOT_HOST, NBD_ROOT_PORT, NBD_ROOT_NAME
#   ltsp_nbd_connect DEV       connects DEV to the NBD root export, retrying like LTSP 5.2
#   ltsp_mount_overlay DEV DIR mounts DEV read-only with a tmpfs overlay on DIR
#   ltsp_overlay_mounted DIR   the same for a root already mounted read-only on DIR (NFS)
#   ltsp_write_netconf FILE    records the DHCP facts in klibc's net-*.conf format
#
# Callers set ROOTSERVER (DHCP next-server / server id) before ltsp_parse_nbdroot when they
# know it. Messages go to stderr with an "ltsp-initramfs:" prefix so they stand out on the
# console.

ltsp_say() {
  echo "ltsp-initramfs: $*" >&2
}

ltsp_arg() {
  # Word-split /proc/cmdline on purpose: kernel parameters are space separated.
  _ltsp_val=
  for _ltsp_w in $(cat /proc/cmdline); do
    case $_ltsp_w in
      "$1"=*) _ltsp_val=${_ltsp_w#*=} ;;
    esac
  done
  printf '%s' "$_ltsp_val"
}

ltsp_is_ltsp_boot() {
  # LTSP 5 tested the substring "init=/sbin/init-ltsp", which real_init= also contains.
  case " $(cat /proc/cmdline) " in
    *init=/sbin/init-ltsp*) return 0 ;;
  esac
  return 1
}

# nbdroot=host[:port][/name], or [ipv6]:port/name. A non-numeric "port" is an export name
# (LTSP 5 did the same). The host defaults to the DHCP server the client booted from.
ltsp_parse_nbdroot() {
  _v=$1
  NBD_ROOT_HOST= NBD_ROOT_PORT= NBD_ROOT_NAME=
  case $_v in
    \[*\]*)
      NBD_ROOT_HOST=${_v%%]*}
      NBD_ROOT_HOST=${NBD_ROOT_HOST#[}
      _v=${_v#*]}
      ;;
    *)
      NBD_ROOT_HOST=${_v%%[:/]*}
      _v=${_v#"$NBD_ROOT_HOST"}
      ;;
  esac
  case $_v in
    /*) NBD_ROOT_NAME=${_v#/} ;;
    :*/*) NBD_ROOT_PORT=${_v#:}; NBD_ROOT_PORT=${NBD_ROOT_PORT%%/*}; NBD_ROOT_NAME=${_v#*/} ;;
    :*) NBD_ROOT_PORT=${_v#:} ;;
  esac
  case $NBD_ROOT_PORT in
    *[!0-9]*) NBD_ROOT_NAME=$NBD_ROOT_PORT; NBD_ROOT_PORT= ;;
  esac
  [ -n "$NBD_ROOT_HOST" ] || NBD_ROOT_HOST=${ROOTSERVER:-}
  [ -n "$NBD_ROOT_PORT" ] || NBD_ROOT_PORT=10809
  export NBD_ROOT_HOST NBD_ROOT_PORT NBD_ROOT_NAME
  [ -n "$NBD_ROOT_HOST" ]
}

ltsp_nbd_connect() {
  _dev=$1
  modprobe nbd 2>/dev/null || true
  # udev may not have made the node yet in a minimal initramfs.
  [ -b "$_dev" ] || mknod "$_dev" b 43 0 2>/dev/null || true
  _try=1
  while :; do
    # -N: named export (nbd-server >= 3.x, LTSP 5.3+). A port-only nbdroot is old-style.
    if [ -n "$NBD_ROOT_NAME" ]; then
      nbd-client "$NBD_ROOT_HOST" "$NBD_ROOT_PORT" "$_dev" -N "$NBD_ROOT_NAME" && return 0
    else
      nbd-client "$NBD_ROOT_HOST" "$NBD_ROOT_PORT" "$_dev" && return 0
    fi
    # LTSP 5.2 retried 10 times, 2 s apart: a server that is still booting gets that long.
    [ "$_try" -ge 10 ] && break
    ltsp_say "nbd-client $NBD_ROOT_HOST:$NBD_ROOT_PORT ${NBD_ROOT_NAME:+/$NBD_ROOT_NAME }failed, retry $_try"
    _try=$((_try + 1))
    sleep 2
  done
  ltsp_say "cannot connect the NBD root $NBD_ROOT_HOST:$NBD_ROOT_PORT/$NBD_ROOT_NAME"
  return 1
}

# The image is read-only and shared by every client: give each client a RAM overlay so the
# root is writable, as LTSP 5's init-bottom/ltsp did. The read-only and the tmpfs parts live
# under /run/initramfs so that they stay visible after the switch to the real root (the
# caller moves /run along).
ltsp_mount_overlay() {
  _dev=$1 _dir=$2
  mkdir -p /run/initramfs/rofs /run/initramfs/cow "$_dir"
  modprobe squashfs 2>/dev/null || true
  modprobe overlay 2>/dev/null || true
  mount -t squashfs -o ro "$_dev" /run/initramfs/rofs 2>/dev/null ||
    mount -o ro "$_dev" /run/initramfs/rofs || { ltsp_say "cannot mount $_dev"; return 1; }
  mount -t tmpfs -o mode=0755 tmpfs /run/initramfs/cow
  mkdir -p /run/initramfs/cow/up /run/initramfs/cow/work
  mount -t overlay -o lowerdir=/run/initramfs/rofs,upperdir=/run/initramfs/cow/up,workdir=/run/initramfs/cow/work \
    overlay "$_dir" || {
    # No overlay: run read-only; init-ltsp will try again or live with it.
    ltsp_say "overlay failed, root stays read-only"
    mount --move /run/initramfs/rofs "$_dir"
  }
}

ltsp_overlay_mounted() {
  _dir=$1
  modprobe overlay 2>/dev/null || true
  mkdir -p /run/initramfs/rofs /run/initramfs/cow
  mount --move "$_dir" /run/initramfs/rofs || return 1
  mount -t tmpfs -o mode=0755 tmpfs /run/initramfs/cow
  mkdir -p /run/initramfs/cow/up /run/initramfs/cow/work
  if ! mount -t overlay -o lowerdir=/run/initramfs/rofs,upperdir=/run/initramfs/cow/up,workdir=/run/initramfs/cow/work \
    overlay "$_dir"; then
    umount /run/initramfs/cow
    mount --move /run/initramfs/rofs "$_dir"
    return 1
  fi
}

# klibc ipconfig's net-DEVICE.conf, the format LTSP 5's init-ltsp.d/02-initramfs-env and
# the agent read. Values come from the caller's environment (DEVICE, IPV4ADDR, ...).
ltsp_write_netconf() {
  _f=$1
  mkdir -p "${_f%/*}"
  {
    for _k in DEVICE PROTO IPV4ADDR IPV4BROADCAST IPV4NETMASK IPV4GATEWAY IPV4DNS0 IPV4DNS1 \
      HOSTNAME DNSDOMAIN ROOTSERVER ROOTPATH filename; do
      eval "_val=\${$_k:-}"
      # The file is sourced by shell readers: a quote from a DHCP server must not end the value.
      _val=$(printf '%s' "$_val" | tr -d "'\\")
      [ -z "$_val" ] || printf "%s='%s'\n" "$_k" "$_val"
    done
  } >"$_f"
}
