// 50-rcfiles: every RCFILE_xx command is appended to /etc/rc.local, which init runs once the
// system is up (5.3+; 5.2 ran them at once). A trailing "exit 0" in the image's rc.local would
// stop our lines from running, so it is removed first, as LTSP 5 did. Commands are plain words
// (no shell syntax), so writing them into a shell script cannot change their meaning.
// OpenRC (Gentoo) does not run rc.local: its `local` service runs /etc/local.d/*.start instead.

import type { Problem } from '../core/errors.ts';
import { checkCommand, readFamily } from '../config/values.ts';
import { clientPath, type Action } from '../plan/actions.ts';
import { declareKeys } from '../config/declare.ts';
import { k, T, unset } from '../config/key-spec.ts';
import { definePlanner, present } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

export const RCFILES_KEYS = declareKeys('rcfiles', {
  'RCFILE_<any>': k('system', T.command, unset, 'a command run once at the end of boot (LTSP 5.3+ appended it to /etc/rc.local)'),
});

export const planRcfiles = definePlanner(RCFILES_KEYS, (ctx) => {
  const problems: Problem[] = [];
  const commands = readFamily(ctx.config, 'RCFILE_<any>', problems, checkCommand);
  if (commands.length === 0) return skipped('rcfiles', problems.length ? 'every RCFILE_* value was refused' : 'no RCFILE_* keys', problems);
  const keys = commands.map((c) => c.key);
  const lines = commands.map((c) => c.value.join(' '));
  if (present(ctx, '/sbin/openrc')) {
    const content = ['#!/bin/sh', generatedHeader(), ...lines].join('\n') + '\n';
    return planned('rcfiles', [], [{ kind: 'write-file', path: '/etc/local.d/ltsp-rcfiles.start', content, mode: 0o755, keys, why: 'OpenRC\'s local service runs these once the system is up' }], problems);
  }
  const actions: Action[] = [
    {
      kind: 'run',
      argv: ['sed', '-i', '-e', '${/^[[:space:]]*exit 0[[:space:]]*$/d}', clientPath('/etc/rc.local')],
      okExit: [0, 2],
      bestEffort: true,
      keys,
      why: 'a final "exit 0" would keep the appended lines from running',
    },
    {
      kind: 'append-lines',
      path: '/etc/rc.local',
      header: '#!/bin/sh',
      lines,
      mode: 0o755,
      keys,
      why: 'commands to run once the system is up',
    },
  ];
  return planned('rcfiles', [], actions, problems);
});
