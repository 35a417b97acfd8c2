import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Outcome of a binary's config check: `ok` plus everything it printed. */
export interface ConfigCheck {
  ok: boolean;
  output: string;
}

async function run(command: string, args: string[]): Promise<ConfigCheck> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { timeout: 15_000 });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}` };
  }
}

/** `haproxy -c -dW`: warnings count as errors, so a rendered config must be clean. */
export function checkHaproxyConfig(configPath: string): Promise<ConfigCheck> {
  return run('haproxy', ['-c', '-dW', '-f', configPath]);
}

/**
 * `nginx -t` with the run dir as prefix and `-e` for the error log: without
 * `-e` nginx opens its compiled-in log path before it reads the config. `netnsPath`: run it in a
 * lab host's network namespace, where the proxy runs (`nginx -t` binds the listen addresses).
 */
export async function checkNginxConfig(
  configPath: string,
  runDir: string,
  errorLogPath: string,
  netnsPath?: string,
): Promise<ConfigCheck> {
  // nginx -t opens the pid file and logs: the run dir must exist.
  await mkdir(runDir, { recursive: true });
  const args = ['-t', '-q', '-c', configPath, '-p', runDir, '-e', errorLogPath];
  return netnsPath === undefined
    ? run('nginx', args)
    : run('nsenter', [`--net=${netnsPath}`, 'nginx', ...args]);
}
