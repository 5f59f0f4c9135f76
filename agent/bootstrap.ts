// The first code dist/ltsp-agent runs: start the "main" program embedded at the end of the
// file (agent/cli/embedded.ts explains why the programs are embedded).
import { runEmbedded } from './cli/embedded.ts';

runEmbedded('main', __filename, require);
