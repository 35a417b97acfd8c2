import pino from 'pino';
import type { Bus } from '../../src/bus/bus.js';
import { createMemoryBus, type MemoryBroker } from '../../src/bus/memory.js';
import { loadConfig } from '../../src/config.js';
import { createService, type Service } from '../../src/service.js';

export interface InProcessReplica {
  service: Service;
  port: number;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/** A service on a memory bus, listening on a free port of 127.0.0.1, in this process. */
export async function startInProcess(
  env: Record<string, string> = {},
  broker?: MemoryBroker,
  /** Wraps the memory bus (tests that reorder or delay what the bus delivers). */
  wrapBus: (bus: Bus) => Bus = (bus) => bus,
): Promise<InProcessReplica> {
  const config = loadConfig({ PORT: '0', BUS_MODE: 'memory', LOG_LEVEL: 'silent', ...env });
  const bus = wrapBus(
    createMemoryBus(
      { instanceId: config.instanceId, history: config.history, historySize: config.historySize },
      broker,
    ),
  );
  const service = createService({ config, bus, logger: pino({ level: 'silent' }) });
  const port = await service.listen();
  return {
    service,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      await service.close();
      await bus.close();
    },
  };
}
