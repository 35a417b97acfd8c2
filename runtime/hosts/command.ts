import { execFile } from 'node:child_process';

/** A system tool (`ip`, `nft`, `tc`) failed: the command and what it printed, word for word. */
export class NetworkCommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr.trim() || 'failed'}`);
  }
}

/**
 * Runs `ip`, `nft` or `tc` (the normal way to drive namespaces, nftables and qdiscs) and returns
 * its stdout. `input` goes to stdin (an `nft -f -` ruleset). Rejects with the exact stderr.
 */
export function runNetworkCommand(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) {
        const detail =
          stderr || ((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : error.message);
        reject(new NetworkCommandError(`${command} ${args.join(' ')}`, detail));
        return;
      }
      resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs `command args` inside the network namespace `netnsPath` (nsenter: no /sys remount, unlike `ip netns exec`). */
export function runInNamespace(
  netnsPath: string,
  command: string,
  args: readonly string[],
  input?: string,
): Promise<string> {
  return runNetworkCommand('nsenter', [`--net=${netnsPath}`, command, ...args], input);
}
