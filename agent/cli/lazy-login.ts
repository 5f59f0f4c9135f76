// The login command and everything under it (ssh2, node-ssh, the X greeter) is two thirds of
// the bundle but only one command. From source it is a plain dynamic import; the bundle
// replaces this module (build.mjs) with the same code embedded as a string and compiled only
// when `login` runs, with V8's code cache (agent/cli/embedded.ts), so that every other
// command starts without parsing it.

export const loadLogin = async (): Promise<typeof import('./login.ts')> => import('./login.ts');
