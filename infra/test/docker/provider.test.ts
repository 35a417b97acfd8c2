import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { CONTAINER, type EngineState, NETWORK, RealEngineProvider, randomPassword } from './provider.js';

/** An engine with containers in a given state (running, exited or gone), recording removals. */
function fakeEngine(containers: Record<string, 'running' | 'exited'>) {
  const removed: string[] = [];
  const missing = () => Object.assign(new Error('no such object'), { statusCode: 404 });
  const docker = {
    getContainer: (id: string) => ({
      async inspect() {
        if (containers[id] === undefined) throw missing();
        return { State: { Running: containers[id] === 'running' } };
      },
      async stop() {},
      async remove() {
        removed.push(id);
        delete containers[id];
      },
    }),
    getNetwork: () => ({ async inspect() {} }),
  } as unknown as Docker;
  return { docker, removed };
}

function entry(name: string, type: string, inputs: Record<string, unknown> = {}) {
  return { type, name, id: `${name}-id`, inputs, outputs: {}, seq: 0 };
}

describe('real-engine provider: mustRun at refresh', () => {
  it('recreates a stopped container unless it says mustRun false; a gone one in any case', async () => {
    const { docker, removed } = fakeEngine({
      'app-1-id': 'exited',
      'app-2-id': 'running',
      'job-id': 'exited',
    });
    const state: EngineState = {
      entries: [
        entry('network', NETWORK),
        entry('app-1', CONTAINER),
        entry('app-2', CONTAINER, { mustRun: true }),
        entry('app-3', CONTAINER),
        entry('job', CONTAINER, { mustRun: false }),
      ],
      nextSeq: 5,
    };
    const provider = new RealEngineProvider(docker, state, () => undefined);
    expect(await provider.refresh()).toEqual(['app-1', 'app-3']);
    expect(removed).toEqual(['app-1-id']);
    expect(state.entries.map((e) => e.name)).toEqual(['network', 'app-2', 'job']);
  });
});

describe('real-engine provider: RandomPassword', () => {
  it('honours length and special', () => {
    for (let round = 0; round < 20; round += 1) {
      expect(randomPassword(32, false)).toMatch(/^[A-Za-z0-9]{32}$/);
    }
    const withSpecials = Array.from({ length: 20 }, () => randomPassword(64, true)).join('');
    expect(withSpecials).toMatch(/[!@#$%&*()\-_=+[\]{}<>:?]/);
  });
});
