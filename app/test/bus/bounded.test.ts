import { describe, expect, it } from 'vitest';
import { boundedCall } from '../../src/bus/bounded.js';
import { BusUnavailableError } from '../../src/bus/errors.js';
import { ReplicaAckError } from '../../src/bus/scripts.js';

function replyError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('boundedCall', () => {
  it('passes a value through', async () => {
    expect(await boundedCall(Promise.resolve(7), 'read', 100)).toBe(7);
  });

  it('rejects with unavailable once the bound passes', async () => {
    const never = new Promise<never>(() => undefined);
    const started = Date.now();
    const error = await boundedCall(never, 'publish', 30).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect((error as BusUnavailableError).code).toBe('unavailable');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it.each([
    ['a transient reply', replyError('CLUSTERDOWN The cluster is down')],
    ['a connection error', new Error('Connection is closed.')],
    ['missing replica acks', new ReplicaAckError(0, 1)],
  ])('maps %s to unavailable', async (_name, cause) => {
    const error = await boundedCall(Promise.reject(cause), 'publish', 1000).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect((error as Error).cause).toBe(cause);
  });

  it('lets a real reply error (a bug in our command) through unchanged', async () => {
    const cause = replyError('ERR wrong number of arguments');
    expect(await boundedCall(Promise.reject(cause), 'read', 1000).catch((caught: unknown) => caught)).toBe(
      cause,
    );
  });
});
