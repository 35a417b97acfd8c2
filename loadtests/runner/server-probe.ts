/**
 * Reads the server's CPU time and resident memory: from the lab's sample stream when the run
 * is given one (one sampler per run), else from /proc/<pid>/stat through the observation layer
 * when the caller knows the pids (benchmarks, the CLI's --server-pid), else from each replica's
 * Prometheus /metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`). Several
 * servers are summed.
 */
import { CLOCK_TICKS_PER_S, readProcStat } from '../../observe/proc.js';
import { fetchText, metricValue } from '../../observe/prometheus.js';
import type { ResourceStream } from '../../observe/samples.js';

export interface ServerSample {
  atMs: number;
  cpuSeconds: number | null;
  rssBytes: number | null;
}

interface ServerReading {
  cpuSeconds: number | null;
  rssBytes: number | null;
}

async function readProcSample(pid: number): Promise<ServerReading> {
  const stat = await readProcStat(pid);
  if (!stat) throw new Error(`no process ${pid}`);
  return { cpuSeconds: stat.cpuTicks / CLOCK_TICKS_PER_S, rssBytes: stat.rssBytes };
}

async function readMetricsSample(url: string): Promise<ServerReading> {
  const text = await fetchText(url, 2_000);
  if (text === undefined) throw new Error(`no metrics from ${url}`);
  return {
    cpuSeconds: metricValue(text, 'process_cpu_seconds_total') ?? null,
    rssBytes: metricValue(text, 'process_resident_memory_bytes') ?? null,
  };
}

/** The servers' figures from one pass of the stream (each pid's tree; a pid not in it fails). */
async function readStreamSample(stream: ResourceStream, pids: readonly number[]): Promise<ServerReading[]> {
  const pass = await stream.sampleNow();
  return pids.map((pid) => {
    const reading = pass.components.find((component) => component.pid === pid);
    if (!reading) throw new Error(`process ${pid} is not in the sample stream`);
    return { cpuSeconds: reading.cpuSeconds, rssBytes: reading.rssBytes };
  });
}

export class ServerProbe {
  constructor(
    readonly pids: readonly number[],
    readonly metricsUrls: readonly string[],
    /** The run's sample stream (the lab's): pids are read from its passes instead of /proc directly. */
    readonly stream?: ResourceStream,
  ) {}

  get enabled(): boolean {
    return this.pids.length > 0 || this.metricsUrls.length > 0;
  }

  /** Sums over servers; a server that cannot be read makes the sum null (not a partial number). */
  async sample(): Promise<ServerSample> {
    const atMs = Date.now();
    if (!this.enabled) return { atMs, cpuSeconds: null, rssBytes: null };
    try {
      const parts =
        this.pids.length === 0
          ? await Promise.all(this.metricsUrls.map(readMetricsSample))
          : this.stream
            ? await readStreamSample(this.stream, this.pids)
            : await Promise.all(this.pids.map(readProcSample));
      let cpuSeconds: number | null = 0;
      let rssBytes: number | null = 0;
      for (const part of parts) {
        cpuSeconds = cpuSeconds === null || part.cpuSeconds === null ? null : cpuSeconds + part.cpuSeconds;
        rssBytes = rssBytes === null || part.rssBytes === null ? null : rssBytes + part.rssBytes;
      }
      return { atMs, cpuSeconds, rssBytes };
    } catch {
      return { atMs, cpuSeconds: null, rssBytes: null };
    }
  }
}

/** CPU cores used between two samples (CPU seconds / wall seconds), or null. */
export function coresBetween(from: ServerSample, to: ServerSample): number | null {
  if (from.cpuSeconds === null || to.cpuSeconds === null || to.atMs <= from.atMs) return null;
  return (to.cpuSeconds - from.cpuSeconds) / ((to.atMs - from.atMs) / 1_000);
}
