/**
 * Which cgroup interface this process can use for the lab's caps: cgroup v2 where its `cpu` and
 * `memory` controllers are delegated, else v1 `cpu` + `cpuacct` + `memory`, else none (with the
 * reason, announced once). Detected once per process; runtime/cgroup.ts makes the cgroups.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROC_SELF_CGROUP } from './proc.js';

export type CgroupSupport =
  | { kind: 'v2'; dir: string }
  | { kind: 'v1'; dirs: { cpu: string; cpuacct: string; memory: string } }
  | { kind: 'none'; reason: string };

/** Every cgroup the lab makes is named `wslab-<pid>-…` (a killed lab's are found by it). */
export const CGROUP_NAME_PREFIX = 'wslab-';

/** This process's cgroup path per v1 controller (and `''` for v2), from /proc/self/cgroup. */
function ownCgroupPaths(procSelfCgroup: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of readFileSync(procSelfCgroup, 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (controllers === undefined || path === undefined) continue;
    for (const controller of controllers.split(',')) paths.set(controller, path);
  }
  return paths;
}

/** True when a child cgroup can be made (and removed) under `dir`. */
function canCreateUnder(dir: string): boolean {
  const probe = join(dir, `${CGROUP_NAME_PREFIX}probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which cgroup interface this process can use. Cgroups are made under the cgroup this process
 * is already in (a sandbox's memory accounting keeps covering them), per controller.
 */
export function detectCgroups(fsRoot = '/sys/fs/cgroup', procSelfCgroup = PROC_SELF_CGROUP): CgroupSupport {
  let own: Map<string, string>;
  try {
    own = ownCgroupPaths(procSelfCgroup);
  } catch (error) {
    return { kind: 'none', reason: `cannot read ${procSelfCgroup}: ${(error as Error).message}` };
  }
  const v2Root = existsSync(join(fsRoot, 'cgroup.controllers')) ? fsRoot : join(fsRoot, 'unified');
  try {
    const controllers = readFileSync(join(v2Root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    const dir = join(v2Root, own.get('') ?? '', '.');
    const delegated = readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8');
    if (
      controllers.includes('cpu') &&
      controllers.includes('memory') &&
      delegated.includes('cpu') &&
      delegated.includes('memory') &&
      canCreateUnder(dir)
    ) {
      return { kind: 'v2', dir };
    }
  } catch {
    // no v2 hierarchy here: try v1
  }
  const dirs = {
    cpu: join(fsRoot, 'cpu', own.get('cpu') ?? '', '.'),
    cpuacct: join(fsRoot, 'cpuacct', own.get('cpuacct') ?? '', '.'),
    memory: join(fsRoot, 'memory', own.get('memory') ?? '', '.'),
  };
  const missing = Object.entries(dirs).filter(([, dir]) => !canCreateUnder(dir));
  if (missing.length === 0) return { kind: 'v1', dirs };
  return {
    kind: 'none',
    reason: `no usable cgroup v2 cpu+memory controllers, and cannot create v1 cgroups under ${missing.map(([, dir]) => dir).join(', ')} (root needed)`,
  };
}

let detected: CgroupSupport | undefined;
let warned = false;

/** The machine's cgroup support, detected once; the uncapped fallback is announced once. */
export function cgroupSupport(): CgroupSupport {
  detected ??= detectCgroups();
  if (detected.kind === 'none' && !warned) {
    warned = true;
    process.stderr.write(`wslab: CPU/memory caps not applied, processes run uncapped: ${detected.reason}\n`);
  }
  return detected;
}

/** For tests: detect again (from another root) on the next cgroupSupport(). */
export function setCgroupSupportForTests(support: CgroupSupport | undefined): void {
  detected = support;
  warned = false;
}
