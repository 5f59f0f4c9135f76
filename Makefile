# make install DESTDIR=... PREFIX=...: installs ltsp-agent through tools/install.sh, the one
# install layout (the .deb, the ebuild and tools/install-into-chroot.sh use it too). In a git
# checkout, `npm run package` first (it builds dist/); the release tarball has dist/ built.
DESTDIR ?=
PREFIX ?= /usr
SBINDIR ?= /sbin
SYSTEMDUNITDIR ?= /lib/systemd/system
INITSYS ?= both
DOCS ?= yes

.PHONY: all install
all:
	@test -f dist/ltsp-agent || { echo "no dist/ltsp-agent: run npm run package (in a git checkout)"; exit 1; }

install: all
	sh tools/install.sh DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" SBINDIR="$(SBINDIR)" \
		SYSTEMDUNITDIR="$(SYSTEMDUNITDIR)" INITSYS="$(INITSYS)" DOCS="$(DOCS)"
