import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; output: () => string } {
  const pass = new PassThrough();
  let text = '';
  pass.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const stream = Object.assign(pass, { isTTY, columns: 80 }) as unknown as NodeJS.WriteStream;
  return { stream, output: () => text };
}

describe('progress', () => {
  it('is silent when CI=true', () => {
    const { stream, output } = fakeStream(true);
    const progress = createProgress({ stream, env: { CI: 'true' } });
    progress.phase('starting');
    progress.update('connected 10');
    progress.close();
    expect(output()).toBe('');
  });

  it('prints one line per phase when piped, without live updates', () => {
    const { stream, output } = fakeStream(false);
    const progress = createProgress({ stream, env: {}, label: 'scale' });
    progress.phase('1 replica');
    progress.update('delivered 100');
    progress.phase('2 replicas');
    expect(output()).toMatch(/^\[scale\] \d+\.\ds 1 replica\n\[scale\] \d+\.\ds 2 replicas\n$/);
  });

  it('redraws one status line on a TTY and clears it at the end', () => {
    const { stream, output } = fakeStream(true);
    const progress = createProgress({ stream, env: {} });
    progress.phase('run haproxy');
    progress.update('connected 10');
    progress.update('connected 20');
    progress.close();
    expect(output()).toContain('\r\x1b[2K');
    expect(output()).toContain('run haproxy · connected 20');
    expect(output().endsWith('\r\x1b[2K')).toBe(true);
  });
});
