// LDM_THEME for the X greeter: LDM's theme directory (/usr/share/ldm/themes/NAME) held
// greeter-gtkrc (GTK 2 styles), logo.png and bg.png. What this greeter takes from it: the
// background colour (the first bg[NORMAL]) and text colour (fg[NORMAL]) of greeter-gtkrc, the
// logo above the login card and bg.png as the background, scaled to cover the screen. The
// icons (reboot.png, session.png ...) are not used: the greeter draws its own buttons.

import { readFile } from 'node:fs/promises';
import type { Color } from './canvas.ts';
import { decodePng, type Image } from './png.ts';

export interface Theme {
  readonly background?: Color;
  readonly foreground?: Color;
  readonly logo?: Image;
  readonly backgroundImage?: Image;
  /** What could not be read, for the log. */
  readonly problems: readonly string[];
}

/** "#rgb", "#rrggbb" or "#rrrrggggbbbb" as 0xRRGGBB. */
export function parseGtkColor(s: string): Color | undefined {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{12})$/i.exec(s.trim());
  if (!m) return undefined;
  const h = m[1]!;
  const n = h.length / 3;
  const part = (i: number) => {
    const v = h.slice(i * n, (i + 1) * n);
    return n === 1 ? parseInt(v + v, 16) : parseInt(v.slice(0, 2), 16);
  };
  return (part(0) << 16) | (part(1) << 8) | part(2);
}

/** The first bg[NORMAL] and fg[NORMAL] colours of a gtkrc. */
export function gtkrcColors(text: string): { background?: Color; foreground?: Color } {
  const find = (what: 'bg' | 'fg') => {
    const m = new RegExp(`\\b${what}\\s*\\[\\s*NORMAL\\s*\\]\\s*=\\s*"([^"]+)"`).exec(text);
    return m ? parseGtkColor(m[1]!) : undefined;
  };
  const background = find('bg');
  const foreground = find('fg');
  return { ...(background !== undefined ? { background } : {}), ...(foreground !== undefined ? { foreground } : {}) };
}

export async function loadTheme(dir: string): Promise<Theme> {
  const problems: string[] = [];
  const read = (name: string) => readFile(`${dir}/${name}`).catch(() => undefined);
  const [rc, logoFile, bgFile] = await Promise.all([read('greeter-gtkrc'), read('logo.png'), read('bg.png')]);
  const png = (file: Buffer | undefined, name: string) => {
    if (!file) return undefined;
    try {
      return decodePng(file);
    } catch (e) {
      problems.push(`${dir}/${name}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const logo = png(logoFile, 'logo.png');
  const backgroundImage = png(bgFile, 'bg.png');
  return { ...(rc ? gtkrcColors(rc.toString('utf8')) : {}), ...(logo ? { logo } : {}), ...(backgroundImage ? { backgroundImage } : {}), problems };
}
