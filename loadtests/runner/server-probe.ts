/**
 * Reads the server's CPU time and resident memory: from /proc/<pid>/{stat,status} when the
 * caller knows the pids (lab, benchmarks), else from each replica's Prometheus /metrics
 * (`process_cpu_seconds_total`, `process_resident_memory_bytes`). Several servers are summed.
 */
import { readFile } from 'node:fs/promises';

export interface ServerSample {
  atMs: number;
  cpuSeconds: number | null;
  rssBytes: number | null;
}

/** Linux USER_HZ: /proc times are in these ticks (100 on every mainstream kernel build). */
const CLOCK_TICKS_PER_S = 100;

async function readProcSample(pid: number): Promise<{ cpuSeconds: number; rssBytes: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: split after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return { cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_S, rssBytes: rssKb * 1024 };
}

/** Value of an unlabelled sample in Prometheus text, or null. */
export function promValue(text: string, name: string): number | null {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+([0-9.eE+-]+)`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

async function readMetricsSample(
  url: string,
): Promise<{ cpuSeconds: number | null; rssBytes: number | null }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  const text = await response.text();
  return {
    cpuSeconds: promValue(text, 'process_cpu_seconds_total'),
    rssBytes: promValue(text, 'process_resident_memory_bytes'),
  };
}

export class ServerProbe {
  constructor(
    readonly pids: readonly number[],
    readonly metricsUrls: readonly string[],
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
        this.pids.length > 0
          ? await Promise.all(this.pids.map(readProcSample))
          : await Promise.all(this.metricsUrls.map(readMetricsSample));
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
