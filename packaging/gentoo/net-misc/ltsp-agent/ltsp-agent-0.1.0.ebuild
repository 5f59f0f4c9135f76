# Copyright the ltsp-agent authors
# Distributed under the terms of the GNU General Public License v2

EAPI=8

DESCRIPTION="Boots, configures and logs in an LTSP 5 thin client (one program for init-ltsp.d, LDM)"
HOMEPAGE="https://example.org/ltsp-agent"
# The release tarball of `npm run package`: the bundle is built, nothing is compiled here.
SRC_URI="https://example.org/ltsp-agent/releases/${P}.tar.gz"

LICENSE="GPL-2+ MIT BSD Unlicense"
SLOT="0"
KEYWORDS="~amd64 ~x86"
IUSE="+nbd +pulseaudio +X"

# The agent runs with the system's node (18 or later): one file, no node_modules.
RDEPEND="
	>=net-libs/nodejs-18
	sys-apps/iproute2
	sys-apps/kmod
	nbd? ( sys-block/nbd )
	pulseaudio? ( media-sound/pulseaudio )
	X? (
		x11-base/xorg-server
		x11-apps/xauth
		x11-apps/setxkbmap
	)
	virtual/logger
"

src_compile() { :; }

src_install() {
	# The one install layout (tools/install.sh), as the Debian package and make install use it.
	# OpenRC first: its scripts go to /etc/init.d; the systemd units are installed too, for
	# systemd profiles.
	emake install DESTDIR="${D}" PREFIX="${EPREFIX}/usr" SBINDIR="${EPREFIX}/sbin" \
		SYSTEMDUNITDIR="${EPREFIX}/lib/systemd/system" INITSYS=both DOCS=no
	einstalldocs
	dodoc CHANGELOG.md docs/boot.md docs/upgrade.md docs/errors.md docs/lts.conf.md docs/login.md
	docinto examples
	dodoc examples/*.conf
}

# Gentoo has no dpkg-divert: net-misc/ltsp-client (LTSP 5) owns /sbin/init-ltsp too, so the two
# collide; on a chroot with it, emerge with COLLISION_IGNORE="/sbin/init-ltsp /usr/bin/getltscfg"
# (its copies are kept below as *.ltsp5 first).
pkg_preinst() {
	# LTSP 5's init-ltsp and getltscfg (net-misc/ltsp-client) stay beside the agent's, so that a
	# client boots LTSP 5's way with ltsp.agent=off or when the agent cannot run.
	local f
	for f in sbin/init-ltsp usr/bin/getltscfg; do
		if [[ -e ${EROOT}/${f} && ! -L ${EROOT}/${f} ]] && ! grep -q ltsp-agent "${EROOT}/${f}"; then
			cp -p "${EROOT}/${f}" "${ED}/${f}.ltsp5" || die
		fi
	done
	if [[ -e ${EROOT}/etc/init.d/ltsp-client ]] && ! grep -q 'ltsp-agent\|NBD swap' "${EROOT}/etc/init.d/ltsp-client"; then
		cp -p "${EROOT}/etc/init.d/ltsp-client" "${ED}/etc/init.d/ltsp-client.ltsp5" || die
	fi
}

pkg_postinst() {
	elog "ltsp-agent is installed. On OpenRC (the Gentoo LTSP 5 chroot's init), enable its services:"
	elog "    rc-update add ltsp-client default"
	elog "    rc-update add ltsp-login default"
	elog "and boot the clients with real_init=/sbin/init-ltsp (genkernel) as before."
	elog "On systemd: systemctl enable ltsp-client.service ltsp-login.service"
	elog
	elog "LTSP 5's init-ltsp is kept as /sbin/init-ltsp.ltsp5 and its client service as"
	elog "ltsp-client.ltsp5: add ltsp.agent=off to the kernel command line to boot LTSP 5's way."
	elog "NBD roots need the dracut module in ${EPREFIX}/usr/share/ltsp-agent/initramfs-hooks/dracut."
	elog "Check the chroot with: ltsp-agent doctor --root /opt/ltsp/i686"
	elog "The CPU must have SSE2 for Node.js (i686: Pentium 4 / Athlon 64 or later)."
}
