import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkClientPath, checkClockTime, checkCommand, checkConfigLine, checkCrontabLine, checkDomain, checkHost, checkHostnameLabel,
  checkIP, checkModule, checkTimezone, checkWord, checkXkb, checkXorgOption, checkXorgString, type Checked,
} from '../../agent/config/values.ts';
import { CONF_FILE, confOf } from './steps-fixtures.ts';

const config = confOf({ K: 'x' });
const accepts = <T>(r: Checked<T>) => (assert.ok(r.ok, r.ok ? '' : r.problem.message), r.ok ? r.value : undefined);
function refuses<T>(r: Checked<T>): string {
  assert.equal(r.ok, false, `accepted: ${JSON.stringify(r)}`);
  if (r.ok) return '';
  assert.equal(r.problem.where.key, 'K');
  assert.equal(r.problem.where.file, CONF_FILE);
  assert.equal(r.problem.where.line, 2);
  assert.equal(r.problem.code, 'LTSP_VALUE_UNSAFE');
  return r.problem.message;
}

const HOSTILE = ['a\nb', 'x$(reboot)', 'x`id`', 'a;b', '"quoted"', "it's", 'a\u0000b'];

test('hosts: addresses and DNS names in, anything else out', () => {
  for (const v of ['192.168.67.1', 'ltsp-server', 'srv.school.lan', 'fe80::1', '::1']) accepts(checkHost(config, 'K', v));
  for (const v of [...HOSTILE, '-oProxyCommand=x', '', 'a..b', 'a b', 'x'.repeat(254)]) refuses(checkHost(config, 'K', v));
  accepts(checkIP(config, 'K', '10.0.0.1'));
  refuses(checkIP(config, 'K', 'server'));
  assert.equal(accepts(checkDomain(config, 'K', 'school.lan.')), 'school.lan');
  refuses(checkDomain(config, 'K', 'school lan'));
});

test('hostname labels', () => {
  for (const v of ['pc01', 'ltsp-20', 'A1']) accepts(checkHostnameLabel(config, 'K', v));
  for (const v of [...HOSTILE, '-pc', 'pc-', 'a.b', 'x'.repeat(64), '']) refuses(checkHostnameLabel(config, 'K', v));
});

test('client paths: absolute, inside the chroot, no quotes or line breaks', () => {
  accepts(checkClientPath(config, 'K', '/etc/X11/xorg.conf.custom'));
  assert.match(refuses(checkClientPath(config, 'K', '/etc/../../root/.ssh/id_rsa')), /\.\./);
  assert.match(refuses(checkClientPath(config, 'K', 'etc/x')), /absolute/);
  assert.match(refuses(checkClientPath(config, 'K', '/etc/x\nSection')), /line break/);
  refuses(checkClientPath(config, 'K', '/etc/"x'));
});

test('config lines: anything on one line', () => {
  assert.equal(accepts(checkConfigLine(config, 'K', ' 10.0.0.5 printer ')), '10.0.0.5 printer');
  assert.match(refuses(checkConfigLine(config, 'K', '10.0.0.5 printer\n0.0.0.0 evil')), /line break/);
  refuses(checkConfigLine(config, 'K', 'a\u0007b'));
});

test('commands: plain words only, never shell syntax', () => {
  assert.deepEqual(accepts(checkCommand(config, 'K', '/usr/local/bin/banner --text=hello  -v')), ['/usr/local/bin/banner', '--text=hello', '-v']);
  for (const v of [...HOSTILE, 'a | b', 'a > /etc/passwd', 'rm -rf *', 'a && b', '${IFS}', '']) refuses(checkCommand(config, 'K', v));
  accepts(checkWord(config, 'K', 'nodeadkeys'));
  refuses(checkWord(config, 'K', '-rf'));
});

test('modules: name and name=value options', () => {
  assert.deepEqual(accepts(checkModule(config, 'K', 'snd-hda-intel model=auto index=0')), ['snd-hda-intel', 'model=auto', 'index=0']);
  refuses(checkModule(config, 'K', '/lib/modules/evil.ko'));
  refuses(checkModule(config, 'K', 'nbd max_part=$(id)'));
  refuses(checkModule(config, 'K', 'nbd -r'));
});

test('crontab lines: time fields, user, plain command', () => {
  assert.equal(accepts(checkCrontabLine(config, 'K', '*/5 8-17 * * mon-fri root /usr/bin/logger tick')), '*/5 8-17 * * mon-fri root /usr/bin/logger tick');
  accepts(checkCrontabLine(config, 'K', '@reboot root /usr/local/bin/x'));
  assert.match(refuses(checkCrontabLine(config, 'K', '0 7 * * * /usr/bin/x')), /user/);
  refuses(checkCrontabLine(config, 'K', '0 7 * * * root echo $(id) > /tmp/x'));
  refuses(checkCrontabLine(config, 'K', '0 7 * * * root x\n* * * * * root evil'));
  refuses(checkCrontabLine(config, 'K', 'every day root x'));
});

test('times of day and zones', () => {
  assert.deepEqual(accepts(checkClockTime(config, 'K', '7:05')), { hour: 7, minute: 5 });
  refuses(checkClockTime(config, 'K', '24:00'));
  accepts(checkTimezone(config, 'K', 'America/Argentina/Buenos_Aires'));
  refuses(checkTimezone(config, 'K', '../../etc/shadow'));
  refuses(checkTimezone(config, 'K', '/etc/shadow'));
});

test('xorg.conf strings, XKB names and options', () => {
  accepts(checkXorgString(config, 'K', 'intel'));
  assert.match(refuses(checkXorgString(config, 'K', 'de" \nEndSection')), /line break|quote/);
  refuses(checkXorgString(config, 'K', 'a\\b'));
  accepts(checkXkb(config, 'K', 'grp:alt_shift_toggle,ctrl:nocaps'));
  refuses(checkXkb(config, 'K', 'de"'));
  refuses(checkXkb(config, 'K', 'de us'));
  assert.deepEqual(accepts(checkXorgOption(config, 'K', '"AccelMethod" "XAA"')), { name: 'AccelMethod', value: 'XAA' });
  assert.deepEqual(accepts(checkXorgOption(config, 'K', '"NoAccel"')), { name: 'NoAccel' });
  refuses(checkXorgOption(config, 'K', '"A" "B" EndSection Section "Device"'));
  refuses(checkXorgOption(config, 'K', '"A" "B\nC"'));
});

test('crontab lines: a % anywhere in the command is refused (cron makes it a line break and stdin); the time fields are untouched', () => {
  for (const v of ['0 7 * * * root date +%F', '0 7 * * * root /bin/mail -s x root%body', '0 7 * * * root /bin/x %', '0 7 * * * root /usr/bin/printf %s%n', '@daily root /bin/x a%b']) {
    assert.match(refuses(checkCrontabLine(config, 'K', v)), /%/);
  }
  assert.equal(accepts(checkCrontabLine(config, 'K', '*/5 8-17 * * mon-fri root /usr/local/bin/x --level=5')), '*/5 8-17 * * mon-fri root /usr/local/bin/x --level=5');
});

test('the program word of a command never starts with "-"; later words may (the admin\'s own options)', () => {
  for (const v of ['-x', '--help', '-rf /']) refuses(checkCommand(config, 'K', v));
  assert.deepEqual(accepts(checkCommand(config, 'K', '/usr/bin/x -q --level=2')), ['/usr/bin/x', '-q', '--level=2']);
  for (const v of ['-r snd', '--dirname=/tmp x', '-d /tmp evil']) refuses(checkModule(config, 'K', v));
  for (const v of ['-print', '-rules']) refuses(checkXkb(config, 'K', v));
  refuses(checkWord(config, 'K', '-persist'));
});
