import { describe, expect, it } from 'vitest';
import { decodeClientFrame } from '../../src/protocol/decode.js';
import { encodeMsg } from '../../src/protocol/encode.js';

describe('decodeClientFrame', () => {
  it('decodes every client op', () => {
    expect(decodeClientFrame('{"op":"join","room":"a"}')).toEqual({
      ok: true,
      frame: { op: 'join', room: 'a' },
    });
    expect(decodeClientFrame('{"op":"join","room":"a","since":{"offset":3,"epoch":"e"}}')).toEqual({
      ok: true,
      frame: { op: 'join', room: 'a', since: { offset: 3, epoch: 'e' } },
    });
    expect(decodeClientFrame('{"op":"leave","room":"a"}')).toEqual({
      ok: true,
      frame: { op: 'leave', room: 'a' },
    });
    expect(decodeClientFrame('{"op":"pub","room":"a","data":null,"id":"1"}')).toEqual({
      ok: true,
      frame: { op: 'pub', room: 'a', data: null, id: '1' },
    });
    expect(decodeClientFrame('{"op":"typing","room":"a"}')).toEqual({
      ok: true,
      frame: { op: 'typing', room: 'a' },
    });
  });

  it.each([
    ['not json', 'bad_json'],
    ['[1]', 'bad_frame'],
    ['"x"', 'bad_frame'],
    ['{"room":"a"}', 'bad_frame'],
    ['{"op":"dance","room":"a"}', 'unknown_op'],
    ['{"op":"join"}', 'bad_frame'],
    ['{"op":"join","room":"{a}"}', 'bad_room'],
    ['{"op":"join","room":""}', 'bad_room'],
    ['{"op":"join","room":"a","since":{"offset":-1,"epoch":"e"}}', 'bad_frame'],
    ['{"op":"join","room":"a","since":{"offset":1}}', 'bad_frame'],
    ['{"op":"pub","room":"a"}', 'bad_frame'],
    ['{"op":"pub","room":"a","data":1,"id":5}', 'bad_frame'],
  ])('%s → %s', (text, code) => {
    const result = decodeClientFrame(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('echoes the id of a bad frame that had one', () => {
    expect(decodeClientFrame('{"op":"pub","room":"a","id":"x7"}')).toMatchObject({ ok: false, id: 'x7' });
  });
});

describe('encodeMsg', () => {
  it('splices dataJson into valid JSON, with and without a position', () => {
    const entry = {
      room: 'r',
      offset: 4,
      epoch: 'e1',
      ts: 10,
      dataJson: '{"a":[1,"}"]}',
      origin: 'i',
      ephemeral: false,
    };
    expect(JSON.parse(encodeMsg(entry))).toEqual({
      op: 'msg',
      room: 'r',
      offset: 4,
      epoch: 'e1',
      ts: 10,
      data: { a: [1, '}'] },
    });
    expect(JSON.parse(encodeMsg({ ...entry, offset: 0, epoch: '' }))).toEqual({
      op: 'msg',
      room: 'r',
      ts: 10,
      data: { a: [1, '}'] },
    });
  });
});
