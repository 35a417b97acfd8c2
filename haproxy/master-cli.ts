import { connect } from 'node:net';

/** Sends one command to HAProxy's master CLI (`-S <socket>`) and resolves with its answer. */
export function masterCliCommand(socketPath: string, command: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`haproxy master CLI: no answer to "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // The master closes the connection after one command in non-interactive mode.
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

export interface HaproxyProcesses {
  masterPid: number;
  /** Workers of the current configuration. */
  workers: number[];
  /** Workers still serving connections from before a reload (until hard-stop-after). */
  oldWorkers: number[];
}

/** Parses the master CLI's `show proc` table (HAProxy 2.6 layout). */
export function parseShowProc(text: string): HaproxyProcesses {
  const result: HaproxyProcesses = { masterPid: 0, workers: [], oldWorkers: [] };
  let section: 'master' | 'workers' | 'old' | 'other' = 'master';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      if (/^#\s*workers/.test(trimmed)) section = 'workers';
      else if (/^#\s*old workers/.test(trimmed)) section = 'old';
      else if (!trimmed.startsWith('#<PID>')) section = 'other';
      continue;
    }
    const [pidText, type] = trimmed.split(/\s+/);
    const pid = Number(pidText);
    if (!Number.isInteger(pid)) continue;
    if (type === 'master') result.masterPid = pid;
    else if (type === 'worker' && section === 'workers') result.workers.push(pid);
    else if (type === 'worker' && section === 'old') result.oldWorkers.push(pid);
  }
  return result;
}
