// The help texts of every ltsp-agent command, as the bundle prints them: the source of the
// ltsp-agent(8) man page and of the bash completion's options (tools/gen-man.ts,
// tools/gen-completion.ts). The command list comes from the main help's "Commands:" block.

import { spawnSync } from 'node:child_process';

export interface CommandHelp {
  /** The words after "ltsp-agent": ['boot'], ['config', 'explain'], ['--dry-run']. */
  readonly words: readonly string[];
  /** The --help text, as printed. */
  readonly text: string;
}

function runHelp(bundle: string, args: readonly string[]): string {
  const r = spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', env: { ...process.env, LTSP_AGENT_CODE_CACHE: 'off' } });
  // getltscfg prints its usage on stderr, as LTSP 5's did.
  const text = r.stdout || r.stderr;
  if (!/^Usage: /.test(text)) throw new Error(`ltsp-agent ${args.join(' ')}: no help text (exit ${r.status}): ${r.stderr}`);
  return text;
}

/** The main help text and one help per command named in it. */
export function collectHelp(bundle: string): { main: string; commands: CommandHelp[]; version: string } {
  const main = runHelp(bundle, ['--help']);
  const version = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8' }).stdout.trim().replace(/^ltsp-agent /, '');
  const block = /\nCommands:\n((?: {2}.*\n)+)/.exec(main)?.[1] ?? '';
  const commands: CommandHelp[] = [];
  for (const line of block.split('\n')) {
    const term = /^ {2}(\S.*?)(?: {2,}|$)/.exec(line)?.[1];
    if (!term || term.includes(',')) continue; // "--version, --help"
    const words: string[] = [];
    for (const w of term.split(' ')) {
      if (!/^(--)?[a-z][a-z-]*$/.test(w)) break;
      words.push(w);
    }
    if (words.length > 0) commands.push({ words, text: runHelp(bundle, [...words, '--help']) });
  }
  if (commands.length === 0) throw new Error('no commands found in ltsp-agent --help');
  return { main, commands, version };
}

/**
 * The options a command's help names: the terms of its option lines ("  -o, --output FILE  ...",
 * getltscfg's "[{-c|--configfile} <configfile>]") and those listed in an "Options:" paragraph
 * (config explain's "the client options of --dry-run (--lts-conf, --mac, ...)"). Other
 * commands named there (--dry-run) are not options of this one.
 */
export function helpOptions(help: CommandHelp): string[] {
  const found = new Set<string>();
  const add = (s: string) => {
    for (const m of s.matchAll(/(?:^|[\s,(\[{|])(--?[A-Za-z][A-Za-z0-9-]*)/g)) {
      if (/^-[A-Za-z]$|^--[a-z][a-z0-9-]+$/.test(m[1]!)) found.add(m[1]!);
    }
  };
  const paragraphs = help.text.split(/\n\s*\n/);
  for (const p of paragraphs) {
    if (/^Options: \S/.test(p)) {
      add(p.slice('Options:'.length));
      continue;
    }
    for (const line of p.split('\n')) {
      const term = /^\s+(?:Options:\s+)?([-[].*?)(?: {2,}|$)/.exec(line)?.[1];
      if (term) add(term);
    }
  }
  if (help.words[0] !== '--dry-run') found.delete('--dry-run');
  return [...found].sort();
}

/**
 * What each option of a command's help takes, from the word after it in its option line:
 * "--lts-conf FILE" -> FILE, "--greeter x11|console|ldm" -> that, "[{-c|--configfile}
 * <configfile>]" -> <configfile>; flags map to "".
 */
export function optionArguments(help: CommandHelp): Map<string, string> {
  const out = new Map<string, string>();
  for (const opt of helpOptions(help)) out.set(opt, '');
  for (const line of help.text.split('\n')) {
    const term = /^\s+(?:Options:\s+)?([-[].*?)(?: {2,}|$)/.exec(line)?.[1];
    if (!term) continue;
    // The options, then the one word naming the argument (the description may follow after a
    // single space, as in "--server HOST[:PORT] log in to ...").
    const words = term.replace(/[[\]{}]/g, ' ').split(/[\s,]+/).filter(Boolean);
    const opts: string[] = [];
    let arg = '';
    for (const w of words) {
      const alternatives = w.split('|');
      if (alternatives.every((a) => out.has(a))) opts.push(...alternatives);
      else {
        arg = w;
        break;
      }
    }
    if (arg) for (const o of opts) out.set(o, arg);
  }
  return out;
}
