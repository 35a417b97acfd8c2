import { BusUnavailableError } from './errors.js';
import { ReplicaAckError } from './scripts.js';

/** Redis errors that mean "try again later" rather than a bug in our commands. */
const TRANSIENT_REPLY = /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING|READONLY|MOVED|ASK|NOREPLICAS|BUSY)\b/;

/**
 * Bounds one Redis operation to `timeoutMs` and maps transient failures to
 * BusUnavailableError, so a caller hears `unavailable` instead of waiting on
 * ioredis's own retries. The operation itself is not cancelled: ioredis may
 * still run it later (hence at-least-once for a retried publish).
 */
export function boundedCall<T>(operation: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new BusUnavailableError(`bus: ${what} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(toBusError(error, what));
      },
    );
  });
}

/** Unreachable, timed out, transient replies and missing replica acks → BusUnavailableError; real reply errors pass. */
export function toBusError(error: unknown, what: string): Error {
  if (error instanceof BusUnavailableError) return error;
  if (error instanceof ReplicaAckError) {
    return new BusUnavailableError(`bus: ${what} not confirmed: ${error.message}`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  const isReply = error instanceof Error && error.name === 'ReplyError';
  if (isReply && !TRANSIENT_REPLY.test(message)) return error as Error;
  return new BusUnavailableError(`bus: ${what} failed: ${message}`, { cause: error });
}
