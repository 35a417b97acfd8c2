import { stopAll } from '../../runtime/managed-process.js';

/**
 * Ctrl-C or SIGTERM during a long command (an experiment run): stop every
 * process the lab started before exiting. Without this the default action
 * ends the lab at once and its 'exit' hook cannot wait for children.
 */
export function stopEverythingOnSignals(): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\nwslab: ${signal}, stopping everything the lab started…\n`);
    void stopAll(3_000).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
