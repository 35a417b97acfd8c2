/** Test shim of `k6/websockets` over the `ws` package: just the surface the k6 scripts use. */
import NodeWebSocket from 'ws';

export interface MessageEvent {
  data: string;
}

export class WebSocket {
  private readonly socket: NodeWebSocket;
  onopen: () => void = () => {};
  onmessage: (event?: MessageEvent) => void = () => {};
  onerror: (event?: unknown) => void = () => {};
  onclose: () => void = () => {};

  constructor(readonly url: string) {
    this.socket = new NodeWebSocket(url, { perMessageDeflate: false });
    this.socket.on('open', () => this.onopen());
    this.socket.on('message', (data) => this.onmessage({ data: data.toString() }));
    this.socket.on('error', (error) => this.onerror({ error: error.message }));
    this.socket.on('close', () => this.onclose());
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  send(data: string): void {
    this.socket.send(data);
  }

  close(code?: number): void {
    if (this.socket.readyState === NodeWebSocket.OPEN) this.socket.close(code);
    else this.socket.terminate();
  }
}
