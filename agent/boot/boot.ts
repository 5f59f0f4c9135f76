// The boot phase, what init-ltsp runs before the real init: learn who we are, get lts.conf
// (TFTP, else the last good copy), make the plan, apply it, record the timeline. It never
// throws and never exits non-zero for a failed step: the client must reach init and login.

import { Writable } from 'node:stream';
import type { DestinationStream } from 'pino';
import { createLogger, type Logger } from '../core/log.ts';
import { errorMessage, formatProblem } from '../core/errors.ts';
import type { ParsedConf } from '../config/ltsconf-parse.ts';
import { CLIENT_LTSCONF, parseLtsConfAt, type LtsConfPlace } from '../config/ltsconf-load.ts';
import { Executor, type StepResult } from '../exec/executor.ts';
import { Timeline } from '../exec/timeline.ts';
import { gatherFacts, type FactOverrides } from '../facts/gather.ts';
import type { ClientFacts } from '../facts/types.ts';
import type { LtsConfSource, Plan } from '../plan/plan.ts';
import { planToJson } from '../plan/render.ts';
import { makePlan } from './make-plan.ts';

/**
 * Gets lts.conf for the boot: over TFTP with a bound, else the last good copy. `place` says
 * where the bytes live, for their includes: by default the client's /etc/lts.conf (where a
 * fetched copy is saved), so includes are client paths beneath the root; `id` is the file's
 * device:inode when it was read from a file.
 */
export type LtsConfObtainer = (
  facts: ClientFacts,
  exec: Executor,
  log: Logger,
) => Promise<{ bytes: Buffer | undefined; source: LtsConfSource; place?: LtsConfPlace; id?: string }>;

/** Sends the agent's own log lines somewhere once lts.conf says where (SYSLOG_HOST). */
export type LogForwarder = (hosts: string[], hostname: string) => DestinationStream | undefined;

export interface BootOptions {
  root?: string;
  runCommands?: boolean;
  overrides?: FactOverrides;
  obtain: LtsConfObtainer;
  forward?: LogForwarder;
  /** Print one line per step on stdout (the serial console), e.g. "ltsp-agent: step swap ok 120ms". */
  markers?: boolean;
  logLevel?: string;
  human?: boolean;
}

export interface BootReport {
  readonly plan: Plan;
  readonly results: readonly StepResult[];
  readonly timeline: Timeline;
}

/**
 * A log destination that keeps lines until a forwarder is attached, then sends the backlog
 * and everything after. The log starts before lts.conf says where syslog goes, and the
 * server should still get the whole boot.
 */
class LateDestination extends Writable {
  #backlog: Buffer[] = [];
  #target: DestinationStream | undefined;
  #dropped = false;

  attach(target: DestinationStream | undefined): void {
    if (target) for (const b of this.#backlog) target.write(b.toString());
    this.#target = target;
    this.#dropped = target === undefined;
    this.#backlog = [];
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.#target) this.#target.write(chunk.toString());
    else if (!this.#dropped && this.#backlog.length < 2000) this.#backlog.push(chunk);
    cb();
  }
}

export async function runBoot(opts: BootOptions): Promise<BootReport> {
  const timeline = new Timeline();
  const late = new LateDestination();
  const log = createLogger({ extra: late as unknown as DestinationStream, ...(opts.logLevel ? { level: opts.logLevel } : {}), ...(opts.human !== undefined ? { human: opts.human } : {}) });
  // The syslog step plans where the agent's own log goes too (SYSLOG_HOST); applying that
  // action attaches the forwarder, which then sends the backlog kept so far.
  let hostname = '';
  const forwardLog = (targets: readonly string[]) => late.attach(opts.forward?.([...targets], hostname));
  const exec = new Executor({ ...(opts.root !== undefined ? { root: opts.root } : {}), ...(opts.runCommands !== undefined ? { runCommands: opts.runCommands } : {}), log, timeline, forwardLog });
  const mark = (line: string) => {
    if (opts.markers) process.stdout.write(`ltsp-agent: ${line}\n`);
  };

  timeline.mark('agent-start');
  mark('boot started');
  const facts = await gatherFacts({ ...(opts.root !== undefined ? { root: opts.root } : {}), ...(opts.overrides ? { overrides: opts.overrides } : {}) });
  timeline.mark('facts');
  log.info({ mac: facts.mac?.value, ip: facts.ip?.value, server: facts.server?.value, arch: facts.arch, ramMiB: facts.ramMiB }, 'client facts');

  let conf: ParsedConf | undefined;
  let source: LtsConfSource;
  try {
    const got = await opts.obtain(facts, exec, log);
    source = got.source;
    const place = got.place ?? { kind: 'client', root: exec.fs.root, path: CLIENT_LTSCONF };
    conf = got.bytes ? parseLtsConfAt(got.bytes, place, source.location ?? CLIENT_LTSCONF, got.id) : undefined;
  } catch (e) {
    source = { used: 'none', why: `could not get lts.conf: ${errorMessage(e)}` };
  }
  timeline.mark('lts.conf');
  mark(`lts.conf ${source.used}: ${source.why}`);
  log.info({ used: source.used, location: source.location, why: source.why }, 'lts.conf');

  const { plan, client } = makePlan({ facts, conf, source });
  for (const p of plan.problems) log[p.severity === 'warning' ? 'warn' : p.severity === 'info' ? 'info' : 'error']({ code: p.code, key: p.where.key, line: p.where.line }, formatProblem(p));

  hostname = client.hostname;

  const results = await exec.apply(plan.steps);
  for (const r of results) mark(`step ${r.step} ${r.outcome}${r.reason ? `: ${r.reason}` : ''} ${Math.round(r.ms)}ms`);
  timeline.mark('steps-done');

  try {
    await exec.fs.writeAtomic('/run/ltsp/timeline.json', JSON.stringify(timeline.toJSON(), null, 2) + '\n');
    await exec.fs.writeAtomic('/run/ltsp/plan.json', planToJson(plan) + '\n', 0o600);
  } catch (e) {
    log.warn({ err: errorMessage(e) }, 'could not write the timeline');
  }
  const failed = results.filter((r) => r.outcome === 'failed' || r.outcome === 'blocked');
  log.info({ ok: results.filter((r) => r.outcome === 'ok').length, failed: failed.map((r) => r.step), timeline: timeline.toJSON() }, 'boot phase done');
  mark(`boot done: ${results.length - failed.length}/${results.length} steps ok`);
  await new Promise((r) => setTimeout(r, 50)); // let the syslog forwarder flush
  return { plan, results, timeline };
}
