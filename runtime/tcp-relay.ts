import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP relay whose link can be cut silently (see `startTcpRelay`). */
export interface TcpRelay {
  /** 127.0.0.1 port clients dial instead of the target. */
  readonly port: number;
  /** Stops forwarding both ways on every connection, new ones included; nothing is closed. */
  cut(): void;
  /** Forwards again: what waited in the socket buffers flows on, in order. */
  heal(): void;
  readonly isCut: boolean;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
}

/**
 * A silent cut between one process and another on loopback, without firewall rules: a relay in
 * front of `targetPort` that, while cut, stops reading either side. No FIN, no RST, no error: the
 * kernel still ACKs what fits in the buffers, the peers see an open connection that answers
 * nothing — what a partition or a blackholed host looks like to TCP (until retransmission gives
 * up, ~15 min). New connections are accepted (the kernel would) and held unconnected until the
 * heal. Used by the bus health tests and the silent-failure measurement (one replica's Redis link).
 */
export async function startTcpRelay(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpRelay> {
  const pairs = new Set<Pair>();
  let isCut = false;
  const link = (pair: Pair): void => {
    if (pair.upstream === null) {
      const upstream = connect(targetPort, targetHost);
      pair.upstream = upstream;
      upstream.on('error', () => pair.client.destroy());
      upstream.on('close', () => pair.client.destroy());
      pair.client.on('close', () => upstream.destroy());
    }
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
    pair.client.resume();
    pair.upstream.resume();
  };
  const unlink = (pair: Pair): void => {
    pair.client.unpipe();
    pair.client.pause();
    pair.upstream?.unpipe();
    pair.upstream?.pause();
  };
  const server: Server = createServer((client) => {
    const pair: Pair = { client, upstream: null };
    pairs.add(pair);
    client.on('error', () => client.destroy());
    client.on('close', () => pairs.delete(pair));
    client.pause();
    if (!isCut) link(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp relay: no port');
  return {
    port: address.port,
    get isCut() {
      return isCut;
    },
    cut() {
      isCut = true;
      for (const pair of pairs) unlink(pair);
    },
    heal() {
      isCut = false;
      for (const pair of pairs) link(pair);
    },
    close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
