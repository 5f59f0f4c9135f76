// Configuration checks run on every resolved configuration (dry-run, explain, boot).

import type { Config } from '../config/config.ts';
import type { Problem } from '../core/errors.ts';

export function configChecks(config: Config): Problem[] {
  void config;
  return [];
}
