import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ManagedProcess, type ProcessHost } from '../../runtime/managed-process.js';
import { waitFor } from '../../runtime/wait-for.js';

const TCP_TOOL = fileURLToPath(new URL('./tcp-tool.ts', import.meta.url));

/** The log of a process so far ('' before its first line). */
export function logOf(process: ManagedProcess): string {
  try {
    return readFileSync(process.logPath, 'utf8');
  } catch {
    return '';
  }
}

/** Starts tcp-tool.ts (`echo`, `send`, `connect`, `udp-echo`) as a child, on `host` if given. */
export function startTool(name: string, args: string[], logDir: string, host?: ProcessHost): ManagedProcess {
  return new ManagedProcess({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', TCP_TOOL, ...args],
    logDir,
    ...(host ? { host } : {}),
  });
}

/** Waits until `text` is in the process's log (written from a pipe: it can land after an exit). */
export function waitForLog(process: ManagedProcess, text: string, timeoutMs = 30_000): Promise<boolean> {
  return waitFor(() => logOf(process).includes(text), {
    timeoutMs,
    description: `"${text}" in ${process.logPath}`,
  });
}

/** A server tool that is listening. */
export async function startServer(
  name: string,
  args: string[],
  logDir: string,
  host?: ProcessHost,
): Promise<ManagedProcess> {
  const server = startTool(name, args, logDir, host);
  await waitForLog(server, 'listening');
  return server;
}
