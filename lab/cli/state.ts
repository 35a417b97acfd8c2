import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** `.lab/state.json`: what `wslab up` started, so `status` and `down` can find it from another shell. */
export const labStateSchema = z.object({
  version: z.literal(1),
  /** The process that owns the topology (foreground `up`, or the detached supervisor). */
  supervisorPid: z.number().int().positive(),
  detached: z.boolean(),
  startedAt: z.string(),
  /** False while starting; true once every component is ready. */
  ready: z.boolean(),
  dir: z.string(),
  settings: z.record(z.string(), z.unknown()),
  components: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['redis', 'replica', 'haproxy', 'nginx']),
      pid: z.number().int().positive(),
      port: z.number().int().positive(),
      /** The address it listens on (127.0.0.1, or its lab host's); absent in state files from before hosts. */
      address: z.string().optional(),
      /** Its lab host (`hosts` > 1). */
      host: z.string().optional(),
      url: z.string(),
      logPath: z.string(),
      /** For replicas: the HTTP base URL (health and metrics). For proxies: the stats URL. */
      adminUrl: z.string().optional(),
    }),
  ),
  urls: z.object({ direct: z.array(z.string()), proxies: z.record(z.string(), z.string()) }),
  /** Key of POST /api/publish and /admin/rebalance on the replicas. */
  publishApiKey: z.string(),
  /** requirepass of the lab's Redis (status pings with it). */
  redisPassword: z.string(),
  /** The topology's token signing secret (`wslab token` mints with it); absent with `auth: none`. */
  authJwtSecret: z.string().optional(),
  /** The live view's page on loopback (absent with --no-live). */
  liveUrl: z.string().optional(),
});

export type LabState = z.infer<typeof labStateSchema>;

/** How clients get in: a token (and how to mint one), or open on purpose. */
export function authLine(state: Pick<LabState, 'settings'>): string {
  return state.settings.auth === 'none'
    ? 'none: open, anyone may connect, join and publish (auth: none)'
    : 'jwt: clients need a token; mint one with `npm run wslab -- token --room demo --pub demo --ttl 1h`';
}

export type LabStateComponent = LabState['components'][number];

export function statePath(dir: string): string {
  return join(dir, 'state.json');
}

/**
 * Writes state.json atomically (write then rename), so a reader never sees half a file; owner-only
 * (0600): it holds the lab's secrets (publish key, Redis password).
 */
export function writeLabState(dir: string, state: LabState): void {
  const path = statePath(dir);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(labStateSchema.parse(state), null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** The current state, or undefined when nothing is up (or the file is unreadable). */
export function readLabState(dir: string): LabState | undefined {
  const path = statePath(dir);
  if (!existsSync(path)) return undefined;
  try {
    return labStateSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
}

export function removeLabState(dir: string): void {
  rmSync(statePath(dir), { force: true });
}
