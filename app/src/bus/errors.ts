/** Redis (or the memory broker) cannot be reached right now: the service answers `unavailable`. */
export class BusUnavailableError extends Error {
  readonly code = 'unavailable' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}

/** A payload from the bus (Redis is outside our trust boundary for parsing) that is not a valid entry. */
export class BusDecodeError extends Error {
  readonly code = 'bad_payload' as const;
  constructor(message: string) {
    super(message);
    this.name = 'BusDecodeError';
  }
}
