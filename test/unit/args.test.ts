// The commands' option parser (agent/cli/args.ts, on node:util parseArgs).
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseOptions, type OptionSpec } from '../../agent/cli/args.ts';
import { isLtspError } from '../../agent/core/errors.ts';

// fetch's options, as agent/cli/fetch.ts names them.
const FETCH: OptionSpec = {
  values: ['-o', '--output', '--blksize', '--windowsize', '--timeout', '--max-size'],
  flags: ['--no-options', '-q', '--quiet', '-h', '--help'],
};

const usage = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => isLtspError(e) && e.code === 'LTSP_USAGE' && re.test(e.message));

test('combined short flags: -qo FILE and -qoFILE', () => {
  for (const argv of [['-qo', 'x', 'tftp://h/f'], ['-qox', 'tftp://h/f'], ['-q', '-o', 'x', 'tftp://h/f'], ['tftp://h/f', '-qo', 'x']]) {
    const a = parseOptions(argv, FETCH);
    assert.ok(a.flags.has('-q'), argv.join(' '));
    assert.equal(a.values.get('-o'), 'x', argv.join(' '));
    assert.deepEqual(a.positional, ['tftp://h/f'], argv.join(' '));
  }
});

test('long options with a value, separate or after =; values may start with "-"', () => {
  const a = parseOptions(['--output=-', '--blksize', '1468', '--timeout', '-1'], FETCH);
  assert.equal(a.values.get('--output'), '-');
  assert.equal(a.values.get('--blksize'), '1468');
  assert.equal(a.values.get('--timeout'), '-1');
  assert.equal(a.values.has('-o'), false, 'a command sees the name that was typed');
});

test('"-" alone and everything after "--" are positional', () => {
  const a = parseOptions(['-', '--', '--quiet', '-o'], FETCH);
  assert.deepEqual(a.positional, ['-', '--quiet', '-o']);
  assert.equal(a.flags.size, 0);
});

test('repeatable options collect their values in order', () => {
  const a = parseOptions(['--key', 'A', '--key=B', 'C'], { repeatable: ['--key'] });
  assert.deepEqual(a.multi.get('--key'), ['A', 'B']);
  assert.deepEqual(a.positional, ['C']);
});

test('unknown options, a missing value and a value given to a flag are usage errors', () => {
  usage(() => parseOptions(['--outptu', 'x'], FETCH), /unknown option --outptu/);
  usage(() => parseOptions(['-qx'], FETCH), /unknown option -x/);
  usage(() => parseOptions(['--q'], FETCH), /unknown option --q/);
  usage(() => parseOptions(['-o'], FETCH), /-o needs a value/);
  usage(() => parseOptions(['--output'], FETCH), /--output needs a value/);
  usage(() => parseOptions(['--quiet=yes'], FETCH), /--quiet takes no value/);
});
