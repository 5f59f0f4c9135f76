import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('every error code is documented in docs/errors.md, and nothing else is', () => {
  const src = readFileSync(join(REPO, 'agent/core/errors.ts'), 'utf8');
  const union = src.slice(src.indexOf('export type ErrorCode'), src.indexOf(';', src.indexOf('export type ErrorCode')));
  const codes = [...union.matchAll(/'(LTSP_[A-Z_]+)'/g)].map((m) => m[1]!);
  const doc = readFileSync(join(REPO, 'docs/errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/`(LTSP_[A-Z_]+)`/g)].map((m) => m[1]!));
  assert.ok(codes.length > 20);
  for (const c of codes) assert.ok(documented.has(c), `${c} is not in docs/errors.md`);
  for (const d of documented) assert.ok(codes.includes(d), `docs/errors.md documents ${d}, which the code does not have`);
});
