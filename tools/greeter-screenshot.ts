// Makes docs/greeter.png: the X greeter on a private Xvfb, with a user name and part of a
// password typed through xdotool, captured with xwd and converted by ImageMagick.
//   node --import tsx tools/greeter-screenshot.ts [out.png]

import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X11Greeter } from '../agent/login/greeter-x11.ts';
import type { GreeterSetup } from '../agent/login/greeter.ts';
import { withXvfb, xrun } from '../test/lab/xvfb.ts';

const out = process.argv[2] ?? 'docs/greeter.png';

const setup: GreeterSetup = {
  title: { hostname: 'ltsp042', ip: '192.168.67.42' },
  servers: [{ host: 'server1', rating: 82 }, { host: 'server2', rating: 35 }, { host: 'server3', down: true }],
  defaultServer: 'server1',
  sessions: [{ name: 'GNOME', command: '/usr/bin/gnome-session' }, { name: 'Xfce', command: '/usr/bin/startxfce4' }],
  languages: ['de_DE.UTF-8', 'en_GB.UTF-8', 'fr_FR.UTF-8'],
  allowGuest: true,
  keyboardLayout: 'de',
};

await withXvfb(async (d) => {
  const greeter = await X11Greeter.open({ display: d.display, xauthority: d.xauthority });
  try {
    const answer = greeter.ask(setup);
    await xrun(d, ['xdotool', 'search', '--sync', '--name', 'ltsp-agent greeter']);
    await xrun(d, ['xdotool', 'type', '--delay', '30', 'alice']);
    await xrun(d, ['xdotool', 'key', 'Tab']);
    await xrun(d, ['xdotool', 'type', '--delay', '30', 'secret']);
    await greeter.message('Welcome. Log in with your school account.', 'info');
    await greeter.drawn();
    const xwd = join(tmpdir(), `greeter-${process.pid}.xwd`);
    try {
      await xrun(d, ['xwd', '-root', '-silent', '-out', xwd]);
      await xrun(d, ['convert', `xwd:${xwd}`, out]);
    } finally {
      rmSync(xwd, { force: true });
    }
    void answer.catch(() => undefined);
  } finally {
    await greeter.close();
  }
});
console.error(`wrote ${out}`);
