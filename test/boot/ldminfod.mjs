// A small ldminfod for the boot proof, inetd style like LTSP 5's (QEMU's guestfwd runs it
// per connection with the socket on stdin/stdout): it answers the ldminfo records the login
// reads (LTSP 5 spec 7.2) and closes. The session is the proof's xsession script.
//   node ldminfod.mjs XSESSION_PATH
const xsession = process.argv[2] ?? '/etc/X11/Xsession';
const lines = [
  'language:C.UTF-8',
  'session:/usr/bin/ltsp-proof-session',
  'session-with-name:LTSP proof:/usr/bin/ltsp-proof-session',
  `xsession:${xsession}`,
  'rating:90',
];
process.stdout.end(lines.join('\n') + '\n', () => process.exit(0));
