import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../../runtime/wait-for.js';
import { type InProcessReplica, startInProcess } from './helpers/in-process.js';
import { metricValue } from './helpers/metrics.js';
import { ProbeClient } from './helpers/ws-client.js';

/** The status an upgrade gets: 101 when it opens, else the HTTP status of the refusal. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('error', () => undefined);
  });
}

describe('MAX_CONNECTIONS', () => {
  let replica: InProcessReplica | undefined;
  const clients: ProbeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await replica?.stop();
  });

  it('answers 503 before the upgrade past the cap, counted, and accepts again once one closes', async () => {
    replica = await startInProcess({ MAX_CONNECTIONS: '3' });
    const registry = replica.service.metrics.registry;
    for (let index = 0; index < 3; index += 1) clients.push(await ProbeClient.connect(replica.wsUrl));
    expect(await upgradeStatus(replica.wsUrl)).toBe(503);
    expect(await upgradeStatus(replica.wsUrl)).toBe(503);
    expect(await metricValue(registry, 'wslab_upgrades_rejected_total', { reason: 'max_connections' })).toBe(
      2,
    );
    // the refused ones never counted as open
    expect(await metricValue(registry, 'wslab_connections_open')).toBe(3);

    const leaving = clients.shift()!;
    leaving.close();
    await leaving.closed;
    await waitFor(async () => (await metricValue(registry, 'wslab_connections_open')) === 2, {
      description: 'one connection closed',
    });
    expect(await upgradeStatus(replica.wsUrl)).toBe(101);
  });
});
