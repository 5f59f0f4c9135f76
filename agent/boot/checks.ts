// What every resolved configuration goes through before steps see it (dry-run, explain,
// boot): the compatibility renames LTSP 5 applied (ltsp_config.d/05ltsp-4-compat,
// screen.d/ldm), then the key checks (unknown keys, ignored keys, types, unsafe values).

import type { Config, ConfigValue } from '../config/config.ts';
import { ltspBool } from '../config/config.ts';
import { checkKeys } from '../config/key-check.ts';
import { renamedKeys } from '../config/keys.ts';
import type { Problem } from '../core/errors.ts';

/** Old names copied to the new name when the new one is unset (the new name wins). */
export function applyRenames(config: Config): Config {
  const extra: Array<[string, ConfigValue]> = [];
  for (const { from, to } of renamedKeys()) {
    const old = config.entry(from);
    if (old && !config.has(to)) extra.push([to, { value: old.value, origin: { kind: 'derived', why: `from ${from} (old name)` } }]);
  }
  // LDM 2.0's pair: LDM_TIMEOUT_ENABLED=True + LDM_TIMEOUT_TIME=N means LDM_LOGIN_TIMEOUT=N.
  const time = config.nonEmpty('LDM_TIMEOUT_TIME');
  if (!config.has('LDM_LOGIN_TIMEOUT') && time !== undefined && ltspBool(config.get('LDM_TIMEOUT_ENABLED') ?? '')) {
    extra.push(['LDM_LOGIN_TIMEOUT', { value: time, origin: { kind: 'derived', why: 'from LDM_TIMEOUT_ENABLED and LDM_TIMEOUT_TIME' } }]);
  }
  return extra.length > 0 ? config.with(extra) : config;
}

export function configChecks(config: Config): Problem[] {
  return checkKeys(
    config
      .entries()
      .filter(([, v]) => v.origin.kind === 'lts.conf' || v.origin.kind === 'cmdline')
      .map(([key, v]) => ({ key, value: v.value, ...(v.origin.kind === 'lts.conf' ? { file: v.origin.decl.file, line: v.origin.decl.line } : {}) })),
  );
}
