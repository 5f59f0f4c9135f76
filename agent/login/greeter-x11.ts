// The graphical greeter: a full-screen window on the client's X display, drawn by our own
// painter and spoken to through our own small X11 client, so the chroot needs an X server
// and a TrueType font, but no GTK, Qt or Xlib bindings.
//
// One window, override-redirect (there is no window manager before login), holding the
// keyboard focus. Key presses are translated with the server's own keyboard mapping, so
// any layout types what its keycaps say.

import { readFileSync } from 'node:fs';
import { registerSecret, silentLogger, type Logger } from '../core/log.ts';
import type { Greeter, GreeterAnswer, GreeterSetup } from './greeter.ts';
import { Canvas, encodeImage, type PixelFormat } from './x11/canvas.ts';
import { X11Connection, X11Error, type ConnectOptions } from './x11/connection.ts';
import { LoginForm, type FormResult } from './x11/greeter-form.ts';
import { GreeterPainter, type Fonts } from './x11/greeter-paint.ts';
import { DeadKeyComposer, Keymap } from './x11/keyboard.ts';
import * as X from './x11/protocol.ts';
import { ScaledFont, TrueTypeFont } from './x11/truetype.ts';
import { loadTheme } from './x11/theme.ts';
import { texts, type Texts } from './i18n/index.ts';

/** Regular and bold faces tried in order; the first pair found is used. */
export const FONT_CANDIDATES: readonly (readonly [string, string])[] = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'],
  ['/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf'],
  ['/usr/share/fonts/truetype/freefont/FreeSans.ttf', '/usr/share/fonts/truetype/freefont/FreeSansBold.ttf'],
  ['/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf', '/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf'],
];

export interface X11GreeterOptions extends ConnectOptions {
  /** Override the font search: [regular, bold] TrueType files. */
  fonts?: readonly [string, string];
  log?: Logger;
  /** The window's WM_NAME, which tests use to find it. */
  windowName?: string;
  /** The greeter's words (default English; the CLI picks LDM_LANGUAGE, else LANG). */
  texts?: Texts;
  /** LDM_THEME's directory: colours, logo and background (a missing one: the built-in look). */
  themeDir?: string;
}

/** The X cursor font's left_ptr arrow (its mask is the next glyph). */
const LEFT_PTR = 68;

export class X11Greeter implements Greeter {
  private form: LoginForm | undefined;
  /** A message given before the first ask() (the flow's "connection lost" notice). */
  private earlyMessage: { text: string; kind: 'info' | 'error' } | undefined;
  private window = 0;
  private gc = 0;
  private pendingAnswer: { resolve(a: GreeterAnswer): void; reject(e: Error): void } | undefined;
  private pendingPrompt: { resolve(s: string): void; reject(e: Error): void } | undefined;
  private events: Promise<void> = Promise.resolve();
  private ticker: NodeJS.Timeout | undefined;
  private lastMinute = -1;
  private readonly composer = new DeadKeyComposer();
  private closed = false;
  /** Why the X connection broke, if it did: every later call fails with it. */
  private broken: X11Error | undefined;

  private constructor(
    private readonly x: X11Connection,
    private keymap: Keymap,
    private readonly painter: GreeterPainter,
    private readonly pixelFormat: PixelFormat,
    private readonly log: Logger,
    private readonly windowName: string,
    private readonly t: Texts,
  ) {
    x.onEvent((e) => {
      this.events = this.events.then(() => this.handle(e)).catch((err: unknown) => this.log.warn({ err }, 'greeter event failed'));
    });
    // A failed drawing request is not worth ending a login over; a lost X server is.
    x.onError((e) => this.log.warn({ err: e.message }, 'X greeter: request failed'));
    x.onLost((e) => {
      this.broken = e;
      this.failed(e);
    });
  }

  /** Connect to the display and load fonts and keymap; the window appears at the first ask(). */
  static async open(opts: X11GreeterOptions = {}): Promise<X11Greeter> {
    const fonts = loadFonts(opts.fonts);
    const x = await X11Connection.open(opts);
    try {
      const screen = x.screen;
      const pixelFormat = pixelFormatOf(x);
      const keymap = await loadKeymap(x);
      const log = opts.log ?? silentLogger;
      const theme = opts.themeDir ? await loadTheme(opts.themeDir) : undefined;
      for (const p of theme?.problems ?? []) log.warn({ theme: opts.themeDir }, `LDM_THEME: ${p}`);
      const t = opts.texts ?? texts('en');
      const painter = new GreeterPainter(screen.width, screen.height, fonts, { texts: t, ...(theme ? { theme } : {}) });
      return new X11Greeter(x, keymap, painter, pixelFormat, log, opts.windowName ?? 'ltsp-agent greeter', t);
    } catch (e) {
      x.close();
      throw e;
    }
  }

  async ask(setup: GreeterSetup): Promise<GreeterAnswer> {
    if (this.broken) throw this.broken;
    if (this.closed) throw new X11Error('the greeter is closed');
    const form = new LoginForm(setup, this.t);
    if (this.form) form.keepFrom(this.form); // asked again after a failed login
    form.message ??= this.earlyMessage;
    this.earlyMessage = undefined;
    this.form = form;
    form.startLogin();
    if (this.window === 0) this.show();
    this.render();
    return new Promise((resolve, reject) => (this.pendingAnswer = { resolve, reject }));
  }

  async message(text: string, kind: 'info' | 'error'): Promise<void> {
    if (this.closed) return;
    if (!this.form) {
      this.earlyMessage = { text, kind };
      return;
    }
    this.form.message = { text, kind };
    this.render();
  }

  async prompt(text: string, echo: boolean): Promise<string> {
    if (this.broken) throw this.broken;
    if (!this.form || this.closed) throw new X11Error('prompt() before ask(): the greeter has no window yet');
    this.form.startPrompt(text, echo);
    this.render();
    return new Promise((resolve, reject) => (this.pendingPrompt = { resolve, reject }));
  }

  /** The words the greeter shows now (what its last paint drew). */
  shownTexts(): readonly string[] {
    return this.painter.drawnTexts;
  }

  /** Resolves once the X server has handled everything drawn so far (tests, screenshots). */
  async drawn(): Promise<void> {
    await this.events;
    await this.x.request(X.getInputFocus());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    if (this.window !== 0) {
      this.x.send(X.destroyWindow(this.window));
      await this.x.request(X.getInputFocus()).catch(() => undefined); // wait until the server has done it
    }
    this.x.close();
    this.failed(new X11Error('the greeter was closed'));
  }

  private show(): void {
    const x = this.x;
    const s = x.screen;
    this.window = x.newId();
    x.send(
      X.createWindow(this.window, s.root, { x: 0, y: 0, width: s.width, height: s.height }, new Map([
        [X.WindowAttr.BackgroundPixel, s.blackPixel],
        [X.WindowAttr.OverrideRedirect, 1],
        [X.WindowAttr.EventMask, X.EventMask.KeyPress | X.EventMask.ButtonPress | X.EventMask.Exposure],
      ])),
    );
    this.gc = x.newId();
    x.send(X.createGC(this.gc, this.window, new Map([[X.GCAttr.GraphicsExposures, 0]])));
    const cursorFont = x.newId();
    const cursor = x.newId();
    x.send(X.openFont(cursorFont, 'cursor'));
    x.send(X.createGlyphCursor(cursor, cursorFont, LEFT_PTR, [0, 0, 0], [0xffff, 0xffff, 0xffff]));
    x.send(X.changeWindowAttributes(this.window, new Map([[X.WindowAttr.Cursor, cursor]])));
    x.send(X.mapWindow(this.window));
    x.send(X.raiseWindow(this.window));
    x.send(X.setInputFocus(this.window));
    // The name comes last: whoever finds the window by name (xdotool in tests) then knows
    // it is mapped and focused, because X handles one client's requests in order.
    x.send(X.setProperty8(this.window, X.Atom.WM_NAME, X.Atom.STRING, Buffer.from(this.windowName, 'latin1')));
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref();
  }

  private tick(): void {
    const form = this.form;
    if (!form) return;
    const countdown = form.guestIn !== undefined;
    const result = form.tick();
    const minute = new Date().getMinutes();
    if (result) this.act(result);
    if (countdown || minute !== this.lastMinute || result) this.render();
  }

  private async handle(e: X.XEvent): Promise<void> {
    const form = this.form;
    switch (e.type) {
      case 'KeyPress': {
        if (!form) return;
        this.act(form.key(this.composer.feed(this.keymap.lookup(e.keycode, e.state))));
        this.render();
        return;
      }
      case 'ButtonPress': {
        if (!form || e.button !== 1) return;
        this.x.send(X.setInputFocus(this.window));
        const hit = this.painter.hitTest(e.x, e.y);
        if (hit) this.act(form.click(hit.field, hit.part));
        this.render();
        return;
      }
      case 'Expose':
        this.sendRect({ x: e.x, y: e.y, width: e.width, height: e.height });
        return;
      case 'MappingNotify':
        // Someone (setxkbmap, xdotool) changed the layout: take the new one before the next key.
        if (e.request !== 'pointer') this.keymap = await loadKeymap(this.x);
        return;
      default:
        return;
    }
  }

  /** Hand a finished answer to whoever waits for it; the password becomes a registered secret first. */
  private act(result: FormResult): void {
    if (!result) return;
    if (result.kind === 'answer') {
      if (result.answer.kind === 'login') registerSecret(result.answer.password);
      const p = this.pendingAnswer;
      this.pendingAnswer = undefined;
      p?.resolve(result.answer);
    } else {
      if (this.form && !this.form.prompt.echo) registerSecret(result.text);
      const p = this.pendingPrompt;
      this.pendingPrompt = undefined;
      p?.resolve(result.text);
    }
  }

  private render(): void {
    if (!this.form || this.window === 0 || this.closed) return;
    const now = new Date();
    this.lastMinute = now.getMinutes();
    for (const r of this.painter.paint(this.form, now)) this.sendRect(r);
  }

  /** Send part of the frame to the window, in strips that fit the server's request size limit. */
  private sendRect(r: X.Rect): void {
    const { width: sw, height: sh } = this.painter;
    const x0 = Math.max(0, r.x);
    const y0 = Math.max(0, r.y);
    const w = Math.min(sw, r.x + r.width) - x0;
    const h = Math.min(sh, r.y + r.height) - y0;
    if (w <= 0 || h <= 0) return;
    const fmt = this.pixelFormat;
    const stride = Math.ceil((w * fmt.bitsPerPixel) / fmt.scanlinePad) * (fmt.scanlinePad / 8);
    const rowsPerRequest = Math.max(1, Math.floor((this.x.info.maxRequestLength * 4 - 64) / stride));
    for (let y = y0; y < y0 + h; y += rowsPerRequest) {
      const rows = Math.min(rowsPerRequest, y0 + h - y);
      const data = encodeImage(this.painter.frame, x0, y, w, rows, fmt);
      this.x.send(X.putImage(this.window, this.gc, { x: x0, y, width: w, height: rows }, this.x.screen.rootDepth, data));
    }
  }

  private failed(e: Error): void {
    if (!this.closed) this.log.warn({ err: e.message }, 'X greeter: lost the X server');
    clearInterval(this.ticker);
    const [a, p] = [this.pendingAnswer, this.pendingPrompt];
    this.pendingAnswer = this.pendingPrompt = undefined;
    a?.reject(e);
    p?.reject(e);
  }
}

function pixelFormatOf(x: X11Connection): PixelFormat {
  const screen = x.screen;
  const visual = screen.rootVisual;
  if (visual.class !== 4 && visual.class !== 5) throw new X11Error('the X server has no TrueColor visual (a depth of 16 or 24 bits is needed)');
  const format = x.info.formats.find((f) => f.depth === screen.rootDepth);
  if (!format) throw new X11Error(`no pixmap format for depth ${screen.rootDepth}`);
  return {
    bitsPerPixel: format.bitsPerPixel,
    scanlinePad: format.scanlinePad,
    redMask: visual.redMask,
    greenMask: visual.greenMask,
    blueMask: visual.blueMask,
    byteOrder: x.info.imageByteOrder,
  };
}

/**
 * A notice over the running session (the power-off that waits for the logout): a banner at the
 * top of the screen, above the session's windows, until close() or a click on it.
 */
export async function showX11Notice(opts: ConnectOptions & { fonts?: readonly [string, string]; windowName?: string }, text: string): Promise<{ close(): Promise<void> }> {
  const fonts = loadFonts(opts.fonts);
  const x = await X11Connection.open(opts);
  try {
    const fmt = pixelFormatOf(x);
    const s = x.screen;
    const font = fonts.bold(18);
    const width = Math.min(s.width, Math.round(font.measure(text)) + 64);
    const height = 56;
    const canvas = new Canvas(width, height);
    canvas.fillRect(0, 0, width, height, 0x7a1f14);
    canvas.fillRect(0, height - 4, width, 4, 0xf2b705);
    canvas.text(32, 35, text, font, 0xffffff);
    const win = x.newId();
    const left = Math.max(0, Math.round((s.width - width) / 2));
    x.send(X.createWindow(win, s.root, { x: left, y: 0, width, height }, new Map([
      [X.WindowAttr.BackgroundPixel, s.blackPixel],
      [X.WindowAttr.OverrideRedirect, 1],
      [X.WindowAttr.EventMask, X.EventMask.ButtonPress | X.EventMask.Exposure],
    ])));
    const gc = x.newId();
    x.send(X.createGC(gc, win, new Map([[X.GCAttr.GraphicsExposures, 0]])));
    const paint = () => {
      const stride = Math.ceil((width * fmt.bitsPerPixel) / fmt.scanlinePad) * (fmt.scanlinePad / 8);
      const rows = Math.max(1, Math.floor((x.info.maxRequestLength * 4 - 64) / stride));
      for (let y = 0; y < height; y += rows) {
        const n = Math.min(rows, height - y);
        x.send(X.putImage(win, gc, { x: 0, y, width, height: n }, s.rootDepth, encodeImage(canvas, 0, y, width, n, fmt)));
      }
    };
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      x.send(X.destroyWindow(win));
      await x.request(X.getInputFocus()).catch(() => undefined);
      x.close();
    };
    x.onEvent((e) => {
      if (e.type === 'Expose') paint();
      else if (e.type === 'ButtonPress') void close();
    });
    x.onError(() => undefined);
    x.send(X.mapWindow(win));
    x.send(X.raiseWindow(win));
    x.send(X.setProperty8(win, X.Atom.WM_NAME, X.Atom.STRING, Buffer.from(opts.windowName ?? 'ltsp-agent notice', 'latin1')));
    await x.request(X.getInputFocus());
    return { close };
  } catch (e) {
    x.close();
    throw e;
  }
}

async function loadKeymap(x: X11Connection): Promise<Keymap> {
  const { minKeycode, maxKeycode } = x.info;
  const [kb, mods] = await Promise.all([x.request(X.getKeyboardMapping(minKeycode, maxKeycode - minKeycode + 1)), x.request(X.getModifierMapping())]);
  const { perKeycode, keysyms } = X.decodeKeyboardMapping(kb);
  return new Keymap(minKeycode, perKeycode, keysyms, X.decodeModifierMapping(mods));
}

function loadFonts(override: readonly [string, string] | undefined): Fonts {
  const candidates = override ? [override] : FONT_CANDIDATES;
  for (const [regularFile, boldFile] of candidates) {
    let regular: TrueTypeFont;
    try {
      regular = new TrueTypeFont(readFileSync(regularFile));
    } catch {
      continue;
    }
    let bold = regular;
    try {
      bold = new TrueTypeFont(readFileSync(boldFile));
    } catch {
      /* a regular face alone will do */
    }
    const sized = (font: TrueTypeFont) => {
      const cache = new Map<number, ScaledFont>();
      return (px: number) => cache.get(px) ?? cache.set(px, new ScaledFont(font, px)).get(px)!;
    };
    return { regular: sized(regular), bold: sized(bold) };
  }
  throw new X11Error(`no TrueType font found (looked for ${candidates.map((c) => c[0]).join(', ')}); install fonts-dejavu-core in the client chroot`);
}
