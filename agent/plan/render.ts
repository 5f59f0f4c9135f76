// The plan as a person reads it (--dry-run) or as JSON (--dry-run --json). Both show the
// same objects the executor applies; secrets appear only as their length.

import { pushAll } from '../core/arrays.ts';
import { formatProblem, isError, type Problem } from '../core/errors.ts';
import { describeAction } from './describe.ts';
import type { Action, StepPlan } from './actions.ts';
import { topoOrder, type Plan } from './plan.ts';

function showAction(a: Action): string[] {
  const head = describeAction(a);
  const keys = a.keys.length > 0 ? `  [${a.keys.join(', ')}]` : '';
  const lines = [`    - ${head}${keys}`, `        ${a.why}`];
  if (a.kind === 'write-file') {
    if (a.secret) lines.push(`        (${a.content.length} bytes, secret: not shown)`);
    else if (a.summary) for (const l of a.summary) lines.push(`        | ${l}`);
    else {
      const body = a.content.split('\n');
      if (body[body.length - 1] === '') body.pop();
      const shown = body.slice(0, 12);
      for (const l of shown) lines.push(`        | ${l}`);
      if (body.length > shown.length) lines.push(`        | ... (${body.length - shown.length} more lines)`);
    }
  } else if (a.kind === 'append-lines') {
    for (const l of a.lines.slice(0, 12)) lines.push(`        + ${l}`);
    if (a.lines.length > 12) lines.push(`        + ... (${a.lines.length - 12} more lines)`);
  } else if (a.kind === 'run' && a.env) {
    lines.push(`        env: ${Object.keys(a.env).join(' ')}`);
  }
  return lines;
}

function showStep(s: StepPlan): string[] {
  const needs = s.needs.length > 0 ? `  (after ${s.needs.join(', ')})` : '';
  const out: string[] = [];
  if (s.invalid !== undefined) out.push(`  ${s.step}: REFUSED: ${s.invalid}${needs}`);
  else if (s.skipped !== undefined) out.push(`  ${s.step}: nothing to do: ${s.skipped}`);
  else out.push(`  ${s.step}: ${s.actions.length} action${s.actions.length === 1 ? '' : 's'}${needs}`);
  if (s.skipped === undefined) for (const a of s.actions) pushAll(out, showAction(a));
  for (const p of s.problems) out.push(`    ! ${formatProblem(p)}`);
  return out;
}

function fact<T>(f: { value: T; source: string } | undefined): string {
  return f ? `${String(f.value)} (${f.source})` : 'unknown';
}

export function renderPlan(plan: Plan): string {
  const f = plan.facts;
  const out: string[] = [];
  out.push(`ltsp-agent boot plan`);
  out.push(`  client   ${plan.hostname}: MAC ${fact(f.mac)}, IP ${fact(f.ip)}; arch ${f.arch}, RAM ${f.ramMiB} MiB, root ${f.root.kind}`);
  out.push(`  server   ${plan.server}${plan.server !== f.server?.value ? ` (SERVER in lts.conf; booted from ${fact(f.server)})` : ` (${f.server?.source ?? 'default'})`}`);
  out.push(`  lts.conf ${plan.ltsconf.used}${plan.ltsconf.location ? ` ${plan.ltsconf.location}` : ''}: ${plan.ltsconf.why}`);
  if (f.presentSource === 'assumed') out.push('  chroot   assumed: a typical Debian LTSP 5 thin-client chroot (use --root /opt/ltsp/<arch> to probe yours)');
  out.push(`  sections ${plan.sections.length > 0 ? plan.sections.map((s) => `[${s}]`).join(' > ') : '(none apply)'}`);
  out.push('');
  out.push('steps (each starts when the steps it comes after are done; the others run at the same time):');
  for (const s of topoOrder(plan.steps)) pushAll(out, showStep(s));
  out.push('');
  pushAll(out, renderProblems(plan.problems));
  return out.join('\n') + '\n';
}

export function renderProblems(problems: readonly Problem[]): string[] {
  const errors = problems.filter(isError);
  const warnings = problems.filter((p) => p.severity === 'warning');
  const notes = problems.filter((p) => p.severity === 'info');
  if (errors.length + warnings.length === 0 && notes.length === 0) return ['lts.conf: no problems found'];
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  const out = [`lts.conf: ${n(errors.length, 'error')}, ${n(warnings.length, 'warning')}${notes.length ? `, ${n(notes.length, 'note')}` : ''}`];
  for (const p of errors) out.push(`  error:   ${formatProblem(p)}`);
  for (const p of warnings) out.push(`  warning: ${formatProblem(p)}`);
  for (const p of notes) out.push(`  note:    ${formatProblem(p)}`);
  return out;
}

/** JSON form: the plan objects as they are, the probed-path set as a sorted list, secrets as their length. */
export function planToJson(plan: Plan): string {
  const shown: Plan = {
    ...plan,
    steps: plan.steps.map((s) => ({
      ...s,
      actions: s.actions.map((a) => (a.kind === 'write-file' && a.secret ? { ...a, content: `(${a.content.length} bytes, secret)` } : a)),
    })),
  };
  return JSON.stringify(
    shown,
    (_k, v: unknown) => {
      if (v instanceof Set) return [...v].sort();
      if (v instanceof Map) return Object.fromEntries(v);
      return v;
    },
    2,
  );
}
