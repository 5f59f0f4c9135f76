// How the graphical greeter looks: a calm gradient, a centred card with the client's name,
// the clock, the fields and buttons, and a bottom bar with the keyboard layout and the
// power choices. It paints a LoginForm into a Canvas and says which rectangles changed and
// where the clickable things are; it knows nothing about X.

import { Canvas, mix, type Color } from './canvas.ts';
import type { ChoiceId, FieldId, LoginForm, TextField } from './greeter-form.ts';
import type { Rect } from './protocol.ts';
import type { ScaledFont } from './truetype.ts';
import type { Theme } from './theme.ts';
import type { Image } from './png.ts';
import { texts, type Texts } from '../i18n/index.ts';
import { strftime } from '../i18n/strftime.ts';

export interface Fonts {
  regular(px: number): ScaledFont;
  bold(px: number): ScaledFont;
}

export interface HitRegion extends Rect {
  readonly field: FieldId;
  readonly part: 'prev' | 'next' | 'body';
}

const C = {
  skyTop: 0x173a57,
  skyBottom: 0x0a1826,
  glow: 0x2f6d93,
  bar: 0x081320,
  card: 0xffffff,
  header: 0x245f88,
  headerText: 0xffffff,
  headerMuted: 0xc4dcec,
  text: 0x1d2733,
  muted: 0x66768a,
  fieldBg: 0xf4f6f9,
  fieldBorder: 0xcfd8e1,
  accent: 0x2b79b0,
  accentDark: 0x1d5d8a,
  disabled: 0xa9b4bf,
  error: 0xb3261e,
  errorBg: 0xfcebea,
  infoBg: 0xe7f0f8,
  good: 0x2e7d32,
  fair: 0xa86400,
  barText: 0xd5e2ee,
} as const;

const CARD_WIDTH = 440;
const PAD = 32;
const RADIUS = 14;
const BAR_HEIGHT = 48;
const SHADOW = 18;

export class GreeterPainter {
  /** What is on screen (the full root-sized picture). */
  readonly frame: Canvas;
  private readonly background: Canvas;
  private previousCard: Rect | undefined;
  /** The card's empty look (shadow, card, header) for one position and size: it is costly to blend. */
  private cardBase: { key: string; pixels: Uint32Array } | undefined;
  private hits: HitRegion[] = [];
  /** Every text the last paint() drew, in order (tests check the words without a screenshot). */
  drawnTexts: string[] = [];

  private readonly t: Texts;
  private readonly barText: Color;

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly fonts: Fonts,
    look: { texts?: Texts; theme?: Theme } = {},
  ) {
    this.t = look.texts ?? texts('en');
    this.barText = look.theme?.foreground ?? C.barText;
    this.background = paintBackground(width, height, look.theme);
    this.frame = new Canvas(width, height);
    this.frame.pixels.set(this.background.pixels);
    const draw = this.frame.text.bind(this.frame);
    this.frame.text = (x, baseline, text, font, color) => (this.drawnTexts.push(text), draw(x, baseline, text, font, color));
  }

  /** Repaint everything that depends on the form; returns the rectangles to send to the screen. */
  paint(form: LoginForm, now: Date): Rect[] {
    this.hits = [];
    this.drawnTexts = [];
    // The bar first: on a screen too small for both, the card covers the bar, not the reverse.
    const bar = this.paintBar(form);
    const card = this.paintCard(form, now);
    const dirty = [card, bar];
    if (this.previousCard) dirty[0] = union(this.previousCard, card);
    this.previousCard = card;
    return dirty;
  }

  /** The field (and which part of it) at screen position (x, y). */
  hitTest(x: number, y: number): HitRegion | undefined {
    return this.hits.find((h) => x >= h.x && x < h.x + h.width && y >= h.y && y < h.y + h.height);
  }

  private restore(r: Rect): void {
    const y0 = Math.max(0, r.y);
    const y1 = Math.min(this.height, r.y + r.height);
    for (let y = y0; y < y1; y++) {
      const from = y * this.width + Math.max(0, r.x);
      this.frame.pixels.set(this.background.pixels.subarray(from, y * this.width + Math.min(this.width, r.x + r.width)), from);
    }
  }

  private clip(r: Rect): Rect {
    const x = Math.max(0, r.x);
    const y = Math.max(0, r.y);
    return { x, y, width: Math.min(this.width, r.x + r.width) - x, height: Math.min(this.height, r.y + r.height) - y };
  }

  private grab(r: Rect): Uint32Array {
    const out = new Uint32Array(r.width * r.height);
    for (let row = 0; row < r.height; row++) {
      const from = (r.y + row) * this.width + r.x;
      out.set(this.frame.pixels.subarray(from, from + r.width), row * r.width);
    }
    return out;
  }

  private blit(r: Rect, pixels: Uint32Array): void {
    for (let row = 0; row < r.height; row++) this.frame.pixels.set(pixels.subarray(row * r.width, (row + 1) * r.width), (r.y + row) * this.width + r.x);
  }

  private paintCard(form: LoginForm, now: Date): Rect {
    const f = this.fonts;
    const c = this.frame;
    // Small screens (800x600) get a tighter card: labels beside the fields, a lower header.
    const compact = this.height < 720;
    const headerH = compact ? 74 : 92;
    const x = Math.round((this.width - CARD_WIDTH) / 2);
    const h = this.cardBody(form, x, 0, headerH, compact, false);
    const y = Math.max(SHADOW, Math.round((this.height - BAR_HEIGHT - h) / 2));
    const area = this.clip({ x: x - SHADOW, y: y - SHADOW, width: CARD_WIDTH + 2 * SHADOW, height: h + 2 * SHADOW + 8 });
    this.restore(this.previousCard ? union(this.previousCard, area) : area);
    const key = `${x},${y},${h}`;
    if (this.cardBase?.key === key) {
      this.blit(area, this.cardBase.pixels);
    } else {
      for (let i = SHADOW; i > 0; i -= 2) c.fillRoundRect(x - i / 2, y - i / 2 + 6, CARD_WIDTH + i, h + i, RADIUS + i / 2, 0x000000, 0.035);
      c.fillRoundRect(x, y, CARD_WIDTH, h, RADIUS, C.card);
      c.fillRoundRect(x, y, CARD_WIDTH, headerH, RADIUS, C.header);
      c.fillRect(x, y + headerH - RADIUS, CARD_WIDTH, RADIUS, C.header);
      this.cardBase = { key, pixels: this.grab(area) };
    }

    // Header: who this client is, and the time.
    const { hostname, ip } = form.setup.title;
    const custom = form.setup.clockFormat;
    const clock = custom ? strftime(custom, now, this.t.language) : now.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    const clockFont = custom && [...clock].length > 5 ? f.bold(16) : f.bold(compact ? 26 : 30);
    const clockW = clockFont.measure(clock);
    const line1 = y + (compact ? 36 : 44);
    const line2 = y + (compact ? 58 : 70);
    c.text(x + CARD_WIDTH - PAD - clockW, line1 + 4, clock, clockFont, C.headerText);
    c.text(x + PAD, line1, fit(hostname, f.bold(22), CARD_WIDTH - 2 * PAD - clockW - 16), f.bold(22), C.headerText);
    const date = custom ? '' : now.toLocaleDateString(this.t.language, { weekday: 'long', day: 'numeric', month: 'long' });
    c.text(x + PAD, line2, ip ?? this.t('thinClient'), f.regular(14), C.headerMuted);
    c.text(x + CARD_WIDTH - PAD - f.regular(14).measure(date), line2, date, f.regular(14), C.headerMuted);

    this.cardBody(form, x, y, headerH, compact, true);
    return area;
  }

  /**
   * Lays out the card below its header, top to bottom, and returns the card's height. The
   * same code measures (paint false) and draws (paint true), so the two cannot disagree.
   */
  private cardBody(form: LoginForm, x: number, y: number, headerH: number, compact: boolean, paint: boolean): number {
    const f = this.fonts;
    const c = this.frame;
    const inner = CARD_WIDTH - 2 * PAD;
    const left = x + PAD;
    const enabled = form.mode !== 'busy';
    const gap = compact ? 10 : 14;
    let cy = y + headerH + (compact ? 20 : 26);
    const label = (text: string, baseline: number) => paint && c.text(left, baseline, text, f.bold(13), C.muted);
    if (form.mode === 'prompt' || (form.mode === 'busy' && form.focus === 'answer')) {
      for (const line of wrap(form.prompt.text, f.regular(16), inner)) {
        if (paint) c.text(left, cy + 14, line, f.regular(16), C.text);
        cy += 22;
      }
      cy += 8;
      if (paint) this.textField('answer', form.answer, !form.prompt.echo, left, cy, inner, form, enabled);
      cy += 42 + 22;
      if (paint) this.button('answer', this.t('continue'), left, cy, inner, 44, 'primary', false, enabled); // the focus stays in the field
      cy += 44 + 18;
    } else {
      for (const [id, text, hidden] of [['user', this.t('user'), false], ['password', this.t('password'), true]] as const) {
        const field = id === 'user' ? form.user : form.password;
        if (compact) {
          label(text, cy + 26);
          if (paint) this.textField(id, field, hidden, left + 96, cy, inner - 96, form, enabled);
        } else {
          label(text, cy + 10);
          cy += 18;
          if (paint) this.textField(id, field, hidden, left, cy, inner, form, enabled);
        }
        cy += 42 + gap;
      }
      cy += 4;
      for (const [id, text] of [['server', this.t('server')], ['session', this.t('session')], ['language', this.t('language')]] as const) {
        if (!form.choices[id]) continue;
        label(text, cy + 23);
        if (paint) this.choice(id, form, left + 96, cy, inner - 96, enabled);
        cy += compact ? 40 : 44;
      }
      cy += compact ? 6 : 8;
      if (paint) this.button('login', form.mode === 'busy' ? this.t('loggingIn') : this.t('login'), left, cy, inner, 44, 'primary', enabled && form.focus === 'login', enabled);
      cy += 44 + 12;
      const countdown = form.guestIn !== undefined && form.user.text === '' ? form.guestIn : undefined;
      if (form.setup.allowGuest) {
        if (paint) this.button('guest', countdown !== undefined ? this.t('guestIn', { s: countdown }) : this.t('guest'), left, cy, inner, 40, 'secondary', enabled && form.focus === 'guest', enabled);
        cy += 40 + 12;
      } else if (form.setup.loginTimeoutS) {
        // The line keeps its place when the countdown stops, so the card does not jump.
        const note = countdown !== undefined ? this.t('autoLoginIn', { s: countdown }) : '';
        if (paint && note) c.text(x + (CARD_WIDTH - f.regular(13).measure(note)) / 2, cy + 14, note, f.regular(13), C.muted);
        cy += 24;
      }
      cy += compact ? 0 : 6;
    }
    if (!form.message && paint && !form.choices.server) {
      // The message line's place, while empty, says where the login goes (there is no server choice to show it).
      const hint = this.t('loginTo', { server: form.setup.defaultServer });
      const font = f.regular(13);
      c.text(x + (CARD_WIDTH - font.measure(fit(hint, font, inner))) / 2, cy + 22, fit(hint, font, inner), font, C.muted);
    }
    const messageH = form.message ? this.messageLine(form, left, cy, inner, paint) : 34;
    return cy + messageH + (compact ? 24 : PAD) - y;
  }

  private textField(id: FieldId, field: TextField, hidden: boolean, x: number, y: number, w: number, form: LoginForm, enabled: boolean): void {
    const c = this.frame;
    const focused = enabled && form.focus === id;
    c.fillRoundRect(x, y, w, 42, 7, focused ? 0xffffff : C.fieldBg);
    c.strokeRoundRect(x, y, w, 42, 7, focused ? 2 : 1, focused ? C.accent : C.fieldBorder);
    this.hits.push({ field: id, part: 'body', x, y, width: w, height: 42 });
    const font = this.fonts.regular(hidden ? 15 : 16);
    const shown = hidden ? '•'.repeat([...field.text].length) : field.text;
    const { text, cursorX } = visibleText(shown, field.cursor, font, w - 28);
    c.text(x + 14, y + 27, text, font, enabled ? C.text : C.disabled);
    if (focused) c.fillRect(x + 15 + cursorX, y + 11, 2, 21, C.accent);
  }

  private choice(id: ChoiceId, form: LoginForm, x: number, y: number, w: number, enabled: boolean): void {
    const c = this.frame;
    const f = this.fonts;
    const choice = form.choices[id]!;
    const opt = choice.options[choice.index]!;
    const focused = enabled && form.focus === id;
    c.fillRoundRect(x, y, w, 34, 17, focused ? 0xe6f0f8 : C.fieldBg);
    if (focused) c.strokeRoundRect(x, y, w, 34, 17, 2, C.accent);
    const arrow = f.regular(12);
    const arrowColor = enabled ? (focused ? C.accent : C.muted) : C.disabled;
    c.text(x + 14, y + 22, '◀', arrow, arrowColor);
    c.text(x + w - 14 - arrow.measure('▶'), y + 22, '▶', arrow, arrowColor);
    const noteFont = f.bold(12);
    const noteW = opt.note ? noteFont.measure(opt.note) + 10 : 0;
    const label = fit(opt.label, f.regular(15), w - 72 - noteW);
    const labelW = f.regular(15).measure(label);
    const start = x + (w - labelW - noteW) / 2;
    c.text(start, y + 22, label, f.regular(15), enabled ? C.text : C.disabled);
    if (opt.note) {
      const tone = opt.tone === 'good' ? C.good : opt.tone === 'fair' ? C.fair : opt.tone ? C.error : C.muted;
      c.text(start + labelW + 10, y + 22, opt.note, noteFont, tone);
    }
    this.hits.push({ field: id, part: 'prev', x, y, width: 40, height: 34 }, { field: id, part: 'next', x: x + 40, y, width: w - 40, height: 34 });
  }

  private button(id: FieldId, label: string, x: number, y: number, w: number, h: number, style: 'primary' | 'secondary', focused: boolean, enabled: boolean): void {
    const c = this.frame;
    const font = this.fonts.bold(15);
    if (style === 'primary') {
      if (focused) c.fillRoundRect(x - 3, y - 3, w + 6, h + 6, 10, C.accent, 0.3);
      c.fillRoundRect(x, y, w, h, 8, enabled ? (focused ? C.accentDark : C.accent) : C.disabled);
      c.text(x + (w - font.measure(label)) / 2, y + h / 2 + 6, label, font, 0xffffff);
    } else {
      c.fillRoundRect(x, y, w, h, 8, focused ? 0xe6f0f8 : 0xffffff);
      c.strokeRoundRect(x, y, w, h, 8, focused ? 2 : 1, enabled ? C.accent : C.disabled);
      c.text(x + (w - font.measure(label)) / 2, y + h / 2 + 6, label, font, enabled ? C.accentDark : C.disabled);
    }
    this.hits.push({ field: id, part: 'body', x, y, width: w, height: h });
  }

  /** The status or error line, wrapped to two lines at most; returns its height. */
  private messageLine(form: LoginForm, x: number, y: number, w: number, paint: boolean): number {
    const m = form.message!;
    const font = this.fonts.regular(14);
    const lines = wrap(m.text, font, w - 28, 2);
    const h = 14 + 20 * lines.length;
    if (!paint) return h;
    const c = this.frame;
    const error = m.kind === 'error';
    c.fillRoundRect(x, y, w, h, 7, error ? C.errorBg : C.infoBg);
    c.fillRoundRect(x, y, 4, h, 2, error ? C.error : C.accent);
    lines.forEach((line, i) => c.text(x + 16, y + 22 + 20 * i, line, font, error ? C.error : C.accentDark));
    return h;
  }

  private paintBar(form: LoginForm): Rect {
    const c = this.frame;
    const f = this.fonts;
    const r = { x: 0, y: this.height - BAR_HEIGHT, width: this.width, height: BAR_HEIGHT };
    this.restore(r);
    c.fillRect(r.x, r.y, r.width, r.height, C.bar);
    c.fillRect(r.x, r.y, r.width, 1, 0x1f3a52);
    const base = r.y + 30;
    let lx = 24;
    lx = c.text(lx, base, 'LTSP', f.bold(15), this.barText) + 18;
    if (form.setup.keyboardLayout) {
      const label = f.regular(14).has(0x2328) ? `⌨  ${form.setup.keyboardLayout}` : this.t('keyboard', { layout: form.setup.keyboardLayout });
      const w = f.regular(14).measure(label) + 20;
      c.fillRoundRect(lx, r.y + 11, w, 26, 13, 0x1c3348);
      c.text(lx + 10, base - 1, label, f.regular(14), this.barText);
    }
    let rx = this.width - 24;
    const entries: Array<readonly [FieldId, string]> = [['shutdown', this.t('shutdown')], ['reboot', this.t('reboot')]];
    // LDM_MENU_ITEM_n entries left of the power buttons, first one leftmost
    (form.setup.menu ?? []).forEach((label, i) => entries.splice(2, 0, [`menu-${i}`, label]));
    for (const [id, label] of entries) {
      const font = f.regular(14);
      const w = font.measure(label) + 28;
      rx -= w;
      const focused = form.mode === 'login' && form.focus === id;
      c.fillRoundRect(rx, r.y + 9, w, 30, 15, focused ? C.accent : 0x16293b);
      c.text(rx + 14, base, label, font, focused ? 0xffffff : this.barText);
      this.hits.push({ field: id, part: 'body', x: rx, y: r.y + 9, width: w, height: 30 });
      rx -= 10;
    }
    return r;
  }
}

function paintBackground(width: number, height: number, theme?: Theme): Canvas {
  const c = new Canvas(width, height);
  if (theme?.backgroundImage) {
    drawImage(c, theme.backgroundImage, 0, 0, width, height, 'cover');
  } else {
    // the theme's background colour (greeter-gtkrc bg[NORMAL]) in place of the built-in sky
    const [top, bottom, glow] = theme?.background !== undefined ? [theme.background, mix(theme.background, 0x000000, 0.35), mix(theme.background, 0xffffff, 0.2)] : [C.skyTop, C.skyBottom, C.glow];
    const cx = width / 2;
    const cy = height * 0.42;
    const sigma2 = (Math.max(width, height) * 0.45) ** 2;
    for (let y = 0; y < height; y++) {
      const sky = mix(top, bottom, y / height);
      for (let x = 0; x < width; x++) {
        const d2 = (x - cx) ** 2 + ((y - cy) * 1.4) ** 2;
        c.pixels[y * width + x] = mix(sky, glow, 0.45 * Math.exp(-d2 / sigma2));
      }
    }
  }
  if (theme?.logo) {
    // the logo at the top, at most 480x120, kept in proportion
    const { logo } = theme;
    const scale = Math.min(1, 480 / logo.width, 120 / logo.height, (width - 48) / logo.width);
    const w = Math.max(1, Math.round(logo.width * scale));
    const h = Math.max(1, Math.round(logo.height * scale));
    drawImage(c, logo, Math.round((width - w) / 2), 24, w, h, 'fit');
  }
  return c;
}

/** An image into a canvas rectangle (nearest neighbour), blended by its alpha; 'cover' crops to fill. */
export function drawImage(c: Canvas, img: Image, x0: number, y0: number, w: number, h: number, mode: 'cover' | 'fit'): void {
  const sx = mode === 'cover' ? Math.min(img.width / w, img.height / h) : img.width / w;
  const sy = mode === 'cover' ? sx : img.height / h;
  const ox = mode === 'cover' ? (img.width - w * sx) / 2 : 0;
  const oy = mode === 'cover' ? (img.height - h * sy) / 2 : 0;
  for (let y = 0; y < h; y++) {
    const py = y0 + y;
    if (py < 0 || py >= c.height) continue;
    const iy = Math.min(img.height - 1, Math.floor(oy + y * sy));
    for (let x = 0; x < w; x++) {
      const px = x0 + x;
      if (px < 0 || px >= c.width) continue;
      const i = iy * img.width + Math.min(img.width - 1, Math.floor(ox + x * sx));
      const a = img.alpha[i]!;
      if (a === 0) continue;
      const at = py * c.width + px;
      c.pixels[at] = a === 255 ? img.rgb[i]! : mix(c.pixels[at]!, img.rgb[i]!, a / 255);
    }
  }
}

const union = (a: Rect, b: Rect): Rect => {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
};

/** Shorten with an ellipsis to fit `width`. */
function fit(text: string, font: ScaledFont, width: number): string {
  if (font.measure(text) <= width) return text;
  const ch = [...text];
  while (ch.length > 0 && font.measure(ch.join('') + '…') > width) ch.pop();
  return ch.join('') + '…';
}

/** Break text into at most `maxLines` lines of `width` pixels, at spaces; the last one may end in "…". */
function wrap(text: string, font: ScaledFont, width: number, maxLines = 6): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const [i, word] of words.entries()) {
    const candidate = line ? `${line} ${word}` : word;
    if (!line || font.measure(candidate) <= width) {
      line = candidate;
      continue;
    }
    if (lines.length === maxLines - 1) {
      line = [line, ...words.slice(i)].join(' ');
      break;
    }
    lines.push(line);
    line = word;
  }
  lines.push(fit(line, font, width));
  return lines;
}

/** The part of a field's text that fits, scrolled so the cursor stays visible. */
function visibleText(text: string, cursor: number, font: ScaledFont, width: number): { text: string; cursorX: number } {
  let ch = [...text];
  let cur = cursor;
  while (ch.length > 0 && font.measure(ch.join('')) > width) {
    if (cur > ch.length / 2) {
      ch = ch.slice(1);
      cur--;
    } else ch = ch.slice(0, -1);
  }
  return { text: ch.join(''), cursorX: font.measure(ch.slice(0, Math.max(0, cur)).join('')) };
}

