import { LiveCollector } from './collector.js';
import { LiveServer } from './server.js';

/** A live view being served: its collector (attach topologies, send phases and faults) and its page. */
export interface LiveView {
  collector: LiveCollector;
  server: LiveServer;
  stop(): Promise<void>;
}

/** Starts the collector and serves the page on loopback, on the port the last lab in `labDir` used if free. */
export async function startLiveView(labDir: string): Promise<LiveView> {
  const collector = new LiveCollector();
  const server = await LiveServer.startRemembered(collector, labDir);
  collector.start();
  return {
    collector,
    server,
    stop: async () => {
      await server.stop();
      await collector.stop();
    },
  };
}
