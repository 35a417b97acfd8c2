import { connect as connectTcp, type Socket } from 'node:net';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../../runtime/wait-for.js';
import type { Bus } from '../src/bus/bus.js';
import { tokenSubprotocols } from '../src/contracts/client-token.js';
import { type InProcessReplica, startInProcess } from './helpers/in-process.js';
import { metricValue } from './helpers/metrics.js';
import { ProbeClient } from './helpers/ws-client.js';

const API_KEY = 'test-api-key-0123456789';
const JWT_SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

describe('service over real sockets (memory bus)', () => {
  const replicas: InProcessReplica[] = [];
  const clients: ProbeClient[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const replica = await startInProcess(env);
    replicas.push(replica);
    return replica;
  };
  const connect = async (url: string, options: WebSocket.ClientOptions = {}) => {
    const client = await ProbeClient.connect(url, options);
    clients.push(client);
    return client;
  };
  /** The upgrade's HTTP status (101 once open; the socket is closed again at once). */
  const upgradeStatus = (url: string, protocols: string[] = [], options: WebSocket.ClientOptions = {}) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(url, protocols, options);
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('error', () => undefined);
    });
  const metric = (replica: InProcessReplica, name: string, labels: Record<string, string> = {}) =>
    metricValue(replica.service.metrics.registry, name, labels);
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const replica of replicas.splice(0)) await replica.stop();
  });

  it('says hello with its instance id, also in the X-Instance upgrade header', async () => {
    const replica = await start({ INSTANCE_ID: 'replica-7' });
    const client = new ProbeClient(replica.wsUrl);
    clients.push(client);
    await client.opened;
    expect(await client.next('hello')).toMatchObject({ instance: 'replica-7', version: 1, history: true });
    expect(client.upgradeHeaders['x-instance']).toBe('replica-7');
    expect((await fetch(`${replica.httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${replica.httpUrl}/readyz`)).status).toBe(200);
  });

  it.each([
    ['invalid JSON', '{"op":', 'bad_json'],
    ['unknown op', '{"op":"shout","room":"a"}', 'unknown_op'],
    ['missing fields', '{"op":"pub","room":"a","id":"m1"}', 'bad_frame'],
    ['bad room', '{"op":"join","room":"no spaces"}', 'bad_room'],
  ])('%s → error %s, connection stays, metric counts it', async (_name, text, code) => {
    const replica = await start();
    const client = await connect(replica.wsUrl);
    client.send(text);
    expect(await client.next('error')).toMatchObject({ code });
    expect(await metric(replica, 'wslab_protocol_errors_total', { code })).toBe(1);
    expect(await client.join('still-open')).toMatchObject({ op: 'joined' });
  });

  it.each([
    ['oversized frame', (socket: WebSocket) => socket.send('x'.repeat(2048)), 1009, 'frame_too_big'],
    ['binary frame', (socket: WebSocket) => socket.send(Buffer.from([1, 2, 3])), 1003, 'binary'],
    [
      'invalid UTF-8',
      // A raw text frame (FIN + opcode 1) with a bad byte, written under ws's validating sender.
      (socket: WebSocket) => {
        const payload = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
        const mask = Buffer.from([1, 2, 3, 4]);
        const masked = payload.map((byte, index) => byte ^ mask[index % 4]!);
        const raw = (socket as unknown as { _socket: Socket })._socket;
        raw.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(masked)]));
      },
      1007,
      'invalid_utf8',
    ],
  ])('%s → its close code, counted, process stays up', async (_name, misbehave, closeCode, label) => {
    const replica = await start({ MAX_FRAME_BYTES: '1024' });
    const client = await connect(replica.wsUrl);
    misbehave(client.socket);
    expect((await client.closed).code).toBe(closeCode);
    expect(await metric(replica, 'wslab_protocol_errors_total', { code: label })).toBe(1);
    expect(await metric(replica, 'wslab_close_codes_sent_total', { code: String(closeCode) })).toBe(1);
    const next = await connect(replica.wsUrl);
    expect(await next.join('after')).toMatchObject({ op: 'joined' });
  });

  it('pings on an interval and ends a peer that stops answering', async () => {
    const replica = await start({ PING_INTERVAL_MS: '100' });
    const silent = await connect(replica.wsUrl, { autoPong: false });
    const healthy = await connect(replica.wsUrl);
    await silent.closed;
    expect(await metric(replica, 'wslab_close_codes_sent_total', { code: '1006' })).toBe(1);
    expect(healthy.closeCode).toBeUndefined();
    expect(await healthy.join('alive')).toMatchObject({ op: 'joined' });
  });

  it('refuses rooms past MAX_ROOMS_PER_CONNECTION with too_many_rooms', async () => {
    const replica = await start({ MAX_ROOMS_PER_CONNECTION: '2' });
    const client = await connect(replica.wsUrl);
    await client.join('r1');
    await client.join('r2');
    client.send({ op: 'join', room: 'r3' });
    expect(await client.next('error')).toMatchObject({ code: 'too_many_rooms' });
    expect(await metric(replica, 'wslab_protocol_errors_total', { code: 'too_many_rooms' })).toBe(1);
    expect(replica.service.hub.memberCount('r3')).toBe(0);
  });

  it('rate-limits a publish flood, then closes a sustained one with 1008', async () => {
    const replica = await start({ PUBLISH_RATE_PER_S: '1', PUBLISH_BURST: '5' });
    const client = await connect(replica.wsUrl);
    for (let index = 0; index < 6; index += 1)
      client.send({ op: 'pub', room: 'f', data: index, id: `${index}` });
    expect(await client.next('error')).toMatchObject({ code: 'rate_limited', id: '5' });
    for (let index = 6; index < 20; index += 1)
      client.send({ op: 'pub', room: 'f', data: index, id: `${index}` });
    expect((await client.closed).code).toBe(1008);
    expect(
      await metric(replica, 'wslab_protocol_errors_total', { code: 'rate_limited' }),
    ).toBeGreaterThanOrEqual(5);
    expect(await metric(replica, 'wslab_protocol_errors_total', { code: 'publish_flood' })).toBe(1);
  });

  it('drops a client that never completes the upgrade (handshake timeout), counted', async () => {
    const replica = await start({ HANDSHAKE_TIMEOUT_MS: '300' });
    const socket = connectTcp(replica.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'); // and never the rest
    let response = '';
    socket.on('data', (chunk) => {
      response += chunk.toString();
    });
    await new Promise((resolve) => socket.once('close', resolve));
    expect(response).toMatch(/^HTTP\/1.1 408/);
    expect(await metric(replica, 'wslab_upgrades_rejected_total', { reason: 'handshake_timeout' })).toBe(1);
    expect((await fetch(`${replica.httpUrl}/healthz`)).status).toBe(200);
  });

  it('closes a slow consumer with 1013 and keeps its buffer bounded', async () => {
    const sendBufferMaxBytes = 64 * 1024;
    const replica = await start({
      SEND_BUFFER_MAX_BYTES: String(sendBufferMaxBytes),
      PUBLISH_RATE_PER_S: '100000',
      PUBLISH_BURST: '100000',
    });
    const slow = await connect(replica.wsUrl);
    await slow.join('firehose');
    const raw = (slow.socket as unknown as { _socket: Socket })._socket;
    raw.pause(); // stops reading: the kernel buffers fill, then the server's
    const publisher = await connect(replica.wsUrl);
    const payload = 'y'.repeat(8 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;
    let peakBuffered = 0;
    const serverSide = [...replica.service.clients].find((client) => client.rooms.has('firehose'))!;
    for (let batch = 0; batch < 400; batch += 1) {
      for (let index = 0; index < 10; index += 1)
        publisher.send({ op: 'pub', room: 'firehose', data: payload });
      await new Promise((resolve) => setTimeout(resolve, 2));
      peakBuffered = Math.max(peakBuffered, serverSide.socket.bufferedAmount);
      if ((await metric(replica, 'wslab_slow_consumers_dropped_total')) > 0) break;
    }
    expect(await metric(replica, 'wslab_slow_consumers_dropped_total')).toBe(1);
    // The cap plus one frame: nothing was queued after the cap was crossed.
    expect(peakBuffered).toBeLessThanOrEqual(sendBufferMaxBytes + 9 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    raw.resume();
    expect((await slow.closed).code).toBe(1013);
    expect(await metric(replica, 'wslab_close_codes_sent_total', { code: '1013' })).toBe(1);
  });

  it('closes a slow reader with 1013 while bursts are coalesced: bounded, in order, nothing after the cap', async () => {
    const sendBufferMaxBytes = 64 * 1024;
    let bus: Bus | undefined;
    const replica = await startInProcess(
      { SEND_BUFFER_MAX_BYTES: String(sendBufferMaxBytes) },
      undefined,
      (inner) => (bus = inner),
    );
    replicas.push(replica);
    const slow = await connect(replica.wsUrl);
    await slow.join('burst');
    const raw = (slow.socket as unknown as { _socket: Socket })._socket;
    raw.pause(); // reads nothing: the kernel buffers fill, then the server's
    const serverSide = [...replica.service.clients].find((client) => client.rooms.has('burst'))!;
    const pad = 'z'.repeat(8 * 1024);
    let peakUnsent = 0;
    let published = 0;
    for (let batch = 0; batch < 400; batch += 1) {
      // 20 entries of ~8 KiB per turn: coalesced into one write for the socket.
      for (let index = 0; index < 20; index += 1) {
        const dataJson = JSON.stringify({ n: published, pad });
        published += 1;
        void bus!.publish({ room: 'burst', dataJson, ts: Date.now(), origin: 'test' });
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
      peakUnsent = Math.max(peakUnsent, serverSide.socket.bufferedAmount + serverSide.outboxBytes);
      if ((await metric(replica, 'wslab_slow_consumers_dropped_total')) > 0) break;
    }
    expect(await metric(replica, 'wslab_slow_consumers_dropped_total')).toBe(1);
    // The cap plus one frame, outbox included: nothing was queued once the cap was crossed.
    expect(peakUnsent).toBeLessThanOrEqual(sendBufferMaxBytes + 9 * 1024);
    raw.resume();
    expect((await slow.closed).code).toBe(1013);
    // What it was sent before the close came whole and in order: a prefix of what was published.
    const received = slow.messages('burst').map((frame) => (frame.data as { n: number }).n);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(published);
    expect(received).toEqual([...Array(received.length).keys()]);
  });

  it('replays a backlog 12× its send buffer whole on resume, then live entries, in order, with no 1013', async () => {
    const sendBufferMaxBytes = 64 * 1024;
    let bus: Bus | undefined;
    const replica = await startInProcess(
      { SEND_BUFFER_MAX_BYTES: String(sendBufferMaxBytes) },
      undefined,
      (inner) => (bus = inner),
    );
    replicas.push(replica);
    const pad = 'b'.repeat(4 * 1024);
    const publish = (n: number) =>
      bus!.publish({ room: 'backlog', dataJson: JSON.stringify({ n, pad }), ts: Date.now(), origin: 'test' });
    // ~800 KiB of history the client missed (200 × 4 KiB), before it resumes from the start.
    for (let n = 0; n < 200; n += 1) await publish(n);
    const late = await connect(replica.wsUrl);
    const joined = await late.join('backlog', { offset: 0, epoch: (await bus!.position('backlog')).epoch });
    expect(joined).toMatchObject({ recovered: true, missed: false });
    // Live entries published while the replay is paced come after it (a turn apart: 20 × 4 KiB in
    // one turn would itself be more than the cap, a slow consumer by the live rule).
    for (let n = 200; n < 220; n += 1) {
      await publish(n);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const received = (await late.waitForMessages('backlog', 220)).map(
      (frame) => (frame.data as { n: number }).n,
    );
    expect(received).toEqual([...Array(220).keys()]);
    expect(await metric(replica, 'wslab_slow_consumers_dropped_total')).toBe(0);
  });

  it('closes with 1013 a resuming client that reads nothing of its replay for the heartbeat timeout', async () => {
    const sendBufferMaxBytes = 64 * 1024;
    let bus: Bus | undefined;
    const replica = await startInProcess(
      // heartbeat 200 ms: the replay gives a peer that reads nothing 1.2 s (heartbeatTimeoutMs)
      { SEND_BUFFER_MAX_BYTES: String(sendBufferMaxBytes), HEARTBEAT_INTERVAL_MS: '200' },
      undefined,
      (inner) => (bus = inner),
    );
    replicas.push(replica);
    const pad = 'c'.repeat(8 * 1024);
    // 4 MiB of history: more than the kernel's socket buffers can hide.
    for (let n = 0; n < 512; n += 1)
      await bus!.publish({
        room: 'stall',
        dataJson: JSON.stringify({ n, pad }),
        ts: Date.now(),
        origin: 'test',
      });
    const stalled = await connect(replica.wsUrl);
    const raw = (stalled.socket as unknown as { _socket: Socket })._socket;
    raw.pause(); // reads nothing from now on
    stalled.send({
      op: 'join',
      room: 'stall',
      since: { offset: 0, epoch: (await bus!.position('stall')).epoch },
    });
    const serverSide = await waitFor(
      () => [...replica.service.clients].find((client) => client.rooms.has('stall')),
      { timeoutMs: 5_000, description: 'the joining client' },
    );
    let peakUnsent = 0;
    await waitFor(
      async () => {
        peakUnsent = Math.max(peakUnsent, serverSide.socket.bufferedAmount + serverSide.outboxBytes);
        return (await metric(replica, 'wslab_slow_consumers_dropped_total')) > 0 ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 20, description: 'the stalled replay closed' },
    );
    // Paced: never more than the cap (plus one frame) held for it.
    expect(peakUnsent).toBeLessThanOrEqual(sendBufferMaxBytes + 9 * 1024);
    raw.resume();
    expect((await stalled.closed).code).toBe(1013);
    expect(await metric(replica, 'wslab_close_codes_sent_total', { code: '1013' })).toBe(1);
  });

  it('POST /api/publish reaches subscribers through the bus and history; needs the key', async () => {
    const replica = await start({ PUBLISH_API_KEY: API_KEY });
    const subscriber = await connect(replica.wsUrl);
    await subscriber.join('progress');
    const post = (key: string, body: unknown) =>
      fetch(`${replica.httpUrl}/api/publish`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('wrong-key-wrong-key', { room: 'progress', data: 1 })).status).toBe(401);
    expect((await post(API_KEY, { room: 'bad room', data: 1 })).status).toBe(400);
    const response = await post(API_KEY, { room: 'progress', data: { percent: 50 } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { offset: number; epoch: string };
    expect(body.offset).toBe(1);
    const [message] = await subscriber.waitForMessages('progress', 1);
    expect(message).toMatchObject({ data: { percent: 50 }, offset: 1, epoch: body.epoch });
    // Stored in history like a client publish: a resume from 0 replays it.
    const late = await connect(replica.wsUrl);
    await late.join('progress', { offset: 0, epoch: body.epoch });
    expect((await late.waitForMessages('progress', 1))[0]).toMatchObject({ data: { percent: 50 } });
  });

  it('answers 404 on /api/publish when no key is configured', async () => {
    const replica = await start();
    const response = await fetch(`${replica.httpUrl}/api/publish`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });

  it('refuses upgrades by token and Origin with their status, each reason counted; ?token= is not read', async () => {
    const PREVIOUS = 'the-retired-secret-the-retired-secret-xyz';
    const replica = await start({
      AUTH_JWT_SECRET: JWT_SECRET,
      AUTH_JWT_SECRET_PREVIOUS: PREVIOUS,
      AUTH_TOKEN_MAX_LIFETIME_S: '3600',
      ALLOWED_ORIGINS: 'https://app.example',
    });
    const sign = (secret: string, build: (jwt: SignJWT) => SignJWT) =>
      build(new SignJWT({ rooms: ['granted'], pub: [] }).setProtectedHeader({ alg: 'HS256' })).sign(
        new TextEncoder().encode(secret),
      );
    const token = await sign(JWT_SECRET, (jwt) => jwt.setIssuedAt().setExpirationTime('5m'));
    const retired = await sign(PREVIOUS, (jwt) => jwt.setIssuedAt().setExpirationTime('5m'));
    const forged = await sign('another-secret-another-secret-another', (jwt) => jwt.setExpirationTime('5m'));
    const expired = await sign(JWT_SECRET, (jwt) => jwt.setIssuedAt('10m ago').setExpirationTime('5m ago'));
    const noExp = await sign(JWT_SECRET, (jwt) => jwt.setIssuedAt());
    const tooLong = await sign(JWT_SECRET, (jwt) => jwt.setIssuedAt().setExpirationTime('2h'));
    const status = upgradeStatus;
    const reason = (name: string) => metric(replica, 'wslab_upgrades_rejected_total', { reason: name });
    expect(await status(replica.wsUrl)).toBe(401);
    expect(await status(`${replica.wsUrl}?token=${token}`)).toBe(401);
    expect(await reason('token_missing')).toBe(2);
    expect(await status(replica.wsUrl, tokenSubprotocols(forged))).toBe(401);
    expect(await status(replica.wsUrl, tokenSubprotocols(noExp))).toBe(401);
    expect(await reason('token_invalid')).toBe(2);
    expect(await status(replica.wsUrl, tokenSubprotocols(expired))).toBe(401);
    expect(await reason('token_expired')).toBe(1);
    expect(await status(replica.wsUrl, tokenSubprotocols(tooLong))).toBe(401);
    expect(await reason('token_lifetime')).toBe(1);
    expect(await status(replica.wsUrl, tokenSubprotocols(token), { origin: 'https://evil.example' })).toBe(
      403,
    );
    expect(await reason('origin')).toBe(1);
    expect(await status(`${replica.httpUrl.replace('http', 'ws')}/other`, tokenSubprotocols(token))).toBe(
      404,
    );
    // Rollover: a token of the retired secret still connects.
    expect(await status(replica.wsUrl, tokenSubprotocols(retired))).toBe(101);

    const client = await connect(replica.wsUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(await client.join('granted')).toMatchObject({ op: 'joined' });
    const viaProtocol = new ProbeClient(
      replica.wsUrl,
      { origin: 'https://app.example' },
      tokenSubprotocols(token),
    );
    clients.push(viaProtocol);
    await viaProtocol.opened;
    // The answer names wslab.v1: the token never comes back in a response header.
    expect(viaProtocol.socket.protocol).toBe('wslab.v1');
    expect(await viaProtocol.join('granted')).toMatchObject({ op: 'joined' });
    client.send({ op: 'join', room: 'other' });
    expect(await client.next('error')).toMatchObject({ code: 'forbidden' });
    client.send({ op: 'pub', room: 'granted', data: 1, id: 'p' });
    expect(await client.next('error')).toMatchObject({ code: 'forbidden', id: 'p' });
  });

  it('with auth on, Origin: listed passes, foreign or missing from a browser-like client 403, each counted', async () => {
    const replica = await start({ AUTH_JWT_SECRET: JWT_SECRET, ALLOWED_ORIGINS: 'https://app.example' });
    const token = await new SignJWT({ rooms: ['*'], pub: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    const browser = { 'sec-fetch-mode': 'websocket', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' };
    const status = (headers: Record<string, string>) =>
      upgradeStatus(replica.wsUrl, tokenSubprotocols(token), { headers });
    const reason = (name: string) => metric(replica, 'wslab_upgrades_rejected_total', { reason: name });
    expect(await status({ ...browser, origin: 'https://app.example' })).toBe(101);
    expect(await status({ ...browser, origin: 'https://evil.example' })).toBe(403);
    expect(await reason('origin')).toBe(1);
    expect(await status(browser)).toBe(403);
    expect(await reason('origin_missing')).toBe(1);
    // A non-browser (no Origin, no browser headers) is judged by its token alone.
    expect(await status({})).toBe(101);

    const unlisted = await start({ AUTH_JWT_SECRET: JWT_SECRET });
    const refused = await upgradeStatus(unlisted.wsUrl, tokenSubprotocols(token), {
      headers: { ...browser, origin: 'https://app.example' },
    });
    // Auth on and no allow-list: no browser Origin is allowed.
    expect(refused).toBe(403);
  });

  it('drains: readyz 503, new upgrades 503, clients closed with 1012 within the window', async () => {
    const replica = await start({ DRAIN_WINDOW_MS: '500' });
    const members = await Promise.all(Array.from({ length: 20 }, () => connect(replica.wsUrl)));
    const startedAt = Date.now();
    const drained = replica.service.drain();
    expect((await fetch(`${replica.httpUrl}/readyz`)).status).toBe(503);
    const late = new WebSocket(replica.wsUrl);
    late.on('error', () => undefined);
    const lateStatus = await new Promise((resolve) =>
      late.once('unexpected-response', (_r, res) => resolve(res.statusCode)),
    );
    expect(lateStatus).toBe(503);
    const closes = await Promise.all(
      members.map(async (member) => ({ code: (await member.closed).code, atMs: Date.now() - startedAt })),
    );
    expect(closes.map((close) => close.code)).toEqual(Array(20).fill(1012));
    const times = closes.map((close) => close.atMs);
    expect(Math.max(...times)).toBeLessThan(500 + 1000);
    // Spread over the window with jitter, not all at once.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(100);
    await drained;
    expect(await metric(replica, 'wslab_close_codes_sent_total', { code: '1012' })).toBe(20);
    expect(await metric(replica, 'wslab_upgrades_rejected_total', { reason: 'draining' })).toBe(1);
  });

  it('rebalances a share of clients with 4000', async () => {
    const replica = await start({ PUBLISH_API_KEY: API_KEY });
    const members = await Promise.all(Array.from({ length: 10 }, () => connect(replica.wsUrl)));
    const response = await fetch(`${replica.httpUrl}/admin/rebalance`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY },
      body: JSON.stringify({ fraction: 0.5, windowMs: 100 }),
    });
    expect(await response.json()).toEqual({ closing: 5 });
    await waitFor(() => members.filter((member) => member.closeCode === 4000).length === 5);
    expect(members.filter((member) => member.closeCode === undefined)).toHaveLength(5);
  });
});
