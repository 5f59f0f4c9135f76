// Bundles the agent into ONE executable file, dist/ltsp-agent, that runs with Node >= 18
// from a directory without node_modules. Native addons stay outside the bundle and are
// loaded lazily where a feature needs them (node-pty; ssh2 falls back to pure-JS crypto).
import { build } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
// The repository is "type": "module"; the bundle is CommonJS. Installed elsewhere
// (/usr/bin/ltsp-agent) there is no package.json around it and Node reads it as CommonJS.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
const result = await build({
  entryPoints: ['agent/cli/main.ts'],
  outfile: 'dist/ltsp-agent',
  bundle: true,
  platform: 'node',
  // node18: Debian 12's nodejs, which the QEMU boot proof runs the bundle with in the client root.
  target: 'node18',
  format: 'cjs',
  minifySyntax: true,
  minifyWhitespace: true,
  keepNames: false,
  legalComments: 'none',
  sourcemap: false,
  metafile: true,
  banner: { js: '#!/usr/bin/env node' },
  external: ['*.node', 'cpu-features', 'node-pty', 'pino-pretty'],
  define: { 'process.env.LTSP_AGENT_BUNDLED': '"1"' },
  logLevel: 'warning',
});
chmodSync('dist/ltsp-agent', 0o755);
const bytes = Object.values(result.metafile.outputs)[0].bytes;
console.error(`dist/ltsp-agent: ${(bytes / 1024).toFixed(0)} KiB`);
