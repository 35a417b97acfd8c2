import type { Bus } from './bus/bus.js';
import { createMemoryBus } from './bus/memory.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createService } from './service.js';

/** Builds the bus the config asks for (Redis connections are created and owned by the bus factory). */
async function busFromConfig(config: Config, logger: Logger): Promise<Bus> {
  const busOptions = {
    instanceId: config.instanceId,
    history: config.history,
    historySize: config.historySize,
    historyTtlS: config.historyTtlS,
  };
  if (config.busMode === 'memory') return createMemoryBus(busOptions);
  logger.fatal({ busMode: config.busMode }, 'bus mode not available yet');
  throw new Error(`BUS_MODE=${config.busMode} is not available`);
}

/** Entry point: config → logger → bus → service → listen; SIGTERM/SIGINT drain and exit 0. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  const bus = await busFromConfig(config, logger);
  const service = createService({ config, bus, logger });
  const port = await service.listen();
  // The lab and tests read this line to learn the port when PORT=0.
  logger.info({ port, host: config.host, busMode: config.busMode, history: config.history }, 'listening');

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'signal: draining');
    service.drain().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
