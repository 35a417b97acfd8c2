import { describe, expect, it } from 'vitest';
import { decodeBody, decodePayload, encodeBody, encodePayload } from '../../src/bus/codec.js';
import { BusDecodeError } from '../../src/bus/errors.js';

const request = { room: 'r1', dataJson: '{"a":[1,"x\\ny"]}', ts: 1700000000123, origin: 'host-1' };

describe('bus codec', () => {
  it('round-trips an entry, keeping dataJson as the exact text', () => {
    const body = encodeBody(request);
    const payload = encodePayload(7, 'abc123', body);
    expect(payload.startsWith('w1 7 abc123\n["r1",1700000000123,"host-1",0]\n')).toBe(true);
    expect(decodePayload(payload)).toEqual({ ...request, offset: 7, epoch: 'abc123', ephemeral: false });
    expect(decodeBody(body, 7, 'abc123')).toEqual(decodePayload(payload));
  });

  it('keeps data with raw newlines intact (the header ends at the first newline of the body)', () => {
    const dataJson = '{\n"k": "v"\n}\n';
    const entry = decodePayload(encodePayload(0, '', encodeBody({ ...request, dataJson, ephemeral: true })));
    expect(entry).toMatchObject({ dataJson, offset: 0, epoch: '', ephemeral: true });
  });

  it('escapes an origin with quotes or newlines in the header', () => {
    const origin = 'we"ird\nhost';
    expect(decodePayload(encodePayload(1, 'e', encodeBody({ ...request, origin }))).origin).toBe(origin);
  });

  it.each([
    ['empty', ''],
    ['unknown magic', 'w2 1 e\n["r1",1,"o",0]\n1'],
    ['no body', 'w1 1 e'],
    ['no epoch', 'w1 1\n["r1",1,"o",0]\n1'],
    ['negative offset', 'w1 -1 e\n["r1",1,"o",0]\n1'],
    ['fraction offset', 'w1 1.5 e\n["r1",1,"o",0]\n1'],
    ['bad epoch', 'w1 1 e!\n["r1",1,"o",0]\n1'],
    ['header not JSON', 'w1 1 e\n[r1\n1'],
    ['header not array', 'w1 1 e\n{}\n1'],
    ['short header', 'w1 1 e\n["r1",1,"o"]\n1'],
    ['bad room', 'w1 1 e\n["r 1",1,"o",0]\n1'],
    ['room with braces', 'w1 1 e\n["{r}",1,"o",0]\n1'],
    ['ts not a number', 'w1 1 e\n["r1","1","o",0]\n1'],
    ['origin not a string', 'w1 1 e\n["r1",1,5,0]\n1'],
    ['bad ephemeral flag', 'w1 1 e\n["r1",1,"o",true]\n1'],
    ['no data line', 'w1 1 e\n["r1",1,"o",0]'],
    ['empty data', 'w1 1 e\n["r1",1,"o",0]\n'],
  ])('rejects %s with BusDecodeError', (_name, payload) => {
    expect(() => decodePayload(payload)).toThrow(BusDecodeError);
  });
});
