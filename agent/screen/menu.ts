// The menu screen's text (LTSP 5 drew it with whiptail): the title, a page of at most
// MENU_LISTHEIGHT numbered entries, and what a typed answer means. Pure; the runner writes the
// text to the terminal and reads the answer.

export type MenuAnswer = { readonly kind: 'item'; readonly index: number } | { readonly kind: 'page'; readonly page: number } | { readonly kind: 'invalid' };

export function menuPages(count: number, listHeight: number): number {
  return Math.max(1, Math.ceil(count / Math.max(1, listHeight)));
}

export function renderMenu(title: string, labels: readonly string[], listHeight: number, page: number): string {
  const per = Math.max(1, listHeight);
  const pages = menuPages(labels.length, per);
  const first = page * per;
  const lines = ['\x1b[H\x1b[2J', title.trim(), ''];
  labels.slice(first, first + per).forEach((label, i) => lines.push(`  ${first + i + 1}) ${label}`));
  if (labels.length === 0) lines.push('  (no entries: see MENU_ITEM_nn / MENU_COMMAND_nn in lts.conf)');
  if (pages > 1) lines.push('', `  page ${page + 1}/${pages}: n) next page  p) previous page`);
  lines.push('', labels.length > 0 ? `Choice [1-${labels.length}]: ` : '');
  return lines.join('\n');
}

export function menuAnswer(line: string, count: number, listHeight: number, page: number): MenuAnswer {
  const a = line.trim().toLowerCase();
  const pages = menuPages(count, listHeight);
  if (a === 'n' && pages > 1) return { kind: 'page', page: (page + 1) % pages };
  if (a === 'p' && pages > 1) return { kind: 'page', page: (page + pages - 1) % pages };
  if (/^\d{1,3}$/.test(a)) {
    const n = Number(a);
    if (n >= 1 && n <= count) return { kind: 'item', index: n - 1 };
  }
  return { kind: 'invalid' };
}
