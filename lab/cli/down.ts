import { processTree, readAllProcStats } from '../../observe/proc.js';
import { isPortOpen } from '../../runtime/ports.js';
import { waitFor } from '../../runtime/wait-for.js';
import { isAlive, isOurProcess } from './pids.js';
import { type LabState, readLabState, removeLabState } from './state.js';

export interface DownReport {
  /** Nothing was recorded as up. */
  nothingUp: boolean;
  /** Pids that had to be SIGKILLed by their recorded pid (the supervisor did not stop them). */
  killed: number[];
  /** Ports still open afterwards (should be empty). */
  portsStillOpen: number[];
}

/**
 * `wslab down`: asks the supervisor to stop everything (SIGTERM), waits, then
 * SIGKILLs by recorded pid whatever is still running (a supervisor killed with
 * -9 leaves its children behind), and checks every recorded port is closed.
 */
export async function down(dir: string, graceMs = 20_000): Promise<DownReport> {
  const state = readLabState(dir);
  if (!state) return { nothingUp: true, killed: [], portsStillOpen: [] };
  if (state.supervisorPid !== process.pid && isOurProcess(state.supervisorPid, 'supervisor')) {
    process.kill(state.supervisorPid, 'SIGTERM');
    await waitFor(() => !isAlive(state.supervisorPid), {
      timeoutMs: graceMs,
      intervalMs: 100,
      description: `supervisor ${state.supervisorPid} stopped`,
    }).catch(() => undefined);
  }
  const killed = await killLeftovers(state);
  const portsStillOpen = await openPorts(state);
  removeLabState(dir);
  return { nothingUp: false, killed, portsStillOpen };
}

async function killLeftovers(state: LabState): Promise<number[]> {
  const killed: number[] = [];
  const pids = [
    { pid: state.supervisorPid, kind: 'supervisor' },
    ...state.components.map((component) => ({ pid: component.pid, kind: component.kind })),
  ];
  // the process trees first: an Nginx master killed with -9 would leave its workers serving
  const stats = await readAllProcStats();
  const targets = new Set<number>();
  for (const { pid, kind } of pids) {
    if (pid === process.pid || !isOurProcess(pid, kind)) continue;
    for (const stat of processTree(pid, stats)) if (stat.pid !== process.pid) targets.add(stat.pid);
  }
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGCONT'); // a frozen replica
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  await waitFor(() => killed.every((pid) => !isAlive(pid)), {
    timeoutMs: 5_000,
    description: 'killed pids gone',
  }).catch(() => undefined);
  return killed;
}

async function openPorts(state: LabState): Promise<number[]> {
  const open: number[] = [];
  for (const component of state.components) {
    if (await isPortOpen(component.port)) open.push(component.port);
  }
  return open;
}
