// How actions read in the printed plan, the log and error messages. Apart from the executor
// so that --dry-run does not load the executor (and pino) at all.

import { type Action, isClientPath } from './actions.ts';

/** POSIX single-quote quoting, for the printed plan and the env cache file. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** nbd://host[:port]/export, the URI nbdinfo and nbdfuse take. */
export function nbdUri(a: { readonly host: string; readonly port?: number | undefined; readonly export: string }): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host;
  return `nbd://${host}${a.port !== undefined ? `:${a.port}` : ''}/${encodeURIComponent(a.export)}`;
}

export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'mkdir':
      return `mkdir ${a.path}`;
    case 'write-file':
      return `write ${a.path}`;
    case 'append-lines':
      return `append to ${a.path}`;
    case 'symlink':
      return `link ${a.path} -> ${a.target}`;
    case 'remove':
      return `remove ${a.path}`;
    case 'run':
      return `run ${a.argv.map((x) => (isClientPath(x) ? x.path : x)).map(shellQuote).join(' ')}`;
    case 'daemon':
      return `start ${a.name}: ${a.argv.map((x) => (isClientPath(x) ? x.path : x)).map(shellQuote).join(' ')}`;
    case 'sysctl':
      return `sysctl ${a.key}=${a.value}`;
    case 'set-hostname':
      return `hostname ${a.hostname}`;
    case 'forward-agent-log':
      return `forward the agent's own log to ${a.targets.join(' ')}`;
    case 'export-env':
      return `export ${Object.keys(a.vars).join(' ')}`;
    case 'attach-nbd':
      return `attach ${nbdUri(a)} at ${a.link}${a.forSwap ? ' (for swap)' : ''}`;
    case 'swapon-local':
      return `swapon every local swap partition${a.encrypt ? ', encrypted' : ''}`;
  }
}
