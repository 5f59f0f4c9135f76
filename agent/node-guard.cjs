// The first code dist/ltsp-agent runs (build.mjs puts it before everything else). It is ES5 on
// purpose: the Node.js of an old LTSP 5 chroot (Debian 10 has Node 10, Ubuntu 18.04 Node 8)
// must be able to parse it, so that an admin reads what is wrong instead of a SyntaxError
// from the code after it. That code is handed to this function as a string and compiled only
// once the version is known to be new enough.
(function (run) {
  var version = String((process.versions && process.versions.node) || '0');
  var major = Number(version.split('.')[0]);
  if (major >= 18) return run();
  process.stderr.write(
    'ltsp-agent needs Node.js 18 or later; this is ' + process.version + ' (' + process.execPath + ').\n' +
      'Install a newer nodejs here (Debian 12 and later: apt-get install nodejs), or build a new\n' +
      'client chroot beside this one and keep the server and lts.conf: see\n' +
      '/usr/share/doc/ltsp-agent/upgrade.md, "Chroots with an old Node.js".\n' +
      'A thin client whose node is too old boots the LTSP 5 way (init-ltsp hands over to init-ltsp.ltsp5).\n'
  );
  process.exit(69);
})
