import { join } from 'node:path';

/**
 * The lab dir: `.lab/` under the current directory unless WSLAB_DIR says otherwise. Below the CLI
 * and the experiments, which both keep their working files there.
 */
export function labDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WSLAB_DIR ?? join(process.cwd(), '.lab');
}
