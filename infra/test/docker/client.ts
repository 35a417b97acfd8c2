import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

/** What a user's client sees through the proxy: the replica that said hello, and its sticky cookie. */
export interface Hello {
  socket: WebSocket;
  /** INSTANCE_ID of the replica (its container name). */
  instance: string;
  /** `name=value` of a Set-Cookie on the 101 response, when the proxy set one. */
  cookie: string | undefined;
}

/** Opens a WebSocket and resolves on the service's `hello` frame (5 s). */
export function connect(url: string, headers: Record<string, string> = {}): Promise<Hello> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, handshakeTimeout: 5_000 });
    let cookie: string | undefined;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no hello from ${url} within 5 s`));
    }, 5_000);
    socket.on('upgrade', (response) => {
      const setCookie = response.headers['set-cookie'];
      cookie = setCookie?.[0]?.split(';')[0];
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: string; instance?: string };
      if (frame.op === 'hello') {
        clearTimeout(timer);
        resolve({ socket, instance: frame.instance!, cookie });
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves with the first frame matching `accept` (rejects after `timeoutMs`). */
export function nextFrame<T>(
  socket: WebSocket,
  accept: (frame: Record<string, unknown>) => boolean,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (accept(frame)) {
        cleanup();
        resolve(frame as T);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no matching frame within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('message', onMessage);
    };
    socket.on('message', onMessage);
  });
}

/**
 * Opens connections (each with its own `?room=` so room stickiness spreads them too) until
 * `wanted` distinct replicas answered, or the deadline passes. Returns one connection per replica.
 */
export async function reachReplicas(
  wsUrl: string,
  wanted: number,
  deadlineMs: number,
): Promise<Map<string, Hello>> {
  const byInstance = new Map<string, Hello>();
  const deadline = Date.now() + deadlineMs;
  let attempt = 0;
  const errors: string[] = [];
  while (byInstance.size < wanted && Date.now() < deadline) {
    attempt += 1;
    try {
      const hello = await connect(`${wsUrl}?room=spread-${attempt}`);
      if (byInstance.has(hello.instance)) hello.socket.close();
      else byInstance.set(hello.instance, hello);
    } catch (error) {
      errors.push((error as Error).message);
      await sleep(200);
    }
  }
  if (byInstance.size < wanted) {
    closeAll(byInstance);
    throw new Error(
      `reached ${byInstance.size} of ${wanted} replicas (${[...byInstance.keys()].join(', ')}) in ${deadlineMs} ms; ` +
        `${errors.length} failed connections, last: ${errors.at(-1) ?? 'none'}`,
    );
  }
  return byInstance;
}

export function closeAll(connections: Map<string, Hello>): void {
  for (const hello of connections.values()) hello.socket.close();
}

/** A publish on one replica reaches a subscriber on another (through Redis), both through the proxy. */
export async function crossReplicaPublish(wsUrl: string): Promise<{ from: string; to: string }> {
  const connections = await reachReplicas(wsUrl, 2, 15_000);
  const [subscriber, publisher] = [...connections.values()];
  return publishAcross(subscriber!, publisher!);
}

/** `publisher` publishes in a fresh room that `subscriber` joined; resolves once it arrived. Closes both. */
export async function publishAcross(
  subscriber: Hello,
  publisher: Hello,
): Promise<{ from: string; to: string }> {
  try {
    if (subscriber.instance === publisher.instance)
      throw new Error(`both connections are on ${subscriber.instance}: not a cross-replica publish`);
    const room = `cross-${Date.now()}`;
    subscriber.socket.send(JSON.stringify({ op: 'join', room }));
    await nextFrame(subscriber.socket, (frame) => frame.op === 'joined' && frame.room === room, 5_000);
    const token = `t-${Math.random().toString(36).slice(2)}`;
    const received = nextFrame(
      subscriber.socket,
      (frame) => frame.op === 'msg' && (frame.data as { token?: string } | undefined)?.token === token,
      5_000,
    );
    publisher.socket.send(JSON.stringify({ op: 'pub', room, data: { token }, id: '1' }));
    await received;
    return { from: publisher.instance, to: subscriber.instance };
  } finally {
    subscriber.socket.close();
    publisher.socket.close();
  }
}
