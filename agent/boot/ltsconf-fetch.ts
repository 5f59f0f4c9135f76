// lts.conf at boot, as LTSP 5's 05-getltscfgfile did it, but bounded and explained:
//   where:  the directory of BOOT_IMAGE, else of the DHCP boot file name, else /ltsp/<arch>/;
//           the file name from ltsp.ltsconf= (default lts.conf); the server the client booted from.
//   fetch:  over TFTP, never longer than the caller's bound, whatever the server does.
//   keep:   the fetched copy replaces /etc/lts.conf only when it is non-empty and parses as an
//           lts.conf; otherwise the copy already there (the chroot's, or the last good fetch)
//           is used. The returned source says which copy and why, for the plan.
//   include: the fetched copy is the client's /etc/lts.conf, so its `include PATH` lines name
//           client files, relative to /etc, beneath the root (config/ltsconf-load.ts); nothing
//           else is fetched over TFTP.

import type { Logger } from '../core/log.ts';
import { errorMessage, LtspError } from '../core/errors.ts';
import type { FileSystem } from '../exec/files.ts';
import type { ClientFacts } from '../facts/types.ts';
import type { LtsConfSource } from '../plan/plan.ts';
import { MAX_LTSCONF_BYTES } from '../config/ltsconf-parse.ts';
import { CLIENT_LTSCONF, isMissing, parseLtsConfAt, readLtsConfFile } from '../config/ltsconf-load.ts';
import { isSecretKey } from '../config/keys.ts';
import { tftpGet, type GetOptions, type GetResult } from '../net/tftp/client.ts';
import { parseTftpUrl } from '../net/tftp/url.ts';

export const LOCAL_LTSCONF = CLIENT_LTSCONF;

export interface ObtainOptions {
  readonly facts: ClientFacts;
  readonly fs: FileSystem;
  readonly log: Logger;
  /** The longest the boot waits for lts.conf over TFTP, all tries together. */
  readonly timeoutMs: number;
  /** Fetch exactly this tftp:// URL instead of working out server and path (a flag). */
  readonly url?: string;
  /** Injected by tests; defaults to the real client. */
  readonly get?: (opts: GetOptions) => Promise<GetResult>;
}

export interface Obtained {
  readonly bytes: Buffer | undefined;
  readonly source: LtsConfSource;
}

export interface Location {
  readonly server: string;
  readonly port: number;
  /** Paths to try in order; later ones only when the server says "file not found". */
  readonly paths: readonly string[];
  /** How the path was chosen, for the plan. */
  readonly how: string;
}

/** Server and paths to ask, or why there is nothing to ask. Pure. */
export function ltsConfLocation(facts: ClientFacts, url?: string): Location | string {
  if (url !== undefined) {
    const u = parseTftpUrl(url);
    if (typeof u === 'string') return u;
    return { server: u.host, port: u.port, paths: [u.path], how: 'URL given by flag' };
  }
  const server = facts.server?.value;
  if (!server) return 'no LTSP server is known (no ltsp.server=, NBD/NFS root server or DHCP server)';
  const file = facts.cmdlineKeys['LTSCONF'] || 'lts.conf';
  const fileHow = facts.cmdlineKeys['LTSCONF'] ? ` and ltsp.ltsconf=${file}` : '';
  // An absolute ltsp.ltsconf= names the whole path (LTSP 5 would have glued it to the directory).
  if (file.startsWith('/')) return { server, port: 69, paths: [file], how: `ltsp.ltsconf=${file}` };

  const bootImage = facts.bootImage ?? facts.dhcpFilename;
  const what = facts.bootImage !== undefined ? `BOOT_IMAGE=${facts.bootImage}` : facts.dhcpFilename !== undefined ? `DHCP filename ${facts.dhcpFilename}` : undefined;
  const slash = bootImage?.lastIndexOf('/') ?? -1;
  if (bootImage !== undefined && slash >= 0) {
    return { server, port: 69, paths: [bootImage.slice(0, slash + 1) + file], how: `directory of ${what}${fileHow}` };
  }
  const paths = archNames(facts.arch).map((a) => `/ltsp/${a}/${file}`);
  const because = what ? `${what} has no directory` : 'no BOOT_IMAGE or DHCP filename';
  return { server, port: 69, paths, how: `architecture fallback (${because})${fileHow}` };
}

/**
 * uname -m first (LTSP 5's detect_arch), then the name distributions give the chroot
 * (ltsp-build-client makes /opt/ltsp/amd64, /opt/ltsp/i386 on Debian and Ubuntu).
 */
export function archNames(arch: string): string[] {
  const alias: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armv7l: 'armhf', ppc64le: 'ppc64el' };
  const names = [arch];
  if (/^i[3-6]86$/.test(arch)) names.push('i386');
  else if (alias[arch]) names.push(alias[arch]);
  return [...new Set(names)];
}

/**
 * Usable as lts.conf: non-empty, not over the size limit, and at least parses as one (read as
 * the client's /etc/lts.conf beneath `root`, includes included).
 */
export function ltsConfProblem(bytes: Buffer, name: string, root = '/'): string | undefined {
  if (bytes.length === 0) return 'the file is empty';
  if (bytes.length > MAX_LTSCONF_BYTES) return `the file is ${bytes.length} bytes, over the lts.conf limit`;
  try {
    const conf = parseLtsConfAt(bytes, { kind: 'client', root, path: CLIENT_LTSCONF }, name);
    const errors = conf.problems.filter((p) => p.severity !== 'warning');
    if (conf.sections.length === 0 && errors.length > 0) return `it does not parse as lts.conf (${errors[0]!.message}, line ${errors[0]!.where.line ?? '?'})`;
  } catch (e) {
    return errorMessage(e);
  }
  return undefined;
}

/**
 * Whether these lts.conf bytes may hold a secret: a parsed key declared secret, or a line that
 * does not parse (what it meant cannot be told, so it is kept from other users too).
 */
export function holdsSecret(bytes: Buffer, root: string): boolean {
  try {
    const conf = parseLtsConfAt(bytes, { kind: 'client', root, path: CLIENT_LTSCONF }, CLIENT_LTSCONF);
    if (conf.problems.some((p) => p.code === 'LTSP_CONF_SYNTAX' && p.severity !== 'warning')) return true;
    return conf.sections.some((sec) => sec.declarations.some((d) => isSecretKey(d.key)));
  } catch {
    return true;
  }
}

export async function obtainLtsConf(opts: ObtainOptions): Promise<Obtained> {
  const { fs, log } = opts;
  const get = opts.get ?? tftpGet;
  const started = Date.now();
  const where = ltsConfLocation(opts.facts, opts.url);

  let fallbackWhy: string;
  if (typeof where === 'string') {
    fallbackWhy = where;
  } else {
    const attempt = await fetchFirst(where, get, opts.timeoutMs, log);
    if (attempt.ok) {
      const bytes = attempt.data;
      const problem = ltsConfProblem(bytes, attempt.url, fs.root);
      if (problem === undefined) {
        let saved = `saved as ${LOCAL_LTSCONF}`;
        try {
          // A secret may be in it (LDM_PASSWORD, SCREEN_07_LDM_PASSWORD, quoted, on a section
          // line...): the parsed keys say, not a pattern over the text. Then only root reads it.
          const secret = holdsSecret(bytes, fs.root);
          await fs.writeAtomic(LOCAL_LTSCONF, bytes, secret ? 0o600 : 0o644);
        } catch (e) {
          saved = `not saved (${errorMessage(e)})`;
          log.warn({ err: errorMessage(e) }, `lts.conf: could not replace ${LOCAL_LTSCONF}`);
        }
        return {
          bytes,
          source: { used: 'tftp', location: attempt.url, why: `fetched ${bytes.length} bytes in ${attempt.ms} ms (${where.how}); ${saved}` },
        };
      }
      fallbackWhy = `${attempt.url} was not used: ${problem}`;
    } else {
      fallbackWhy = attempt.why;
    }
    log.warn({ why: fallbackWhy, ms: Date.now() - started }, 'lts.conf: TFTP copy not used');
  }

  let local: Buffer | undefined;
  try {
    local = readLtsConfFile({ kind: 'client', root: fs.root, path: LOCAL_LTSCONF }).bytes;
  } catch (e) {
    if (!isMissing(e)) return { bytes: undefined, source: { used: 'none', why: `${fallbackWhy}; ${LOCAL_LTSCONF} is unreadable: ${errorMessage(e)}` } };
  }
  if (local === undefined || local.length === 0) {
    return { bytes: undefined, source: { used: 'none', why: `${fallbackWhy}; and there is no ${LOCAL_LTSCONF} (defaults apply)` } };
  }
  return { bytes: local, source: { used: 'local', location: LOCAL_LTSCONF, why: `${fallbackWhy}; using the ${local.length}-byte copy already in ${LOCAL_LTSCONF}` } };
}

type Attempt = { ok: true; data: Buffer; url: string; ms: number } | { ok: false; why: string };

/** Tries the paths in order within one overall bound; moves on only on "file not found". */
async function fetchFirst(where: Location, get: (o: GetOptions) => Promise<GetResult>, boundMs: number, log: Logger): Promise<Attempt> {
  const deadline = Date.now() + boundMs;
  const tried: string[] = [];
  for (const path of where.paths) {
    const url = `tftp://${where.server}${where.port === 69 ? '' : `:${where.port}`}/${path.replace(/^\//, '')}`;
    const left = deadline - Date.now();
    if (left <= 0) return { ok: false, why: `TFTP: no time left within ${boundMs} ms after trying ${tried.join(', ')}` };
    try {
      // One-frame blocks: a lts.conf is a few blocks anyway, and a network that drops IP
      // fragments must not cost the boot the multi-frame fallback's wait.
      const r = await get({ host: where.server, port: where.port, path, deadlineMs: left, maxBytes: MAX_LTSCONF_BYTES, blksize: 'frame', log });
      return { ok: true, data: r.data, url, ms: Math.round(r.ms) };
    } catch (e) {
      const notFound = e instanceof LtspError && e.code === 'LTSP_TFTP_ERROR' && /TFTP error 1\b/.test(e.message);
      log.debug({ url, err: errorMessage(e) }, 'lts.conf: fetch failed');
      tried.push(url);
      if (!notFound) return { ok: false, why: `TFTP: ${errorMessage(e)}` };
    }
  }
  return { ok: false, why: `TFTP: not found on the server (tried ${tried.join(', ')})` };
}
