import { runInNamespace } from './command.js';

/** tbf's bucket: at least 32 KiB (a few full-size frames), else 10 ms at the rate. */
function burstBytes(rateMbitPerS: number): number {
  return Math.max(32 * 1024, Math.round((rateMbitPerS * 1e6) / 8 / 100));
}

/**
 * Caps what `link` (in the namespace at `netnsPath`) sends to `rateMbitPerS` with a token bucket
 * (tbf, the qdisc this kernel has; no netem). Packets beyond a 50 ms queue are dropped, as on a
 * full router buffer. Replaces an earlier cap on the same link.
 */
export async function capLinkEgress(netnsPath: string, link: string, rateMbitPerS: number): Promise<void> {
  if (!(rateMbitPerS > 0)) throw new Error(`bandwidth cap must be above 0 Mbit/s, got ${rateMbitPerS}`);
  await runInNamespace(netnsPath, 'tc', [
    'qdisc',
    'replace',
    'dev',
    link,
    'root',
    'tbf',
    'rate',
    `${Math.round(rateMbitPerS * 1000)}kbit`,
    'burst',
    String(burstBytes(rateMbitPerS)),
    'latency',
    '50ms',
  ]);
}

/** Removes a cap set by capLinkEgress (the link's default qdisc comes back). No-op when uncapped. */
export async function uncapLinkEgress(netnsPath: string, link: string): Promise<void> {
  const current = await runInNamespace(netnsPath, 'tc', ['qdisc', 'show', 'dev', link, 'root']);
  if (!/\btbf\b/.test(current)) return;
  await runInNamespace(netnsPath, 'tc', ['qdisc', 'del', 'dev', link, 'root']);
}
