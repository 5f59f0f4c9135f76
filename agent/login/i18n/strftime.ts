// LDM_CLOCK_FORMAT: the strftime conversions the planner accepts (agent/steps/greeter-settings.ts),
// with day and month names in the greeter's language (Intl), local time.

const pad = (n: number, w = 2, c = '0') => String(n).padStart(w, c);

export function strftime(format: string, d: Date, language = 'en'): string {
  const name = (o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(language, o).format(d);
  const h12 = d.getHours() % 12 || 12;
  const start = new Date(d.getFullYear(), 0, 1);
  const conv: Record<string, () => string> = {
    a: () => name({ weekday: 'short' }),
    A: () => name({ weekday: 'long' }),
    b: () => name({ month: 'short' }),
    h: () => name({ month: 'short' }),
    B: () => name({ month: 'long' }),
    c: () => name({ dateStyle: 'medium', timeStyle: 'medium' }),
    d: () => pad(d.getDate()),
    e: () => pad(d.getDate(), 2, ' '),
    H: () => pad(d.getHours()),
    I: () => pad(h12),
    k: () => pad(d.getHours(), 2, ' '),
    l: () => pad(h12, 2, ' '),
    m: () => pad(d.getMonth() + 1),
    M: () => pad(d.getMinutes()),
    p: () => (d.getHours() < 12 ? 'AM' : 'PM'),
    S: () => pad(d.getSeconds()),
    y: () => pad(d.getFullYear() % 100),
    Y: () => String(d.getFullYear()),
    x: () => name({ dateStyle: 'short' }),
    X: () => name({ timeStyle: 'medium' }),
    R: () => `${pad(d.getHours())}:${pad(d.getMinutes())}`,
    T: () => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
    D: () => `${pad(d.getMonth() + 1)}/${pad(d.getDate())}/${pad(d.getFullYear() % 100)}`,
    F: () => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    j: () => pad(Math.floor((d.getTime() - start.getTime()) / 86_400_000) + 1, 3),
    Z: () => new Intl.DateTimeFormat(language, { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '',
    n: () => ' ',
    t: () => ' ',
    '%': () => '%',
  };
  return format.replace(/%(.?)/g, (m, c: string) => conv[c]?.() ?? m);
}
