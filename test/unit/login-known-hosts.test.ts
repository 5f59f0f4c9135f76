import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseKnownHosts, verifyHostKey, patternsMatch, hostKeyName, fingerprint, blobType } from '../../agent/login/known-hosts.ts';

/** An ssh-ed25519 public key blob (string "ssh-ed25519", string key). */
function edBlob(): Buffer {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const raw = der.subarray(der.length - 32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}
const line = (names: string, blob: Buffer, marker = '') => `${marker}${marker ? ' ' : ''}${names} ${blobType(blob)} ${blob.toString('base64')} comment`;
const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

test('ltsp-update-sshkeys file: the key under `server` matches through the alias only', () => {
  const k = edBlob();
  const f = parseKnownHosts(`# ssh keys for LTSP\n${line('server', k)}\n`, 'kh');
  assert.equal(f.keys.length, 1);
  assert.equal(verifyHostKey([f], ['10.0.0.1'], k).kind, 'unknown');
  assert.equal(verifyHostKey([f], ['10.0.0.1', 'server'], k).kind, 'match');
});

test('changed key of the same type; unknown when only other types are known', () => {
  const k = edBlob();
  const f = parseKnownHosts(line('srv1', k), 'kh');
  const v = verifyHostKey([f], ['srv1'], edBlob());
  assert.equal(v.kind, 'changed');
  const rsaLike = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa'), Buffer.from([0, 0, 0, 1, 3])]);
  const u = verifyHostKey([f], ['srv1'], rsaLike);
  assert.equal(u.kind, 'unknown');
  assert.deepEqual(u.kind === 'unknown' && u.otherTypes, ['ssh-ed25519']);
});

test('hashed names, [host]:port, wildcards, negation', () => {
  const k = edBlob();
  assert.equal(hostKeyName('h', 22), 'h');
  assert.equal(hostKeyName('h', 2222), '[h]:2222');
  const f = parseKnownHosts(
    [line(hashed('ltsp1'), k), line(hashed('[ltsp2]:2222'), k), line('*.lab,!bad.lab', k), line('[10.0.0.?]:2200', k)].join('\n'),
    'kh',
  );
  assert.equal(verifyHostKey([f], ['ltsp1'], k).kind, 'match');
  assert.equal(verifyHostKey([f], ['LTSP1'], k).kind, 'match', 'hashed lookups lowercase the name like ssh');
  assert.equal(verifyHostKey([f], ['ltsp2'], k).kind, 'unknown');
  assert.equal(verifyHostKey([f], ['[ltsp2]:2222'], k).kind, 'match');
  assert.equal(verifyHostKey([f], ['a.lab'], k).kind, 'match');
  assert.equal(verifyHostKey([f], ['bad.lab'], k).kind, 'unknown');
  assert.equal(verifyHostKey([f], ['[10.0.0.7]:2200'], k).kind, 'match');
  assert.ok(patternsMatch('A.LAB', 'a.lab'));
});

test('@revoked refuses a key even when another line trusts it; @cert-authority alone is unknown', () => {
  const k = edBlob();
  const f = parseKnownHosts([line('server', k), line('*', k, '@revoked')].join('\n'), 'kh');
  assert.equal(verifyHostKey([f], ['server'], k).kind, 'revoked');
  const ca = parseKnownHosts(line('*.lab', edBlob(), '@cert-authority'), 'kh');
  const v = verifyHostKey([ca], ['x.lab'], k);
  assert.equal(v.kind === 'unknown' && v.onlyCa, true);
});

test('bad lines are reported and skipped; fingerprint is ssh-keygen format', () => {
  const k = edBlob();
  const f = parseKnownHosts(['server ssh-rsa notbase64!', `server ssh-rsa ${k.toString('base64')}`, '@weird server x y', 'lonely', line('ok', k)].join('\n'), 'kh');
  assert.equal(f.keys.length, 1);
  assert.equal(f.problems.length, 4);
  assert.match(f.problems[1]!, /kh:2: key data does not match its type ssh-rsa/);
  assert.match(fingerprint(k), /^SHA256:[A-Za-z0-9+/]{43}$/);
});
