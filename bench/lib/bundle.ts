// A bench's driver bundled the way build.mjs bundles the agent (one CommonJS file, syntax
// minified), so the process a bench measures loads and weighs what ships, not tsx's loader.

import { build } from 'esbuild';

export async function bundleLikeAgent(entry: string, outfile: string): Promise<string> {
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', minifySyntax: true, minifyWhitespace: true, logLevel: 'warning', external: ['pino-pretty'] });
  return outfile;
}
