import { execFileSync } from 'node:child_process';
import { removeStaleCgroups } from '../cgroup.js';
import { isAlive } from '../proc.js';
import { runNetworkCommand } from './command.js';
import { gatewayLinkOwner, namespaceOwner } from './names.js';

/** Names from `ip netns list` (each line: `name` or `name (id: N)`). */
export async function listNamespaces(): Promise<string[]> {
  const text = await runNetworkCommand('ip', ['netns', 'list']);
  return text
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** Link names of this machine's own namespace (`ip -o link`: `N: name@peer: …`). */
export async function listRootLinks(): Promise<string[]> {
  const text = await runNetworkCommand('ip', ['-o', 'link', 'show']);
  return text
    .split('\n')
    .map((line) => /^\d+: ([^:@\s]+)/.exec(line)?.[1] ?? '')
    .filter(Boolean);
}

/**
 * Removes what a lab killed before its cleanup left: our namespaces and gateway links whose owner
 * pid is gone (their bridge, veths and nftables rules go with the namespace), and its hosts'
 * cgroups. Another running
 * lab's (owner alive) and every name without our prefix are left alone. Returns what it removed.
 */
export async function removeStaleLabNetworks(): Promise<string[]> {
  const removed: string[] = [];
  for (const link of await listRootLinks()) {
    const owner = gatewayLinkOwner(link);
    if (owner === undefined || owner === process.pid || isAlive(owner)) continue;
    await runNetworkCommand('ip', ['link', 'del', link]).catch(() => undefined);
    removed.push(link);
  }
  for (const namespace of await listNamespaces()) {
    const owner = namespaceOwner(namespace);
    if (owner === undefined || owner === process.pid || isAlive(owner)) continue;
    await runNetworkCommand('ip', ['netns', 'del', namespace]).catch(() => undefined);
    removed.push(namespace);
  }
  removeStaleCgroups();
  return removed;
}

/** The same removal, synchronous, for a process 'exit' handler (the only kind of work it may do). */
export function removeNowSync(links: readonly string[], namespaces: readonly string[]): void {
  for (const link of links) {
    try {
      execFileSync('ip', ['link', 'del', link], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  for (const namespace of namespaces) {
    try {
      execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
