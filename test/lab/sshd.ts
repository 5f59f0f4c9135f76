// A real OpenSSH sshd in the lab's server namespace (test-lab.md §3): scratch config and host
// key in the lab directory, killed by PID at teardown. Test users get unique names, a random
// password set through chpasswd's stdin (never argv), and are removed with `userdel -r` at
// teardown, also when the test fails.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Lab } from './lab.ts';

export interface TestSshd {
  readonly port: number;
  readonly dir: string;
  /** "ssh-ed25519 AAAA..." (type and key, no comment). */
  readonly hostKey: string;
  /** A known_hosts file as ltsp-update-sshkeys writes it: the key under the given names. */
  writeKnownHosts(path: string, names?: readonly string[]): void;
  /** Replace the host key and restart (the "server was reinstalled" case). */
  regenerateHostKey(): Promise<void>;
  stop(): void;
}

export interface SshdOptions {
  port?: number;
  keyboardInteractive?: boolean;
  keyType?: 'ed25519' | 'ecdsa' | 'rsa';
  /** More addresses to listen on (a second "server" in the same namespace). */
  extraAddresses?: readonly string[];
}

function keygen(path: string, type: string): string {
  execFileSync('rm', ['-f', path, `${path}.pub`]);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', path, '-C', 'lab'], { stdio: 'ignore' });
  return readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

export async function startSshd(lab: Lab, opts: SshdOptions = {}): Promise<TestSshd> {
  const port = opts.port ?? 22;
  const dir = join(lab.dir, `sshd-${port}`);
  mkdirSync(dir, { recursive: true });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const keyPath = join(dir, 'hostkey');
  let hostKey = keygen(keyPath, opts.keyType ?? 'ed25519');
  const config = [
    ...[lab.serverIp, ...(opts.extraAddresses ?? [])].map((a) => `ListenAddress ${a}:${port}`),
    `HostKey ${keyPath}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PasswordAuthentication yes',
    `KbdInteractiveAuthentication ${opts.keyboardInteractive === false ? 'no' : 'yes'}`,
    'UsePAM yes',
    'PermitRootLogin no',
    'X11Forwarding yes',
    'X11UseLocalhost yes',
    'PrintMotd no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), config);
  let child = lab.spawn(lab.srv, ['/usr/sbin/sshd', '-D', '-e', '-f', join(dir, 'sshd_config')], { log: join(dir, 'sshd.log') });
  await lab.waitPort(lab.srv, 'tcp', port);
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* gone */
    }
  };
  const self: TestSshd = {
    port,
    dir,
    get hostKey() {
      return hostKey;
    },
    writeKnownHosts(path, names = ['server']) {
      writeFileSync(path, `# ssh keys for LTSP\n${names.join(',')} ${hostKey}\n`);
    },
    async regenerateHostKey() {
      stop();
      await new Promise((r) => setTimeout(r, 200));
      hostKey = keygen(keyPath, opts.keyType ?? 'ed25519');
      child = lab.spawn(lab.srv, ['/usr/sbin/sshd', '-D', '-e', '-f', join(dir, 'sshd_config')], { log: join(dir, 'sshd.log') });
      await lab.waitPort(lab.srv, 'tcp', port);
    },
    stop,
  };
  return self;
}

export interface TestUser {
  readonly name: string;
  readonly password: string;
  readonly home: string;
}

/** A local user for the server side (the lab's namespaces share /etc/passwd). Deleted at teardown. */
export function createUser(lab: Lab, prefix = 'lt'): TestUser {
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  const password = `Pw-${randomBytes(9).toString('base64url')}`;
  execFileSync('useradd', ['-m', '-s', '/bin/sh', name], { stdio: 'ignore' });
  lab.defer(() => {
    try {
      execFileSync('pkill', ['-KILL', '-u', name], { stdio: 'ignore' });
    } catch {
      /* no processes */
    }
    execFileSync('userdel', ['-r', '-f', name], { stdio: 'ignore' });
  });
  execFileSync('chpasswd', [], { input: `${name}:${password}\n`, stdio: ['pipe', 'ignore', 'ignore'] });
  return { name, password, home: `/home/${name}` };
}
