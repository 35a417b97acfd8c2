import { mulberry32 } from '../../loadtests/scenarios/prng.js';
import type { ClientEvent, ExperimentResultInput, RunResultInput } from './schema.js';
import { percentilePoints, summarize } from './stats.js';

/** 30 of 100 clients lose their socket at the kill (4 s) and come back within ~200 ms. */
function syntheticClientEvents(random: () => number): ClientEvent[] {
  const events: ClientEvent[] = [];
  for (let client = 0; client < 30; client += 1) {
    const downMs = 4_000 + Math.floor(random() * 5);
    const backMs = downMs + 50 + Math.floor(random() * 150);
    events.push({ tMs: downMs, kind: 'disconnect', count: 1 });
    events.push({ tMs: backMs, kind: 'reconnect', count: 1 });
    events.push({ tMs: backMs + 20, kind: 'resume', count: 1 });
    events.push({ tMs: backMs + 45, kind: 'first-message', count: 1 });
  }
  return events.sort((a, b) => a.tMs - b.tMs);
}

function syntheticRun(label: string, replicas: number, baseMs: number, seed: number): RunResultInput {
  // Deterministic, so synthetic reports are stable.
  const random = mulberry32(seed);
  const latencies = Array.from({ length: 500 }, () => baseMs + -Math.log(1 - random()) * baseMs);
  const timeline = Array.from({ length: 21 }, (_, index) => ({
    tMs: index * 500,
    connected: index >= 8 && index < 11 ? 60 + index : 100,
  }));
  const connectionsPerReplica = Array.from({ length: 21 }, (_, index) =>
    Array.from({ length: replicas }, (_, replica) => ({
      tMs: index * 500,
      replica: `r${replica + 1}`,
      connections: Math.round(100 / replicas) + (replica === 0 && index >= 8 ? -10 : 0),
    })),
  ).flat();
  return {
    label,
    parameters: {
      proxy: label,
      stickiness: 'none',
      replicas,
      load: '50 msg/s',
      publishers: 5,
      ratePerPublisher: 10,
    },
    durationMs: 10_000,
    latencyMs: summarize(latencies),
    latencyPercentiles: percentilePoints(latencies),
    publishedPerS: 50,
    deliveredPerS: 4_990 * replicas ** 0.8,
    messages: { published: 500, expected: 50_000, delivered: 49_990, lost: 10, duplicated: 2, recovered: 40 },
    reconnectMs: Array.from({ length: 30 }, () => 100 + random() * 900),
    connectedTimeline: timeline,
    clients: 100,
    clientEvents: syntheticClientEvents(random),
    connectionsPerReplica,
    events: [{ tMs: 4_000, kind: 'kill-replica', detail: 'SIGKILL r1 (pid 4242)' }],
    metrics: { publishResumeMs: 1234.5 },
    resources: [
      {
        component: 'replica-1',
        kind: 'replica',
        pid: 4242,
        cpuSeconds: 1.25 * replicas,
        cpuPercentMean: 12.5,
        cpuPercentMax: 40,
        rssMaxBytes: 80 * 1024 * 1024,
        samples: [{ tMs: 0, cpuPercent: 10, rssBytes: 80 * 1024 * 1024 }],
      },
      {
        component: 'redis',
        kind: 'redis',
        pid: 4243,
        cpuSeconds: 0.5,
        cpuPercentMean: 5,
        cpuPercentMax: 9,
        rssMaxBytes: 9 * 1024 * 1024,
      },
    ],
  };
}

/** A made-up but plausible result with every kind of figure: for tests and the README's example chart. */
export function syntheticResult(): ExperimentResultInput {
  return {
    schemaVersion: 1,
    experiment: 'synthetic',
    mode: 'short',
    title: 'Synthetic experiment',
    question: 'Does the report show every figure it is given?',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:10.000Z',
    durationMs: 10_000,
    machine: {
      hostname: 'test',
      platform: 'linux',
      release: '6.1',
      arch: 'x64',
      cpuModel: 'Test CPU',
      cpus: 2,
      totalMemoryBytes: 4 * 1024 ** 3,
      node: 'v20.19.0',
    },
    runs: [
      syntheticRun('direct', 1, 1, 1),
      syntheticRun('haproxy', 2, 1.5, 2),
      syntheticRun('nginx', 3, 1.8, 3),
    ],
    notes: ['Synthetic data.'],
  };
}
