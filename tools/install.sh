#!/bin/sh
# The one install layout of ltsp-agent. `make install`, the Debian package
# (tools/package.sh), the Gentoo ebuild and tools/install-into-chroot.sh all install through
# this script, from a checkout where `npm run package` has run or from the release tarball
# (both have dist/ltsp-agent, dist/man/ and dist/completion/).
#
#   DESTDIR=/opt/ltsp/amd64 PREFIX=/usr sh tools/install.sh      (make install DESTDIR=... PREFIX=...)
#
# Variables (make-style; each may also be given as NAME=value arguments):
#   DESTDIR          staging or client root (default: none, i.e. /)
#   PREFIX           /usr (default) or /usr/local
#   SBINDIR          /sbin: where init-ltsp goes (the kernel command line names /sbin/init-ltsp)
#   SYSTEMDUNITDIR   /lib/systemd/system
#   INITSYS          systemd, openrc, both (default) or none: which service files go to
#                    SYSTEMDUNITDIR and /etc/init.d (OpenRC's are always in PREFIX/share/ltsp-agent/openrc)
#   DOCS             yes (default) or no: documentation into PREFIX/share/doc/ltsp-agent
#   AGENT            another build of the bundle to install (default dist/ltsp-agent)
#
# It installs files only. Enabling the services and keeping LTSP 5's init-ltsp and client
# service recoverable is the job of the package's maintainer scripts and of
# tools/install-into-chroot.sh. What it installs:
#   PREFIX/lib/ltsp-agent/ltsp-agent              the bundled agent
#   PREFIX/bin/ltsp-agent, PREFIX/bin/getltscfg   links to it
#   SBINDIR/init-ltsp                             PID 1 wrapper (init/init-ltsp)
#   SYSTEMDUNITDIR/ltsp-client.service, ltsp-login.service,
#     ltsp-client-core.service.d/ltsp-agent.conf  (LTSP 5's client service only on LTSP 5 boots)
#   /etc/init.d/ltsp-client, ltsp-login, ltsp-screen (INITSYS openrc or both)
#   PREFIX/share/ltsp-agent/openrc/, initramfs-hooks/
#   PREFIX/share/man/man8/ltsp-agent.8, getltscfg.8, man5/lts.conf.5
#   PREFIX/share/bash-completion/completions/ltsp-agent, getltscfg
#   PREFIX/share/doc/ltsp-agent/                  README, CHANGELOG, docs, examples
set -eu

for arg in "$@"; do
  case $arg in
    DESTDIR=* | PREFIX=* | SBINDIR=* | SYSTEMDUNITDIR=* | INITSYS=* | DOCS=* | AGENT=*) eval "${arg%%=*}=\${arg#*=}" ;;
    *) echo "install.sh: unknown argument $arg (NAME=value: DESTDIR PREFIX SBINDIR SYSTEMDUNITDIR INITSYS DOCS)" >&2; exit 64 ;;
  esac
done
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr}
SBINDIR=${SBINDIR:-/sbin}
SYSTEMDUNITDIR=${SYSTEMDUNITDIR:-/lib/systemd/system}
INITSYS=${INITSYS:-both}
DOCS=${DOCS:-yes}
AGENT=${AGENT:-}
case $INITSYS in systemd | openrc | both | none) ;; *) echo "install.sh: INITSYS must be systemd, openrc, both or none" >&2; exit 64 ;; esac

src=$(cd "$(dirname "$0")/.." && pwd)
for f in dist/ltsp-agent dist/man/ltsp-agent.8 dist/man/lts.conf.5 dist/completion/ltsp-agent init/init-ltsp; do
  [ -f "$src/$f" ] || { echo "install.sh: $src/$f is missing (run npm run package in a checkout)" >&2; exit 1; }
done

d=$DESTDIR
lib=$PREFIX/lib/ltsp-agent
share=$PREFIX/share/ltsp-agent

# Replace a file atomically (write next to it, rename): an image built while this runs never
# holds half a file, and a running agent keeps its old inode.
put() { # MODE SRC DEST
  install -d -m 0755 "$(dirname "$3")"
  install -m "$1" "$2" "$3.new"
  mv -f "$3.new" "$3"
}
# Relative link from DEST (a path under DESTDIR) to TARGET (an absolute path on the target).
link() { # TARGET DEST
  install -d -m 0755 "$(dirname "$d$2")"
  ln -sfn "$(relpath "$1" "$(dirname "$2")")" "$d$2"
}
relpath() { # TARGET FROMDIR, both absolute
  _t=$1 _f=$2 _up=
  while [ "${_t#"$_f"/}" = "$_t" ]; do
    _f=$(dirname "$_f")
    _up=../$_up
    [ "$_f" = / ] && { echo "${_up}${_t#/}"; return; }
  done
  echo "${_up}${_t#"$_f"/}"
}

put 0755 "${AGENT:-$src/dist/ltsp-agent}" "$d$lib/ltsp-agent"
link "$lib/ltsp-agent" "$PREFIX/bin/ltsp-agent"
link "$lib/ltsp-agent" "$PREFIX/bin/getltscfg"
put 0755 "$src/init/init-ltsp" "$d$SBINDIR/init-ltsp"

# Templates for an OpenRC system (copied to /etc/init.d by the admin or the installer): not executable here.
for s in ltsp-client ltsp-login ltsp-screen; do put 0644 "$src/init/openrc/$s" "$d$share/openrc/$s"; done
if [ "$INITSYS" = systemd ] || [ "$INITSYS" = both ]; then
  for u in ltsp-client.service ltsp-login.service ltsp-screen@.service ltsp-client-core.service.d/ltsp-agent.conf; do put 0644 "$src/init/systemd/$u" "$d$SYSTEMDUNITDIR/$u"; done
fi
if [ "$INITSYS" = openrc ] || [ "$INITSYS" = both ]; then
  for s in ltsp-client ltsp-login ltsp-screen; do put 0755 "$src/init/openrc/$s" "$d/etc/init.d/$s"; done
fi

# The units and scripts name /usr/bin/ltsp-agent; another PREFIX gets its own path in them.
if [ "$PREFIX" != /usr ]; then
  for f in "$d$SYSTEMDUNITDIR/ltsp-login.service" "$d/etc/init.d/ltsp-login" "$d$share/openrc/ltsp-login"; do
    [ -f "$f" ] && sed -i "s|/usr/bin/ltsp-agent|$PREFIX/bin/ltsp-agent|g" "$f"
  done
fi

(cd "$src" && find initramfs-hooks -type f) | while read -r f; do
  # Executable only where the file is a script of its own (dracut's module files); the shared
  # function library is sourced.
  if [ -x "$src/$f" ]; then m=0755; else m=0644; fi
  put "$m" "$src/$f" "$d$share/$f"
done

put 0644 "$src/dist/man/ltsp-agent.8" "$d$PREFIX/share/man/man8/ltsp-agent.8"
install -d -m 0755 "$d$PREFIX/share/man/man8"
# getltscfg and init-ltsp are the same program and its wrapper: their page is ltsp-agent(8).
for alias in getltscfg init-ltsp; do
  printf '.so man8/ltsp-agent.8\n' >"$d$PREFIX/share/man/man8/$alias.8"
  chmod 0644 "$d$PREFIX/share/man/man8/$alias.8"
done
put 0644 "$src/dist/man/lts.conf.5" "$d$PREFIX/share/man/man5/lts.conf.5"
put 0644 "$src/dist/completion/ltsp-agent" "$d$PREFIX/share/bash-completion/completions/ltsp-agent"
link "$PREFIX/share/bash-completion/completions/ltsp-agent" "$PREFIX/share/bash-completion/completions/getltscfg"

if [ "$DOCS" = yes ]; then
  doc=$PREFIX/share/doc/ltsp-agent
  for f in README.md CHANGELOG.md docs/*.md; do
    case $f in docs/development.md | docs/benchmarks.md) continue ;; esac
    [ -f "$src/$f" ] && put 0644 "$src/$f" "$d$doc/$(basename "$f")"
  done
  for f in "$src"/examples/*.conf; do put 0644 "$f" "$d$doc/examples/$(basename "$f")"; done
fi
