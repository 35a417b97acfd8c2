import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, CLOSES, ERROR_CODES, ERRORS, HTTP_ERRORS } from '../../src/contracts/protocol.js';

describe('close and error tables', () => {
  it('closes only with registered codes and reasons that fit a close frame (123 bytes)', () => {
    const registered = new Set<number>(Object.values(CLOSE_CODES));
    for (const [name, close] of Object.entries(CLOSES)) {
      expect(registered.has(close.code), name).toBe(true);
      expect(Buffer.byteLength(close.reason), name).toBeLessThanOrEqual(123);
    }
  });

  it('uses only declared error codes, each with a reason', () => {
    const entries = Object.values(ERRORS).map((entry) =>
      typeof entry === 'function' ? entry('x' as never) : entry,
    );
    for (const entry of entries) {
      expect(ERROR_CODES).toContain(entry.code);
      expect(entry.reason.length).toBeGreaterThan(0);
    }
    expect(ERRORS.tooManyRooms(3).reason).toContain('3');
    expect(ERRORS.unknownOp('x'.repeat(100)).reason.length).toBeLessThan(60);
  });

  it('gives every HTTP error a 4xx/5xx status', () => {
    for (const entry of Object.values(HTTP_ERRORS)) {
      const value = typeof entry === 'function' ? entry(1) : entry;
      expect(value.status).toBeGreaterThanOrEqual(400);
    }
  });
});
