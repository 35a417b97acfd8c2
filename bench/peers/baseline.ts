/**
 * The "before" of a send-path change in the same run: the service's `app/` folder at a git ref
 * (e.g. `main`), extracted once under `.lab/bench/peers-baseline-<commit>/` and started like this
 * tree's replicas (same runtime, same node_modules).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Extracts `ref`'s `app/` (if not already there) and returns its entry point's absolute path. */
export function extractBaseline(ref: string): { commit: string; entry: string } {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  const dir = join(process.cwd(), '.lab', 'bench', `peers-baseline-${commit.slice(0, 12)}`);
  const entry = join(dir, 'app', 'src', 'main.ts');
  if (!existsSync(entry)) {
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', commit, 'app'], { maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
  }
  return { commit, entry };
}
