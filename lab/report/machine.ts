import { spawnSync } from 'node:child_process';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import type { Machine } from './schema.js';

/** First line a tool prints about its version (stdout or stderr: nginx -v uses stderr), if installed. */
function versionOf(command: string, args: string[]): string | undefined {
  const outcome = spawnSync(command, args, { encoding: 'utf8', timeout: 5_000 });
  if (outcome.error) return undefined;
  const text = `${outcome.stdout ?? ''}${outcome.stderr ?? ''}`.trim();
  return text.split('\n')[0]?.trim() || undefined;
}

/** The machine an experiment ran on, for result.json (figures mean little without it). */
export function describeMachine(): Machine {
  const cpuList = cpus();
  const tools: Record<string, string> = {};
  for (const [name, args] of [
    ['redis-server', ['--version']],
    ['haproxy', ['-v']],
    ['nginx', ['-v']],
  ] as const) {
    const version = versionOf(name, [...args]);
    if (version) tools[name] = version;
  }
  return {
    hostname: hostname(),
    platform: platform(),
    release: release(),
    arch: arch(),
    cpuModel: cpuList[0]?.model ?? 'unknown',
    cpus: Math.max(1, cpuList.length),
    totalMemoryBytes: totalmem(),
    node: process.version,
    tools,
  };
}
