#!/usr/bin/env bash
# npm run package: builds, from a checkout, everything a release is, into dist/:
#   dist/ltsp-agent                     the bundle (node build.mjs)
#   dist/man/, dist/completion/         man pages and bash completion (tools/gen-man.ts, gen-completion.ts)
#   dist/ltsp-agent_VERSION-1_all.deb   the Debian package, with dpkg-deb, checked by lintian
#   dist/ltsp-agent-VERSION.tar.gz      the release tarball (make install DESTDIR=... PREFIX=...)
# The .deb's files are installed by tools/install.sh, the one install layout.
# LINTIAN=no skips lintian (it is slow); its errors otherwise fail the build.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
version=$(node -p 'require("./package.json").version')
debversion=$version-1
# Reproducible: every timestamp is the last commit's (or now, outside git).
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

say() { echo "package: $*" >&2; }

node build.mjs
node --import tsx tools/gen-man.ts dist/man >/dev/null
mkdir -p dist/completion
node --import tsx tools/gen-completion.ts dist/completion/ltsp-agent
node --import tsx tools/gen-keys-doc.ts --check

# ---- Debian package -------------------------------------------------------------------------
stage=dist/deb/ltsp-agent
rm -rf dist/deb
mkdir -p "$stage/DEBIAN"
sh tools/install.sh DESTDIR="$repo/$stage" PREFIX=/usr SBINDIR=/sbin SYSTEMDUNITDIR=/lib/systemd/system INITSYS=systemd DOCS=yes
doc=$stage/usr/share/doc/ltsp-agent
# Debian's way: man pages compressed, an alias page as a link, the upstream changelog as
# changelog.gz, a Debian changelog, and the copyright file.
gzip -9n "$stage/usr/share/man/man8/ltsp-agent.8" "$stage/usr/share/man/man5/lts.conf.5"
for alias in getltscfg init-ltsp; do
  rm -f "$stage/usr/share/man/man8/$alias.8"
  ln -s ltsp-agent.8.gz "$stage/usr/share/man/man8/$alias.8.gz"
done
mv "$doc/CHANGELOG.md" "$doc/changelog"
gzip -9n "$doc/changelog"
date_rfc=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
printf 'ltsp-agent (%s) unstable; urgency=medium\n\n  * Release %s; see changelog.gz.\n\n -- ltsp-agent maintainers <ltsp-agent@example.org>  %s\n' \
  "$debversion" "$version" "$date_rfc" | gzip -9n >"$doc/changelog.Debian.gz"
year=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)
{
  cat <<EOT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ltsp-agent

Files: *
Copyright: $year the ltsp-agent authors
License: GPL-2+

Files: usr/lib/ltsp-agent/ltsp-agent
Copyright: $year the ltsp-agent authors, and the authors of the npm packages bundled into it
License: GPL-2+ and MIT and BSD-3-Clause and Unlicense
Comment: The agent is one file that also holds these npm packages (name, version, licence):
EOT
  sed 's/^/ /' dist/bundled-modules.txt
  cat <<'EOT'
 Their licence texts are in their source packages on the npm registry.

License: GPL-2+
 This program is free software; you can redistribute it and/or modify it under
 the terms of the GNU General Public License as published by the Free Software
 Foundation; either version 2 of the License, or (at your option) any later
 version.
 .
 This program is distributed in the hope that it will be useful, but WITHOUT
 ANY WARRANTY; without even the implied warranty of MERCHANTABILITY or FITNESS
 FOR A PARTICULAR PURPOSE. See the GNU General Public License for more details.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 2 can be found in "/usr/share/common-licenses/GPL-2".
EOT
} >"$doc/copyright"
chmod 0644 "$doc/copyright" "$doc/changelog.gz" "$doc/changelog.Debian.gz"

install -m 0755 packaging/debian/preinst packaging/debian/postinst packaging/debian/postrm "$stage/DEBIAN/"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$debversion/" -e "s/@SIZE@/$size/" packaging/debian/control.in >"$stage/DEBIAN/control"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
deb=dist/ltsp-agent_${debversion}_all.deb
rm -f dist/ltsp-agent_*_all.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
say "$deb ($(du -h "$deb" | cut -f1))"

if [[ ${LINTIAN:-yes} != no ]]; then
  if command -v lintian >/dev/null; then
    # Errors fail the build; warnings are printed. lintian, not the tests, judges the package.
    lintian --fail-on error --suppress-tags-from-file packaging/debian/lintian-overrides.txt "$deb" >&2
    say "lintian: no errors"
  else
    say "lintian is not installed (apt-get install lintian): not checked"
  fi
fi

# ---- release tarball ------------------------------------------------------------------------
name=ltsp-agent-$version
tree=dist/tar/$name
rm -rf dist/tar
mkdir -p "$tree/dist" "$tree/tools"
cp -a Makefile README.md LICENSE CHANGELOG.md init initramfs-hooks docs examples packaging "$tree/"
cp -a tools/install.sh tools/install-into-chroot.sh "$tree/tools/"
cp -a dist/ltsp-agent dist/package.json dist/man dist/completion dist/bundled-modules.txt "$tree/dist/"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -C dist/tar -czf "dist/$name.tar.gz" "$name"
rm -rf dist/tar
say "dist/$name.tar.gz ($(du -h "dist/$name.tar.gz" | cut -f1))"
