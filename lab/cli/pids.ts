import { processState, readCommandLine } from '../../runtime/proc.js';

/** True when a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // No /proc (macOS): kill(0) is all we have.
  return processState(pid) !== 'Z';
}

/** The command line of a pid ('' when unknown), to check a recorded pid is still what we started. */
export function commandLineOf(pid: number): string {
  return readCommandLine(pid).replaceAll('\0', ' ').trim();
}

/** The binary a component kind runs, as it appears in its command line. */
const EXPECTED_COMMAND: Record<string, RegExp> = {
  redis: /redis-server/,
  replica: /node/,
  haproxy: /haproxy/,
  nginx: /nginx/,
  supervisor: /node/,
};

/**
 * True when `pid` is alive and still runs what the lab recorded for it: a pid
 * recorded in state.json may have been reused by an unrelated process since.
 */
export function isOurProcess(pid: number, kind: string): boolean {
  if (!isAlive(pid)) return false;
  const commandLine = commandLineOf(pid);
  const expected = EXPECTED_COMMAND[kind];
  return commandLine === '' || expected === undefined || expected.test(commandLine);
}
