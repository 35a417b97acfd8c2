import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bearerHeader, mintToken } from '../../app/src/contracts/client-token.js';
import { stopAll } from '../managed-process.js';
import { Topology } from './local-topology.js';

// An outsider against a topology with `auth: jwt` behind both proxies: each refusal through each
// public port, and the counter the replicas keep for it.

let root: string | undefined;
let topology: Topology;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'wslab-outsider-'));
  topology = await Topology.start({
    dir: join(root, 'lab'),
    proxy: 'both',
    replicas: 2,
    redisMode: 'single',
    auth: 'jwt',
    logLevel: 'warn',
  });
}, 120_000);

afterAll(async () => {
  await topology?.stop();
  await stopAll();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A counter summed over every replica (each keeps its own). */
async function replicaCounter(name: string, labels: string): Promise<number> {
  let total = 0;
  for (const slot of topology.replicas) {
    const text = await (await fetch(`${slot.httpUrl}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}{`) && line.includes(labels))
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

/** The upgrade's HTTP status (101 once open), and the socket when it opened. */
function upgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers, handshakeTimeout: 5_000 });
    socket.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.on('open', () => resolve({ status: 101, socket }));
    socket.on('error', () => resolve({ status: 0 }));
  });
}

function nextFrame(socket: WebSocket, op: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (frame.op !== op) return;
      socket.off('message', onMessage);
      resolve(frame);
    };
    socket.on('message', onMessage);
  });
}

describe.each(['haproxy', 'nginx'] as const)('an outsider through %s', (kind) => {
  const url = () => topology.proxy(kind).wsUrl;

  it('an upgrade without a token: 401, counted as token_missing', async () => {
    const before = await replicaCounter('wslab_upgrades_rejected_total', 'reason="token_missing"');
    expect((await upgrade(url())).status).toBe(401);
    expect(await replicaCounter('wslab_upgrades_rejected_total', 'reason="token_missing"')).toBe(before + 1);
  });

  it('an expired token: 401, counted as token_expired', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ rooms: ['*'], pub: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(nowS - 600)
      .setExpirationTime(nowS - 300)
      .sign(new TextEncoder().encode(topology.authJwtSecret!));
    const before = await replicaCounter('wslab_upgrades_rejected_total', 'reason="token_expired"');
    expect((await upgrade(url(), bearerHeader(expired))).status).toBe(401);
    expect(await replicaCounter('wslab_upgrades_rejected_total', 'reason="token_expired"')).toBe(before + 1);
  });

  it('a token of a secret the deployment does not hold (a replay after rotation): 401, token_invalid', async () => {
    const foreign = await mintToken(
      'a-retired-or-foreign-secret-0123456789',
      { rooms: ['*'], pub: ['*'] },
      600,
    );
    const before = await replicaCounter('wslab_upgrades_rejected_total', 'reason="token_invalid"');
    expect((await upgrade(url(), bearerHeader(foreign))).status).toBe(401);
    expect(await replicaCounter('wslab_upgrades_rejected_total', 'reason="token_invalid"')).toBe(before + 1);
  });

  it('a token for another room: connected, but join and pub there are forbidden (counted)', async () => {
    const token = (await topology.clientToken({ rooms: ['mine'], pub: ['mine'] }, 600))!;
    const { status, socket } = await upgrade(url(), bearerHeader(token));
    expect(status).toBe(101);
    const before = await replicaCounter('wslab_protocol_errors_total', 'code="forbidden"');
    const joinRefused = nextFrame(socket!, 'error');
    socket!.send(JSON.stringify({ op: 'join', room: 'theirs' }));
    expect(await joinRefused).toMatchObject({ code: 'forbidden' });
    const pubRefused = nextFrame(socket!, 'error');
    socket!.send(JSON.stringify({ op: 'pub', room: 'theirs', data: 1, id: 'p' }));
    expect(await pubRefused).toMatchObject({ code: 'forbidden', id: 'p' });
    expect(await replicaCounter('wslab_protocol_errors_total', 'code="forbidden"')).toBe(before + 2);
    socket!.close();
  });
});
