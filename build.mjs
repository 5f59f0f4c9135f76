// Bundles the agent into ONE executable file, dist/ltsp-agent, that runs with Node >= 18
// from a directory without node_modules. The file is a small loader followed by two programs
// in a comment (agent/cli/embedded.ts): "main" and "login", each compiled only when it runs,
// with V8's code cache. Native addons stay outside and are loaded lazily where a feature
// needs them (node-pty; ssh2 falls back to pure-JS crypto).
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  // node18: Debian 12's nodejs, which the QEMU boot proof runs the bundle with in the client root.
  target: 'node18',
  format: 'cjs',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  // x11: dbus-next's optional session-bus discovery over X; the agent only uses the system bus.
  external: ['*.node', 'cpu-features', 'node-pty', 'pino-pretty', 'x11'],
  logLevel: 'warning',
  write: false,
  metafile: true,
};

/** In the bundle, `login` is the embedded program of that name (agent/cli/lazy-login.ts). */
const embedLogin = {
  name: 'embed-login',
  setup(b) {
    b.onResolve({ filter: /[/\\]lazy-login\.ts$/ }, () => ({ path: 'lazy-login', namespace: 'embed' }));
    b.onLoad({ filter: /.*/, namespace: 'embed' }, () => ({
      loader: 'js',
      contents: `export const loadLogin = async () => globalThis[Symbol.for('ltsp-agent.load-embedded')]('login');\n`,
    }));
  },
};

const [loader, main, login] = await Promise.all([
  build({ ...common, entryPoints: ['agent/bootstrap.ts'], outfile: 'loader.js' }),
  build({ ...common, entryPoints: ['agent/cli/main.ts'], outfile: 'main.js', plugins: [embedLogin] }),
  build({ ...common, entryPoints: ['agent/cli/login.ts'], outfile: 'login.js' }),
]);
const text = (r) => r.outputFiles[0].text;
// Base64 keeps "*/" and anything else out of the comment. The large login program (ssh2, the
// X greeter, dbus-next) is deflated first ("z"): the file is read whole by Node at every start
// and by every client over NFS/NBD, and this halves it. The main program stays plain base64
// ("b"): a dry run would pay for loading zlib.
const encode = (s, how) => (how === 'z' ? deflateRawSync(Buffer.from(s, 'utf8'), { level: 9 }) : Buffer.from(s, 'utf8')).toString('base64');
// The file starts with the Node version check (agent/node-guard.cjs, ES5); the loader, whose
// syntax needs Node 18, is only a string to an older Node and is compiled after the check.
const guard = readFileSync('agent/node-guard.cjs', 'utf8').replace(/^\/\/.*\n/gm, '').trim();
const loaderCall = `(function () { return new Function('exports', 'require', 'module', '__filename', '__dirname', ${JSON.stringify(text(loader).trimEnd())})(exports, require, module, __filename, __dirname); });`;
const head = ['#!/usr/bin/env node', `${guard}${loaderCall}`, '/*LTSP-AGENT-PROGRAMS', ''].join('\n');
let body = head;
const index = [];
for (const [name, result, how] of [['main', main, 'b'], ['login', login, 'z']]) {
  const encoded = encode(text(result), how);
  index.push(`${name}:${Buffer.byteLength(body)}:${Buffer.byteLength(encoded)}:${createHash('sha256').update(encoded).digest('hex').slice(0, 16)}:${how}`);
  body += `${encoded}\n`;
}
const file = `${body}#index ${index.join(' ')}\n*/\n`;

mkdirSync('dist', { recursive: true });
// The npm packages inside the bundle, with their licences: the Debian package's copyright file
// lists them (tools/package.sh).
const bundled = new Map();
for (const r of [loader, main, login]) {
  for (const input of Object.keys(r.metafile.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!m || bundled.has(m[1])) continue;
    const pkg = JSON.parse(readFileSync(`node_modules/${m[1]}/package.json`, 'utf8'));
    bundled.set(m[1], `${m[1]} ${pkg.version} ${pkg.license ?? pkg.licenses?.[0]?.type ?? 'unknown'}`);
  }
}
writeFileSync('dist/bundled-modules.txt', [...bundled.values()].sort().join('\n') + '\n');
// The repository is "type": "module"; the bundle is CommonJS. Installed elsewhere
// (/usr/bin/ltsp-agent) there is no package.json around it and Node reads it as CommonJS.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
writeFileSync('dist/.ltsp-agent.tmp', file, { mode: 0o755 });
chmodSync('dist/.ltsp-agent.tmp', 0o755);
renameSync('dist/.ltsp-agent.tmp', 'dist/ltsp-agent');
const kib = (s) => (Buffer.byteLength(s) / 1024).toFixed(0);
console.error(`dist/ltsp-agent: ${kib(file)} KiB (loader ${kib(text(loader))}, main ${kib(text(main))}, login ${kib(text(login))} KiB before encoding)`);
