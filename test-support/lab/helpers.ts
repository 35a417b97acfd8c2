import WebSocket from 'ws';
import { isAlive } from '../../lab/cli/pids.js';
import type { Topology } from '../../runtime/local/local-topology.js';
import { isPortOpen } from '../../runtime/ports.js';

/** Every pid a topology runs right now, proxy workers included. */
export async function topologyPids(topology: Topology): Promise<number[]> {
  const pids = topology.components().map((component) => component.pid);
  for (const proxy of topology.proxies) pids.push(...(await proxy.handle.workerPids().catch(() => [])));
  return pids;
}

/** Every port a topology listens on (clients, stats). */
export function topologyPorts(topology: Topology): number[] {
  return [
    ...topology.components().map((component) => component.port),
    ...topology.proxies.map((proxy) => proxy.handle.statsPort),
  ];
}

export async function openPorts(ports: readonly number[]): Promise<number[]> {
  const open: number[] = [];
  for (const port of ports) if (await isPortOpen(port)) open.push(port);
  return open;
}

export function alivePids(pids: readonly number[]): number[] {
  return pids.filter((pid) => isAlive(pid));
}

/** Connects, waits for the `hello` frame and returns the socket with the instance that answered. */
export async function connectHello(url: string): Promise<{ socket: WebSocket; instance: string }> {
  const socket = new WebSocket(url);
  const instance = await new Promise<string>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { op: string; instance?: string };
      if (frame.op === 'hello') resolve(frame.instance ?? '');
    });
  });
  return { socket, instance };
}

/** Closes a socket and waits for the close. */
export async function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return;
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.terminate();
  });
}
