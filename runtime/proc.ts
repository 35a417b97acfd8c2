/**
 * The one reader of /proc: process CPU and RSS (/proc/<pid>/stat), open descriptors
 * (/proc/<pid>/fd) and the machine's CPU (/proc/stat) in the kernel's units (clock ticks and pages
 * from getconf) for observe/, and a pid's state, command line and children for the process
 * runtime (is a recorded pid still what we started; nginx's workers). Below observe/ in the layer
 * order, so both the runtime and the observation layer read /proc through it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** CPU time and memory of one process, read from /proc/<pid>/stat. */
export interface ProcStat {
  pid: number;
  parentPid: number;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  rssBytes: number;
}

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

/** Clock ticks per second (USER_HZ) and the page size: the units of /proc/<pid>/stat. */
export const CLOCK_TICKS_PER_S = getconf('CLK_TCK', 100);
export const PAGE_SIZE_BYTES = getconf('PAGESIZE', 4096);

/**
 * Parses one /proc/<pid>/stat line. The command name (field 2) is in
 * parentheses and may hold spaces or ')', so fields are counted after the last ')'.
 */
export function parseProcStat(line: string): ProcStat {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 40)}`);
  const pid = Number(line.slice(0, open).trim());
  // fields[0] is field 3 (state)
  const fields = line
    .slice(close + 2)
    .trim()
    .split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  return {
    pid,
    parentPid: field(4),
    cpuTicks: field(14) + field(15),
    rssBytes: field(24) * PAGE_SIZE_BYTES,
  };
}

/** The stat of one pid, or undefined when the process is gone. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The stats of every process on the machine (for finding the workers a process forked). */
export async function readAllProcStats(): Promise<ProcStat[]> {
  const entries = await readdir('/proc');
  const stats = await Promise.all(
    entries.filter((entry) => /^\d+$/.test(entry)).map((entry) => readProcStat(Number(entry))),
  );
  return stats.filter((stat): stat is ProcStat => stat !== undefined);
}

/**
 * `rootPid` and all its descendants among `stats` (nginx and haproxy fork
 * workers), not descending into `exclude` (children measured on their own,
 * such as the replicas under the lab process).
 */
export function processTree(
  rootPid: number,
  stats: readonly ProcStat[],
  exclude: ReadonlySet<number> = new Set(),
): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const stat of stats) {
    const siblings = byParent.get(stat.parentPid) ?? [];
    siblings.push(stat);
    byParent.set(stat.parentPid, siblings);
  }
  const root = stats.find((stat) => stat.pid === rootPid);
  if (!root) return [];
  const tree: ProcStat[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(byParent.get(next.pid) ?? []).filter((child) => !exclude.has(child.pid)));
  }
  return tree;
}

/** Open file descriptors of one pid (0 when it is gone). */
export async function countFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`).catch(() => [])).length;
}

/** The text of /proc/stat (the machine's CPU time per state, all cores). */
export function readMachineStat(): string {
  return readFileSync('/proc/stat', 'utf8');
}

/** Where a process reads its own cgroup membership (cgroup v1 and v2 alike). */
export const PROC_SELF_CGROUP = '/proc/self/cgroup';

/** The process state letter of /proc/<pid>/stat (`R`, `S`, `Z`, …); undefined when unreadable. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

/** The raw command line of a pid, arguments joined by NUL ('' when it is gone or unreadable). */
export function readCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Child pids of a single-threaded `pid` (its main task's children; [] when it is gone). */
export async function childPids(pid: number): Promise<number[]> {
  const text = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim();
  return text === '' ? [] : text.split(/\s+/).map(Number);
}

/** True while a process with this pid exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
