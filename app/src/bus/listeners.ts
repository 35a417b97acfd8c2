import type { BusEntry, BusState } from './bus.js';

/**
 * The listener lists and the state machine every Bus implementation shares.
 * Listener exceptions are isolated: one bad listener must not stop fan-out.
 */
export class BusEvents {
  private readonly messageListeners: Array<(entry: BusEntry) => void> = [];
  private readonly stateListeners: Array<(state: BusState) => void> = [];
  private readonly decodeErrorListeners: Array<(error: Error) => void> = [];
  private currentState: BusState = 'connecting';

  get state(): BusState {
    return this.currentState;
  }

  onMessage(listener: (entry: BusEntry) => void): void {
    this.messageListeners.push(listener);
  }

  onStateChange(listener: (state: BusState) => void): void {
    this.stateListeners.push(listener);
  }

  onDecodeError(listener: (error: Error) => void): void {
    this.decodeErrorListeners.push(listener);
  }

  emitMessage(entry: BusEntry): void {
    for (const listener of this.messageListeners) {
      try {
        listener(entry);
      } catch (error) {
        reportListenerError(error);
      }
    }
  }

  emitDecodeError(error: Error): void {
    for (const listener of this.decodeErrorListeners) {
      try {
        listener(error);
      } catch (listenerError) {
        reportListenerError(listenerError);
      }
    }
  }

  /** Moves to `state` and tells listeners; no-op when unchanged; 'closed' is final. */
  setState(state: BusState): void {
    if (this.currentState === state || this.currentState === 'closed') return;
    this.currentState = state;
    for (const listener of this.stateListeners) {
      try {
        listener(state);
      } catch (error) {
        reportListenerError(error);
      }
    }
  }
}

function reportListenerError(error: unknown): void {
  // A throwing listener is a bug in the caller: surface it, but never crash fan-out or the process.
  process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'BusListenerError');
}
