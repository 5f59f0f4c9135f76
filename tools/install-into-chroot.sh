#!/bin/sh
# Installs ltsp-agent into an existing LTSP 5 client chroot (e.g. /opt/ltsp/amd64), next to
# or instead of LTSP's own client scripts. Run it on the LTSP server, as root, then rebuild
# the image as usual (ltsp-update-image for NBD; nothing for NFS).
#
#   tools/install-into-chroot.sh [--agent FILE] [--init auto|systemd|openrc|none]
#                                [--install-node] [--no-code-cache] [--no-check] CHROOT
#
# For chroots without dpkg (Gentoo, others), or to try a build: on Debian and Ubuntu chroots
# the Debian package (npm run package; dpkg -i in the chroot) does the same and can be removed.
# Run from a checkout after `npm run package`, or from the release tarball.
# What it puts into CHROOT, through tools/install.sh (the one install layout):
#   /usr/lib/ltsp-agent/ltsp-agent     the bundled agent (one file, runs with the chroot's node)
#   /usr/bin/ltsp-agent, /usr/bin/getltscfg   links to it (LTSP 5's getltscfg kept as getltscfg.ltsp5)
#   /sbin/init-ltsp                    replaces LTSP 5's init-ltsp (the old one is kept as
#                                      /sbin/init-ltsp.ltsp5: the client boots LTSP 5's way with
#                                      ltsp.agent=off, or when the agent cannot run)
#   systemd units or OpenRC scripts    ltsp-client and ltsp-login, enabled; LTSP 5's client
#                                      service stays, for boots handed to LTSP 5
#   man pages, bash completion, /usr/share/doc/ltsp-agent/
#   /var/cache/ltsp-agent/*.v8         V8's code cache for the agent, made by the chroot's own
#                                      node (skipped with --no-code-cache, or where it cannot run)
# --install-node installs the distribution's node into the chroot (apt-get or emerge).
# At the end it runs `ltsp-agent doctor --root CHROOT`, which lists what is still missing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
agent=$repo/dist/ltsp-agent
initsys=auto
install_node=false
code_cache=true
check=true

usage() {
  sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2
  exit 64
}

while [ $# -gt 0 ]; do
  case $1 in
    --agent) agent=$2; shift 2 ;;
    --init) initsys=$2; shift 2 ;;
    --install-node) install_node=true; shift ;;
    --no-code-cache) code_cache=false; shift ;;
    --no-check) check=false; shift ;;
    -h | --help) usage ;;
    -*) echo "install-into-chroot: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || usage
root=$1
[ -d "$root/etc" ] || { echo "install-into-chroot: $root does not look like a client root (no /etc)" >&2; exit 1; }
[ -f "$agent" ] || { echo "install-into-chroot: no agent at $agent (run npm run package, or pass --agent)" >&2; exit 1; }

say() { echo "install-into-chroot: $*" >&2; }

# ---- node, from the distribution --------------------------------------------------------------
if [ "$install_node" = true ] && ! [ -x "$root/usr/bin/node" ]; then
  if [ -x "$root/usr/bin/apt-get" ]; then
    say "installing nodejs with apt-get in the chroot"
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs
  elif [ -x "$root/usr/bin/emerge" ]; then
    say "installing net-libs/nodejs with emerge in the chroot"
    chroot "$root" emerge --noreplace net-libs/nodejs
  else
    say "cannot install node: no apt-get or emerge in the chroot; install Node >= 18 yourself"
  fi
fi

# ---- LTSP 5's files, kept so that the client can still boot LTSP 5's way ------------------------
# init-ltsp hands the boot to /sbin/init-ltsp.ltsp5 with ltsp.agent=off or when the agent cannot
# run; getltscfg.ltsp5 is LTSP 5's own. (The Debian package diverts the same two files.)
for f in /sbin/init-ltsp /usr/bin/getltscfg; do
  if [ -e "$root$f" ] && ! [ -L "$root$f" ] && ! grep -q 'ltsp-agent' "$root$f" 2>/dev/null; then
    say "keeping LTSP 5's $f as $f.ltsp5"
    mv "$root$f" "$root$f.ltsp5"
  fi
done

# ---- the files: the one install layout (tools/install.sh, as make install and the .deb) -------
if [ "$initsys" = auto ]; then
  if [ -d "$root/lib/systemd/system" ] || [ -d "$root/usr/lib/systemd/system" ]; then
    initsys=systemd
  elif [ -x "$root/sbin/openrc-run" ] || [ -x "$root/sbin/openrc" ]; then
    initsys=openrc
  else
    initsys=none
  fi
fi
case $initsys in systemd | openrc | none) ;; *) echo "install-into-chroot: --init must be auto, systemd, openrc or none" >&2; exit 64 ;; esac
# Gentoo's LTSP 5 package shipped an OpenRC ltsp-client of its own: keep it as ltsp-client.ltsp5,
# which our ltsp-client starts on a boot handed to LTSP 5.
if [ "$initsys" = openrc ]; then
  for s in ltsp-client ltsp-login; do
    if [ -e "$root/etc/init.d/$s" ] && ! grep -q 'ltsp-agent\|NBD swap' "$root/etc/init.d/$s"; then
      mv "$root/etc/init.d/$s" "$root/etc/init.d/$s.ltsp5"
    fi
  done
fi
# Units installed by hand belong in /etc/systemd/system (the package's go to /lib/systemd/system).
sh "$repo/tools/install.sh" DESTDIR="$root" PREFIX=/usr SBINDIR=/sbin SYSTEMDUNITDIR=/etc/systemd/system \
  INITSYS="$initsys" AGENT="$agent"

# ---- services after init: enabled ---------------------------------------------------------------
case $initsys in
  systemd)
    unitdir=$root/etc/systemd/system
    install -d "$unitdir/multi-user.target.wants"
    # Enable by hand: systemctl may not run against a foreign root on the server.
    for u in ltsp-client.service ltsp-login.service; do ln -sfn "../$u" "$unitdir/multi-user.target.wants/$u"; done
    # LTSP 5's own client service (ltsp-client-core) stays enabled: the drop-in
    # ltsp-client-core.service.d/ltsp-agent.conf lets it run only on a boot handed to LTSP 5.
    say "systemd units ltsp-client and ltsp-login installed and enabled; ltsp-screen@ installed (the boot enables one per screen)"
    ;;
  openrc)
    install -d "$root/etc/runlevels/default"
    for s in ltsp-client ltsp-login; do ln -sfn "/etc/init.d/$s" "$root/etc/runlevels/default/$s"; done
    say "OpenRC services ltsp-client and ltsp-login installed in the default runlevel; ltsp-screen installed (the boot links one per screen)"
    ;;
  none) say "no init system detected: start 'ltsp-agent login' yourself after boot" ;;
esac

# ---- V8 code cache ------------------------------------------------------------------------------
# The agent compiles its programs on use and keeps V8's code cache in /var/cache/ltsp-agent. On a
# client that directory is in RAM and empty at every boot, so the cache is made here, once, by
# the chroot's own node (a cache only fits the node that made it): every boot then skips most of
# the compiling. A dry run with the chroot's programs compiles the boot path; `login --help` the
# login program. Best effort: a chroot of another architecture simply gets no cache.
# The cache is made again only for another agent or node (its bytes differ from run to run, and
# an unchanged image should stay unchanged).
cache=$root/var/cache/ltsp-agent
if [ "$code_cache" = true ] && [ -x "$root/usr/bin/node" ] && [ "$(id -u)" = 0 ]; then
  stamp=$(cat "$agent" "$root/usr/bin/node" | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$cache/.made-for" 2>/dev/null)" = "$stamp" ] && ls "$cache/"*.v8 >/dev/null 2>&1; then
    say "V8 code cache in /var/cache/ltsp-agent is up to date"
  else
    rm -rf "$cache"
    in_chroot() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/node /usr/lib/ltsp-agent/ltsp-agent "$@" >/dev/null 2>&1; }
    if in_chroot --dry-run --root / --lts-conf /dev/null --mac 02:00:00:00:00:01 --ip 192.168.67.20 && in_chroot login --help &&
      ls "$cache/"*.v8 >/dev/null 2>&1; then
      echo "$stamp" >"$cache/.made-for"
      say "V8 code cache made in /var/cache/ltsp-agent by the chroot's node"
    else
      rm -rf "$cache"
      say "could not run the chroot's node here (another architecture?): no code cache; the agent compiles at boot"
    fi
  fi
fi

# ---- check ----------------------------------------------------------------------------------------
if [ "$check" = true ]; then
  if command -v node >/dev/null 2>&1; then
    # doctor exits non-zero when something required is missing; the install itself is done.
    node "$agent" doctor --root "$root" || say "doctor found problems (above); the agent is installed nonetheless"
  else
    say "no node on this machine to run the check; run 'ltsp-agent doctor' inside the chroot"
  fi
fi
say "done. Boot the clients with init=/sbin/init-ltsp (Gentoo/genkernel: real_init=/sbin/init-ltsp)"
