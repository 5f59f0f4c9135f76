// The key registry (agent/config/keys.ts), its did-you-mean (key-suggest.ts), the lts.conf
// checker (key-check.ts) and the generated reference docs/lts.conf.md.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkKeys, checkResolvedValues, type KeyValue } from '../../agent/config/key-check.ts';
import { editDistance, suggestKeys } from '../../agent/config/key-suggest.ts';
import {
  allKeys,
  describeType,
  findKey,
  indexOutOfRange,
  isFamily,
  matchKey,
  renamedKeys,
  splitScreenOverride,
} from '../../agent/config/keys.ts';
import { parseLtsConf } from '../../agent/config/ltsconf-parse.ts';
import { resolveLtsConf } from '../../agent/config/ltsconf-resolve.ts';
import type { Problem } from '../../agent/core/errors.ts';
import { DOC_PATH, renderKeysDoc } from '../../tools/gen-keys-doc.ts';

const ALL_KEYS = allKeys();
const STEPS = new Set([
  'lts-conf', 'hostname', 'dns', 'modules', 'time', 'swap', 'sound', 'syslog', 'x',
  'keyboard', 'fstab', 'cron', 'rcfiles', 'init-commands', 'machine-id', 'interfaces', 'screens', 'login',
]);

const check = (key: string, value: string): Problem[] => checkKeys([{ key, value, file: 'lts.conf', line: 7 }]);
const codes = (key: string, value: string) => check(key, value).map((p) => p.code);

describe('registry', () => {
  it('has every key of the spec tables, and each only once', () => {
    const required = [
      'SERVER', 'LIKE', 'SERVER_NAME', 'HOSTNAME', 'HOSTNAME_BASE', 'HOSTNAME_EXTRA', 'DNS_SERVER', 'SEARCH_DOMAIN', 'TIMEZONE',
      'TIMESERVER', 'HWCLOCK', 'SHUTDOWN_TIME', 'CONFIGURE_FSTAB', 'NFS_HOME', 'NFS_HOME_OPTIONS', 'NET_DEVICE_METHOD', 'OVERLAY_DIR',
      'KERNEL_DEVICE', 'KERNEL_NAME', 'INITRD_NAME', 'KERNEL_DIR', 'LTSP_FATCLIENT', 'FAT_RAM_THRESHOLD', 'RM_SYSTEM_SERVICES',
      'RM_THIN_SYSTEM_SERVICES', 'RM_LOW_RAM_SERVICES', 'KEEP_SYSTEM_SERVICES', 'RM_RAM_THRESHOLD', 'RM_SESSION_SERVICES',
      'KEEP_SESSION_SERVICES', 'DEFAULT_DISPLAY_MANAGER', 'DISABLE_GETTYS', 'CONSOLE_KEYMAP', 'SCANNER', 'LTSP_RW_DIRS',
      'HOST_TO_USERNAME', 'PROCESS_LTS_CONF', 'LTSCONF',
      'USE_LOCAL_SWAP', 'NBD_SWAP', 'NBD_SWAP_THRESHOLD', 'NBD_SWAP_HOST', 'NBD_SWAP_SERVER', 'NBD_SWAP_PORT', 'SWAP_SERVER', 'NBD_PORT',
      'ENCRYPT_SWAP', 'SOUND', 'SOUND_DAEMON', 'VOLUME', 'VOLUME_MANUAL', 'SYSLOG_HOST', 'SYSLOG', 'LDM_SYSLOG', 'LDM_LOGLEVEL',
      'X_CONF', 'CONFIGURE_X', 'CONFIGURE_X_COMMAND', 'XSERVER', 'X_VIDEO_RAM', 'X_VIDEORAM', 'X_HORZSYNC', 'X_VERTREFRESH', 'X_VIRTUAL',
      'X_VIRTUAL_AUTO', 'X_COLOR_DEPTH', 'X_SMART_COLOR_DEPTH', 'X_RAMPERC', 'XRANDR_DISABLE', 'XKBLAYOUT', 'XKBMODEL', 'XKBVARIANT',
      'XKBOPTIONS', 'XKBRULES', 'X_NUMLOCK', 'X_BLANKING', 'X_MOUSE_DEVICE', 'X_MOUSE_PROTOCOL', 'X_MOUSE_EMULATE3BTN', 'USE_TOUCH',
      'USE_XFS', 'XFS_SERVER', 'XDM_SERVER', 'DISABLE_ACCESS_CONTROL', 'SCREEN_DEFAULT', 'WAIT_FGCONSOLE', 'XINITRC_DAEMON',
      'XINITRC_PROMPT_ON_ERROR', 'XINITRC_ERROR_CODES', 'XINITRC_COMMAND_ON_ERROR', 'XINITRC_PROMPT_ON_EXIT', 'XINITRC_COMMAND_ON_EXIT',
      'XF86CONFIG_FILE', 'X_HORIZSYNC', 'LDM_SERVER', 'LDM_AUTOLOGIN', 'LDM_GUESTLOGIN', 'LDM_USERNAME', 'LDM_PASSWORD',
      'LDM_GUEST_SERVER', 'LDM_AUTOLOGIN_SERVER', 'LDM_LOGIN_TIMEOUT', 'LDM_TIMEOUT_ENABLED', 'LDM_TIMEOUT_TIME', 'LDM_SESSION',
      'LDM_FORCE_SESSION', 'LDM_XSESSION', 'LDM_LANGUAGE', 'LDM_FORCE_LANGUAGE', 'LDM_DIRECTX', 'LDM_SSHOPTIONS', 'SSH_OVERRIDE_PORT',
      'LDM_LIMIT_ONE_SESSION', 'LDM_LIMIT_ONE_SESSION_PROMPT', 'LDM_USER_ALLOW', 'LDM_ALLOW_USER', 'LDM_PRINTER_DEFAULT',
      'LDM_PRINTER_LIST', 'LDM_THEME', 'LDM_CLOCK_FORMAT', 'LDM_GREETER', 'LDM_WINMANAGER', 'LDM_FORCE_BACKEND', 'LDM_DEFAULT_BACKEND',
      'LDM_PASSWORD_HASH', 'LDM_NOMAD', 'LDM_XCOMPMGR', 'LDM_DEBUG_TERMINAL', 'KILL_DBUS_DAEMON', 'LDM_DEBUG', 'NETWORK_COMPRESSION',
      'LDM_NODMPS', 'LDM_REMOTECMD', 'LOCALDEV', 'LOCAL_STORAGE', 'LOCALDEV_DENY_CD', 'LOCALDEV_DENY_FLOPPY',
      'LOCALDEV_DENY_INTERNAL_DISKS', 'LOCALDEV_DENY_USB', 'LOCALDEV_DENY', 'LOCAL_APPS', 'LOCAL_APPS_EXTRAMOUNTS', 'LOCAL_APPS_MENU',
      'LOCAL_APPS_MENU_ITEMS', 'LOCAL_APPS_WHITELIST', 'SSH_FOLLOW_SYMLINKS', 'SSH_DISABLE_HARDLINK', 'CUPS_SERVER',
      'SSH_HOST', 'TELNET_HOST', 'RDP_SERVER', 'RDP_OPTIONS', 'KIOSK_EXE', 'KIOSK_OPTIONS',
    ];
    for (const k of required) assert.ok(findKey(k), `${k} is missing`);
    const names = ALL_KEYS.map((k) => k.name);
    assert.equal(new Set(names).size, names.length);
  });

  it('gives every key a meaning, a reader or a reason, and a default of its own type', () => {
    for (const k of ALL_KEYS) {
      assert.match(k.name, /^[A-Z0-9_<>a-z-]+$/, k.name);
      assert.ok(k.meaning.length > 5, `${k.name}: meaning`);
      const d = k.disposition;
      if (d.status === 'read') for (const s of d.readers) assert.ok(STEPS.has(s), `${k.name}: step ${s}`);
      else if (d.status === 'unsupported') assert.ok(d.reason.length > 5, `${k.name}: reason`);
      else if (d.status === 'not-yet') assert.ok([10, 11, 12, 14, 15, 16].includes(d.issue), `${k.name}: issue ${d.issue}`);
      else if (d.status === 'renamed' || d.use !== undefined) {
        const target = d.use!;
        assert.equal(findKey(target)?.disposition.status, 'read', `${k.name} points to ${target}, which must be a key a planner reads`);
      }
      if (k.default.kind === 'value') {
        // The default itself must pass the key's own check, else the checker would nag about LTSP 5's own values.
        const probe = isFamily(k) ? undefined : k.name;
        if (probe && d.status === 'read') assert.deepEqual(check(probe, k.default.value), [], `${k.name} default ${k.default.value}`);
      }
      if (k.type.kind === 'format') assert.match(k.type.example, k.type.re, `${k.name}: its format's example must fit`);
      assert.ok(describeType(k.type).length > 0);
    }
  });

  it('maps only plain renames for the compat copy step', () => {
    assert.deepEqual(
      renamedKeys().map((r) => `${r.from}->${r.to}`).sort(),
      ['LOCAL_STORAGE->LOCALDEV', 'X_HORIZSYNC->X_HORZSYNC', 'X_VIDEORAM->X_VIDEO_RAM', 'XF86CONFIG_FILE->X_CONF'].sort(),
    );
  });
});

describe('lookup', () => {
  it('finds exact keys in any letter case', () => {
    assert.equal(findKey('SERVER')?.name, 'SERVER');
    assert.equal(findKey('ldm_server')?.name, 'LDM_SERVER');
    assert.equal(findKey('Nbd_Swap_Host')?.area, 'swap');
    assert.equal(findKey('NO_SUCH_KEY'), undefined);
    assert.equal(findKey(''), undefined);
  });

  it('finds families by pattern', () => {
    const cases: Array<[string, string]> = [
      ['MODULE_01', 'MODULE_<any>'],
      ['module_snd_hda', 'MODULE_<any>'],
      ['RCFILE_10', 'RCFILE_<any>'],
      ['INIT_COMMAND_2', 'INIT_COMMAND_<any>'],
      ['CRONTAB_01', 'CRONTAB_<any>'],
      ['FSTAB_1', 'FSTAB_<any>'],
      ['HOSTS_PRINTER', 'HOSTS_<any>'],
      ['SCREEN_01', 'SCREEN_<01-12>'],
      ['SCREEN_12', 'SCREEN_<01-12>'],
      ['X_OPTION_01', 'X_OPTION_<any>'],
      ['X_MONITOR_OPTION_02', 'X_MONITOR_OPTION_<any>'],
      ['X_MODE_0', 'X_MODE_<n>'],
      ['X_MODULE_01', 'X_MODULE_<any>'],
      ['XRANDR_OUTPUT_0', 'XRANDR_OUTPUT_<0-8>'],
      ['XRANDR_NEWMODE_8', 'XRANDR_NEWMODE_<0-8>'],
      ['XRANDR_COMMAND_15', 'XRANDR_COMMAND_<n>'],
      ['PCM_VOLUME', '<CONTROL>_VOLUME'],
      ['MIC_BOOST_VOLUME', '<CONTROL>_VOLUME'],
      ['HEADPHONE_SWITCH', '<CONTROL>_SWITCH'],
      ['PRINTER_0_DEVICE', 'PRINTER_<0-2>_DEVICE'],
      ['PRINTER_2_PORT', 'PRINTER_<0-2>_PORT'],
      ['UDEV_SEAT_1_MOUSE', 'UDEV_SEAT_<n>_<any>'],
      ['LDM_MENU_ITEM_0', 'LDM_MENU_ITEM_<0-9>'],
      ['LDM_MENU_COMMAND_9', 'LDM_MENU_COMMAND_<0-9>'],
      ['MENU_ITEM_01', 'MENU_ITEM_<n>'],
      ['MENU_COMMAND_01', 'MENU_COMMAND_<n>'],
    ];
    for (const [name, family] of cases) assert.equal(findKey(name)?.name, family, name);
    // Exact keys win over families that would also match.
    assert.equal(findKey('VOLUME')?.name, 'VOLUME');
    assert.equal(findKey('VOLUME_MANUAL')?.name, 'VOLUME_MANUAL');
  });

  it('resolves per-screen overrides to the key they override', () => {
    const m = matchKey('SCREEN_07_XKBLAYOUT');
    assert.equal(m?.spec.name, 'SCREEN_<01-12>_<KEY>');
    assert.equal(m?.inner?.spec.name, 'XKBLAYOUT');
    assert.equal(matchKey('screen_02_x_option_01')?.inner?.spec.name, 'X_OPTION_<any>');
    assert.equal(matchKey('SCREEN_07_NO_SUCH_KEY'), undefined);
    assert.equal(matchKey('SCREEN_07_SCREEN_08_XKBLAYOUT'), undefined, 'one level only');
    assert.deepEqual(splitScreenOverride('SCREEN_07_FOO'), { screen: '07', key: 'FOO' });
  });

  it('tells an index LTSP 5 never read from an unknown key', () => {
    for (const name of ['SCREEN_13', 'SCREEN_7', 'SCREEN_00', 'PRINTER_3_DEVICE', 'PRINTER_01_DEVICE', 'XRANDR_MODE_9', 'LDM_MENU_ITEM_10']) {
      assert.equal(findKey(name), undefined, name);
      assert.ok(indexOutOfRange(name), name);
    }
    assert.equal(indexOutOfRange('SCREEN_07'), undefined);
    assert.equal(indexOutOfRange('TOTALLY_UNKNOWN'), undefined);
  });
});

describe('did you mean', () => {
  it('measures edits, with swaps of neighbours as one', () => {
    assert.equal(editDistance('SERVER', 'SERVER'), 0);
    assert.equal(editDistance('SEVER', 'SERVER'), 1);
    assert.equal(editDistance('SERVRE', 'SERVER'), 1);
    assert.equal(editDistance('', 'ABC'), 3);
    assert.ok(editDistance('AAAAAAAAAA', 'BBBBBBBBBB', 2) > 2);
  });

  it('suggests for typos, case and underscore slips, and family shapes', () => {
    const cases: Array<[string, string]> = [
      ['SEVER', 'SERVER'],
      ['LDM_SEVRER', 'LDM_SERVER'],
      ['ldmautologin', 'LDM_AUTOLOGIN'],
      ['LDM_AUTO_LOGIN', 'LDM_AUTOLOGIN'],
      ['LDM-AUTOLOGIN', 'LDM_AUTOLOGIN'],
      ['NBD__SWAP', 'NBD_SWAP'],
      ['XKB_LAYOUT', 'XKBLAYOUT'],
      ['SCREEN_7', 'SCREEN_07'],
      ['SCREEN_7_XKBLAYOUT', 'SCREEN_07_XKBLAYOUT'],
      ['SCREEN_07_XKBLAYUOT', 'SCREEN_07_XKBLAYOUT'],
      ['X_MONTOR_OPTION_01', 'X_MONITOR_OPTION_01'],
      ['MODUEL_01', 'MODULE_01'],
      ['PCM_VOLUEM', 'PCM_VOLUME'],
      ['SYSLOGHOST', 'SYSLOG_HOST'],
    ];
    for (const [typo, meant] of cases) assert.ok(suggestKeys(typo).includes(meant), `${typo} -> ${suggestKeys(typo).join(',')}`);
  });

  it('suggests the key to use, not an old or ignored name', () => {
    assert.deepEqual(suggestKeys('LDM_ALLOW_USERS'), ['LDM_USER_ALLOW']);
    assert.deepEqual(suggestKeys('X_VIDEORAMM'), ['X_VIDEO_RAM']);
    assert.ok(!suggestKeys('LDM_DEBUGG').includes('LDM_DEBUG'));
  });

  it('stays quiet when nothing is close', () => {
    assert.deepEqual(suggestKeys('MY_SITE_SETTING'), []);
    assert.deepEqual(suggestKeys(''), []);
    assert.deepEqual(suggestKeys('X'.repeat(5000)), []);
  });
});

describe('checkKeys', () => {
  it('is silent about a correct lts.conf', () => {
    const good: KeyValue[] = [
      { key: 'SERVER', value: '192.168.67.1' },
      { key: 'ldm_server', value: 'server1 server2.example.org 10.0.0.5' },
      { key: 'SOUND', value: 'True' },
      { key: 'LDM_AUTOLOGIN', value: 'yes' },
      { key: 'LDM_DIRECTX', value: 'tRUE' },
      { key: 'USE_LOCAL_SWAP', value: 'N' },
      { key: 'VOLUME', value: '80' },
      { key: 'SSH_OVERRIDE_PORT', value: '2222' },
      { key: 'TIMESERVER', value: 'auto' },
      { key: 'HOSTNAME_EXTRA', value: 'MAC' },
      { key: 'SCREEN_07', value: 'ldm' },
      { key: 'SCREEN_02_XKBLAYOUT', value: 'de' },
      { key: 'SHUTDOWN_TIME', value: '22:30' },
      { key: 'X_VIRTUAL', value: '2048 768' },
      { key: 'DNS_SERVER', value: '8.8.8.8 2001:db8::1' },
      { key: 'LOCAL_APPS', value: 'False' },
      { key: 'PCM_VOLUME', value: '0' },
      { key: 'LDM_USER_ALLOW', value: 'alice,bob' },
      { key: 'X_CONF', value: '' },
      { key: 'SYSLOG_HOST', value: 'NONE' },
    ];
    assert.deepEqual(checkKeys(good), []);
  });

  it('warns about unknown keys, with the place and a did-you-mean', () => {
    const [p, ...rest] = check('LDMAUTOLOGIN', 'True');
    assert.equal(rest.length, 0);
    assert.equal(p!.code, 'LTSP_KEY_UNKNOWN');
    assert.equal(p!.severity, 'warning');
    assert.deepEqual(p!.where, { key: 'LDMAUTOLOGIN', file: 'lts.conf', line: 7 });
    assert.match(p!.hint!, /did you mean LDM_AUTOLOGIN\?/);
    assert.match(check('MY_OWN_THING', 'x')[0]!.hint!, /script of your own/);
    const screen = check('SCREEN_13', 'ldm')[0]!;
    assert.equal(screen.code, 'LTSP_KEY_UNKNOWN');
    assert.match(screen.message, /SCREEN_<01-12>.*13/);
  });

  it('names the key to use for renamed and documented-but-ignored keys', () => {
    const cases: Array<[string, string, string]> = [
      ['NBD_SWAP_SERVER', 'LTSP_KEY_IGNORED', 'NBD_SWAP_HOST'],
      ['LDM_ALLOW_USER', 'LTSP_KEY_IGNORED', 'LDM_USER_ALLOW'],
      ['SWAP_SERVER', 'LTSP_KEY_IGNORED', 'NBD_SWAP_HOST'],
      ['SYSLOG', 'LTSP_KEY_IGNORED', 'SYSLOG_HOST'],
      ['X_VIDEORAM', 'LTSP_KEY_RENAMED', 'X_VIDEO_RAM'],
      ['XF86CONFIG_FILE', 'LTSP_KEY_RENAMED', 'X_CONF'],
      ['X_HORIZSYNC', 'LTSP_KEY_RENAMED', 'X_HORZSYNC'],
      ['LDM_TIMEOUT_TIME', 'LTSP_KEY_RENAMED', 'LDM_LOGIN_TIMEOUT'],
    ];
    for (const [key, code, use] of cases) {
      const p = check(key, key === 'X_VIDEORAM' || key === 'LDM_TIMEOUT_TIME' ? '32' : key === 'XF86CONFIG_FILE' ? '/etc/X11/x.conf' : 'h')[0]!;
      assert.equal(p.code, code, key);
      assert.match(p.hint!, new RegExp(`write ${use} instead`), key);
    }
    assert.deepEqual(codes('LDM_DEBUG', 'True'), ['LTSP_KEY_IGNORED']);
    assert.deepEqual(codes('PRINTER_0_TYPE', 'S'), ['LTSP_KEY_IGNORED']);
    assert.deepEqual(codes('LOCAL_STORAGE', 'True'), ['LTSP_KEY_RENAMED']);
  });

  it('warns about per-screen overrides of keys that are used once at boot', () => {
    assert.deepEqual(codes('SCREEN_07_NBD_SWAP', 'True'), ['LTSP_KEY_IGNORED']);
    assert.match(check('SCREEN_07_NBD_SWAP', 'True')[0]!.message, /once at boot \(step swap\)/);
    assert.deepEqual(codes('SCREEN_07_LDM_AUTOLOGIN', 'True'), []);
    assert.deepEqual(codes('SCREEN_02_SOUND', 'True'), [], 'SOUND also reaches the login');
  });

  it('warns about keys LTSP 5 read but ltsp-agent does not implement, unless they switch it off', () => {
    assert.deepEqual(codes('LOCAL_APPS', 'True'), ['LTSP_KEY_NOT_YET']);
    assert.match(check('LOCAL_APPS', 'True')[0]!.message, /does not yet \(issue 12\)/);
    assert.deepEqual(codes('LOCAL_APPS', 'False'), []);
    assert.deepEqual(codes('PRINTER_0_DEVICE', '/dev/usb/lp0'), ['LTSP_KEY_NOT_YET']);
    assert.deepEqual(codes('LDM_SYSLOG', 'True'), ['LTSP_KEY_NOT_YET']);
    assert.deepEqual(codes('XRANDR_ROTATE_1', 'left'), [], 'read by the login now');
    assert.deepEqual(codes('LOCALDEV_DENY_USB', 'True'), ['LTSP_KEY_NOT_YET']);
    assert.deepEqual(codes('KERNEL_DEVICE', '/dev/sda1'), ['LTSP_KEY_UNSUPPORTED']);
    assert.match(check('KERNEL_DEVICE', '/dev/sda1')[0]!.message, /outside the agent/);
    assert.deepEqual(codes('RM_SYSTEM_SERVICES', 'cups'), ['LTSP_KEY_UNSUPPORTED']);
  });

  it('warns about booleans LTSP 5 reads as false although they look true', () => {
    for (const v of ['1', 'on', 'ON', 'enabled', 't', 'tru', ' True']) {
      const [p] = check('SOUND', v);
      assert.equal(p?.code, 'LTSP_VALUE_READS_FALSE', v);
      assert.match(p!.message, /LTSP 5 reads it as false/);
      assert.match(p!.hint!, /write True/);
    }
    for (const v of ['True', 'true', 'Y', 'yes', 'False', 'n', 'No', 'off', '0']) assert.deepEqual(codes('SOUND', v), [], v);
    assert.deepEqual(codes('SOUND', 'maybe'), ['LTSP_VALUE_INVALID']);
    assert.equal(check('SOUND', 'maybe')[0]!.severity, 'warning');
  });

  it('reads LDM booleans by their first letter', () => {
    for (const v of ['t', 'TRUE', 'yep', 'Yes']) assert.deepEqual(codes('LDM_AUTOLOGIN', v), [], v);
    for (const v of ['1', 'on']) {
      const [p] = check('LDM_AUTOLOGIN', v);
      assert.equal(p?.code, 'LTSP_VALUE_READS_FALSE', v);
      assert.match(p!.message, /LDM reads it as false/);
    }
  });

  it('warns about values LTSP 5 would have expanded in a shell', () => {
    for (const v of ['$(hostname)', '`id`', '$HOME/x', '${SERVER}', 'a\\$b']) {
      const found = check('INIT_COMMAND_01', v);
      assert.equal(found[0]?.code, 'LTSP_VALUE_UNSAFE', v);
      assert.match(found[0]!.message, /LTSP 5 would have expanded\/executed this in a shell; ltsp-agent uses it literally/);
    }
    for (const v of ['cost: 5$', 'plain text', '100%']) assert.deepEqual(codes('RCFILE_01', v), [], v);
  });

  it('never repeats a secret value', () => {
    for (const v of ['s3cr$Et', 'x`y', 'a$(b)c']) {
      for (const p of check('LDM_PASSWORD', v)) {
        assert.ok(!p.message.includes(v) && !(p.hint ?? '').includes(v));
        assert.ok(!p.message.includes('$E'), 'not even a fragment');
      }
    }
  });

  it('reports type errors', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['VOLUME', 'loud', /not a whole number/],
      ['VOLUME', '101', /out of range/],
      ['NBD_SWAP_THRESHOLD', '-5', /out of range/],
      ['SSH_OVERRIDE_PORT', '0', /out of range/],
      ['SSH_OVERRIDE_PORT', '65536', /out of range/],
      ['SSH_OVERRIDE_PORT', '22a', /not a whole number/],
      ['HOSTNAME_EXTRA', 'serial', /not one of/],
      ['HWCLOCK', 'local', /not one of/],
      ['SERVER', '192.168.67.300', /not a valid IP address/],
      ['SERVER', 'my_server', /not a valid host name/],
      ['SERVER', 'a b', /more than one host/],
      ['NBD_SWAP_HOST', '-bad', /not a valid host name/],
      ['SYSLOG_HOST', 'ok.example.org bad..name', /not a valid host name/],
      ['DNS_SERVER', '8.8.8.8 dns.example.org', /not an IP address/],
      ['X_CONF', 'etc/X11/xorg.conf', /not an absolute path/],
      ['SHUTDOWN_TIME', '24:00', /HH:MM/],
      ['SCREEN_DEFAULT', '13', /screen number/],
      ['X_COLOR_DEPTH', '32', /not one of/],
      ['XKBLAYOUT', 'us de', /single word/],
      ['SCREEN_07_X_COLOR_DEPTH', 'deep', /not one of/],
    ];
    for (const [key, value, re] of cases) {
      const found = check(key, value);
      assert.equal(found.length, 1, `${key}=${value}: ${found.map((p) => p.message).join('; ')}`);
      assert.equal(found[0]!.code, 'LTSP_VALUE_INVALID', key);
      assert.equal(found[0]!.severity, 'error', key);
      assert.match(found[0]!.message, re, `${key}=${value}`);
      assert.ok(found[0]!.hint, key);
    }
    // a key ltsp-agent does not read yet: said so, and its value checked all the same
    assert.deepEqual(codes('SCREEN_07_LDM_LOGLEVEL', 'loud'), ['LTSP_KEY_NOT_YET', 'LTSP_VALUE_INVALID']);
    assert.deepEqual(codes('LDM_LOGLEVEL', '6'), ['LTSP_KEY_NOT_YET']);
    // read by the login per screen: checked, no longer "not yet"
    assert.deepEqual(codes('SCREEN_07_X_BLANKING', 'never'), ['LTSP_VALUE_INVALID']);
    assert.deepEqual(codes('X_BLANKING', '600'), []);
    assert.equal(check('LDM_USER_ALLOW', 'alice, bob')[0]?.severity, 'warning');
  });

  it('checks the output of the resolver with file and line', () => {
    const conf = parseLtsConf('[default]\n  SOUND = 1\n  SEVER = 10.0.0.1\n[00:11:22:33:44:55]\n  LDM_ALLOW_USER = alice\n', { file: 'lts.conf' });
    const res = resolveLtsConf(conf, { mac: '00:11:22:33:44:55' });
    const found = checkResolvedValues(res.values).map((p) => `${p.where.line} ${p.where.key} ${p.code}`);
    assert.deepEqual(found.sort(), ['2 SOUND LTSP_VALUE_READS_FALSE', '3 SEVER LTSP_KEY_UNKNOWN', '5 LDM_ALLOW_USER LTSP_KEY_IGNORED'].sort());
  });
});

describe('fuzz', () => {
  // A small deterministic generator: the same garbage every run.
  function* garbage(seed: number, count: number): Generator<string> {
    let s = seed >>> 0;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    const pieces = ['_', 'SCREEN_', 'LDM_', '$(', '`', '$', '\\', '<', '>', 'VOLUME', '_0', '07', '13', 'é', '\u0000', '\n', ' ', 'NONE', '"', '💥', 'MODULE_', 'x'];
    for (let i = 0; i < count; i++) {
      let out = '';
      const len = next() % 12;
      for (let j = 0; j < len; j++) {
        out += next() % 3 === 0 ? pieces[next() % pieces.length] : String.fromCharCode(next() % 0x2000);
      }
      yield out;
    }
  }

  it('never throws and always reports well-formed problems', () => {
    const keys = [...garbage(1, 1500)];
    const values = [...garbage(2, 1500)];
    const input: KeyValue[] = keys.map((key, i) => ({ key, value: values[i]!, file: 'f', line: i }));
    // Real keys with garbage values exercise every type check.
    for (const spec of ALL_KEYS) {
      const name = spec.name.replace(/<[^>]*>/g, (m) => (m === '<KEY>' ? 'XKBLAYOUT' : /\d/.test(m) ? '1' : 'A'));
      for (const v of values.slice(0, 20)) input.push({ key: name.replace('SCREEN_1', 'SCREEN_01'), value: v });
    }
    const problems = checkKeys(input);
    for (const p of problems) {
      assert.match(p.code, /^LTSP_[A-Z_]+$/);
      assert.equal(typeof p.message, 'string');
      assert.ok(!p.message.includes('internal error'), p.message);
    }
    for (const k of keys) suggestKeys(k);
  });

  it('survives values of the wrong JavaScript type', () => {
    const weird = [null, undefined, 42, {}, [], Symbol.iterator.description, { key: 1, value: 2 }] as unknown as KeyValue[];
    // checkKeys turns its own exceptions into "internal error" problems: there must be none.
    const internal = (ps: Problem[]) => ps.filter((p) => p.message.includes('internal error')).map((p) => p.message);
    assert.deepEqual(internal(checkKeys(weird)), []);
    assert.deepEqual(checkKeys(null as unknown as KeyValue[]), []);
    const noProto = [{ key: Object.create(null), value: Object.create(null) }] as unknown as KeyValue[];
    assert.deepEqual(internal(checkKeys(noProto)), []);
    const huge = checkKeys([{ key: 'X'.repeat(100000), value: '$('.repeat(100000) }]);
    assert.deepEqual(internal(huge), []);
    assert.deepEqual(huge.map((p) => p.code).sort(), ['LTSP_KEY_UNKNOWN', 'LTSP_VALUE_UNSAFE']);
  });
});

describe('docs/lts.conf.md', () => {
  it('is up to date with the registry (run: node --import tsx tools/gen-keys-doc.ts)', () => {
    assert.equal(readFileSync(DOC_PATH, 'utf8'), renderKeysDoc());
  });

  it('lists every key once', () => {
    const doc = renderKeysDoc();
    for (const k of ALL_KEYS) {
      const rows = doc.split('\n').filter((l) => l.startsWith(`| \`${k.name}\` |`));
      assert.equal(rows.length, 1, k.name);
    }
  });
});

describe('many unknown keys', () => {
  it('lists the first ones with their did-you-mean and counts the rest in one problem', () => {
    const input: KeyValue[] = [{ key: 'LDM_SERVR', value: 'x', file: 'f', line: 1 }];
    for (let i = 0; i < 5000; i++) input.push({ key: `ZZQ_${i}_NOT_A_KEY`, value: 'x', file: 'f', line: i + 2 });
    input.push({ key: 'SOUND', value: 'on', file: 'f', line: 6000 });
    const problems = checkKeys(input);
    const unknown = problems.filter((p) => p.code === 'LTSP_KEY_UNKNOWN');
    assert.equal(unknown.length, 101);
    assert.match(unknown[0]!.hint!, /LDM_SERVER/);
    assert.match(unknown[100]!.message, /^4901 more keys that neither LTSP 5 nor ltsp-agent knows/);
    assert.deepEqual(unknown[100]!.where, { file: 'f', line: 101 });
    // known keys past the cap are still checked
    assert.equal(problems.find((p) => p.where.line === 6000)?.code, 'LTSP_VALUE_READS_FALSE');
  });
});
