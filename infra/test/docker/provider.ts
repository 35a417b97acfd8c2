import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import dockerignore from '@balena/dockerignore';
import type * as pulumi from '@pulumi/pulumi';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { unwrapSecrets } from '../harness.js';
import { RegistrationActivity } from './settle.js';
import {
  type ContainerInputs,
  checkKnownFields,
  containerCreateOptions,
  type NetworkInputs,
  networkCreateOptions,
} from './translate.js';

/** What the engine holds for one resource between runs (Pulumi's state, in a JSON file). */
export interface StateEntry {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** Creation order across runs: deletions go in reverse. */
  seq: number;
}

export interface EngineState {
  entries: StateEntry[];
  nextSeq: number;
}

export type Step = { kind: 'create' | 'replace' | 'same' | 'delete'; type: string; name: string; ms: number };

/**
 * A Pulumi mock whose `newResource` does what the Docker provider would on `pulumi up`: the
 * Pulumi runtime registers a resource only after its inputs and dependsOn are resolved, so
 * resources are created against the real engine in dependency order, and the program sees real
 * outputs (image ids, container ids, exit codes). A resource already in the state with equal
 * inputs is left alone; with different inputs it is replaced delete-first (every container
 * input of the provider forces a replacement; names are unique). `refresh` drops state entries
 * whose object is gone, as `pulumi up --refresh` would, so they are created again.
 */
export class RealEngineProvider implements pulumi.runtime.Mocks {
  readonly steps: Step[] = [];
  private readonly seen = new Set<string>();
  /** Every registration from its start to its end (deploy.ts tells a settled run by it). */
  readonly activity = new RegistrationActivity();

  constructor(
    private readonly docker: Docker,
    readonly state: EngineState,
    private readonly log: (line: string) => void,
    /** Container name → command replacing the declared one (a test forcing a failure). */
    private readonly commandOverrides: Record<string, string[]> = {},
  ) {}

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    throw new Error(`real-engine provider: unexpected invoke ${args.token}`);
  }

  newResource(
    args: pulumi.runtime.MockResourceArgs,
  ): Promise<{ id: string; state: Record<string, unknown> }> {
    return this.activity.track(() => this.register(args));
  }

  private async register(
    args: pulumi.runtime.MockResourceArgs,
  ): Promise<{ id: string; state: Record<string, unknown> }> {
    if (args.custom === false) return { id: '', state: {} };
    const inputs = stripUndefined(unwrapSecrets(args.inputs)) as Record<string, unknown>;
    checkKnownFields(args.type, args.name, inputs);
    const key = stateKey(args.type, args.name);
    this.seen.add(key);
    const started = Date.now();
    const previous = this.state.entries.find((entry) => stateKey(entry.type, entry.name) === key);
    if (previous !== undefined && isDeepStrictEqual(previous.inputs, inputs) && args.type !== IMAGE) {
      this.steps.push({ kind: 'same', type: args.type, name: args.name, ms: 0 });
      return { id: previous.id, state: { ...inputs, ...previous.outputs } };
    }
    if (previous !== undefined) {
      await this.deleteEntry(previous);
      this.state.entries = this.state.entries.filter((entry) => entry !== previous);
    }
    const { id, outputs } = await this.create(args.type, inputs, previous);
    this.state.entries.push({
      type: args.type,
      name: args.name,
      id,
      inputs,
      outputs,
      seq: this.state.nextSeq++,
    });
    const kind = previous === undefined ? 'create' : previous.id === id ? 'same' : 'replace';
    this.steps.push({ kind, type: args.type, name: args.name, ms: Date.now() - started });
    if (kind !== 'same') this.log(`${kind} ${args.name} (${Date.now() - started} ms)`);
    return { id, state: { ...inputs, ...outputs } };
  }

  /**
   * `pulumi up --refresh`: drops entries whose Docker object no longer exists, and, as the
   * provider's read does, deletes and drops a container that is not running unless it says
   * `mustRun: false` (a one-shot job that exited stays). Either is then created again.
   */
  async refresh(): Promise<string[]> {
    const gone: string[] = [];
    for (const entry of this.state.entries) {
      const running = await this.running(entry);
      if (running === 'gone') gone.push(entry.name);
      else if (running === false && entry.inputs.mustRun !== false) {
        await this.deleteEntry(entry);
        this.log(`refresh: ${entry.name} is not running (mustRun), deleted`);
        gone.push(entry.name);
      }
    }
    this.state.entries = this.state.entries.filter((entry) => !gone.includes(entry.name));
    return gone;
  }

  /** After a program run: deletes what the program no longer declares, newest first. */
  async deleteUnseen(): Promise<void> {
    const unseen = this.state.entries.filter((entry) => !this.seen.has(stateKey(entry.type, entry.name)));
    await this.deleteAll(unseen);
  }

  /** `pulumi destroy`: every entry, newest first. */
  async destroy(): Promise<void> {
    await this.deleteAll([...this.state.entries]);
  }

  private async deleteAll(entries: StateEntry[]): Promise<void> {
    for (const entry of entries.sort((a, b) => b.seq - a.seq)) {
      const started = Date.now();
      await this.deleteEntry(entry);
      this.state.entries = this.state.entries.filter((candidate) => candidate !== entry);
      this.steps.push({ kind: 'delete', type: entry.type, name: entry.name, ms: Date.now() - started });
      this.log(`delete ${entry.name} (${Date.now() - started} ms)`);
    }
  }

  /** Whether a container runs ('gone' when its object is missing; other types: true while present). */
  private async running(entry: StateEntry): Promise<boolean | 'gone'> {
    try {
      if (entry.type === CONTAINER) return (await this.docker.getContainer(entry.id).inspect()).State.Running;
      if (entry.type === NETWORK) await this.docker.getNetwork(entry.id).inspect();
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return 'gone';
      throw error;
    }
  }

  private async create(
    type: string,
    inputs: Record<string, unknown>,
    previous: StateEntry | undefined,
  ): Promise<{ id: string; outputs: Record<string, unknown> }> {
    switch (type) {
      case PASSWORD:
        return {
          id: 'none',
          outputs: { result: randomPassword(inputs.length as number, inputs.special !== false) },
        };
      case NETWORK: {
        const network = await this.docker.createNetwork(
          networkCreateOptions(inputs as unknown as NetworkInputs),
        );
        return { id: network.id, outputs: {} };
      }
      case REMOTE_IMAGE: {
        // No registry here: the image must be in the engine already (tagged from the base image).
        const image = await this.docker.getImage(inputs.name as string).inspect();
        return { id: image.Id, outputs: { imageId: image.Id, repoDigest: image.Id } };
      }
      case IMAGE: {
        const id = await this.buildImage(inputs);
        if (previous !== undefined && previous.id === id) return { id, outputs: previous.outputs };
        return { id, outputs: { imageName: inputs.imageName, repoDigest: id } };
      }
      case CONTAINER:
        return this.runContainer(inputs as unknown as ContainerInputs);
      default:
        throw new Error(`real-engine provider: cannot create ${type}`);
    }
  }

  /** `docker build` of the program's context with its .dockerignore, as the provider does. */
  private async buildImage(inputs: Record<string, unknown>): Promise<string> {
    const build = inputs.build as { context: string; dockerfile: string; args?: Record<string, string> };
    const context = resolve(build.context);
    const ignore = dockerignore
      .default()
      .add(readFileSync(join(context, '.dockerignore'), 'utf8').split('\n'));
    const files = contextFiles(context).filter((file) => !ignore.ignores(file));
    const dockerfile = resolve(build.dockerfile).slice(context.length + 1);
    const stream = await this.docker.buildImage(
      { context, src: [...new Set([...files, dockerfile])] },
      { t: inputs.imageName as string, dockerfile, buildargs: build.args ?? {}, rm: true, forcerm: true },
    );
    const events = await new Promise<{ error?: string; aux?: { ID?: string }; stream?: string }[]>(
      (resolveEvents, reject) =>
        this.docker.modem.followProgress(stream, (error, output) =>
          error ? reject(error) : resolveEvents(output),
        ),
    );
    const failed = events.find((event) => event.error !== undefined);
    if (failed !== undefined) {
      const tail = events
        .map((event) => event.stream ?? '')
        .join('')
        .slice(-3000);
      throw new Error(`docker build of ${inputs.imageName as string} failed: ${failed.error}\n${tail}`);
    }
    const image = await this.docker.getImage(inputs.imageName as string).inspect();
    return image.Id;
  }

  private async runContainer(
    inputs: ContainerInputs,
  ): Promise<{ id: string; outputs: Record<string, unknown> }> {
    const override = this.commandOverrides[inputs.name];
    const container = await this.docker.createContainer(
      containerCreateOptions(override === undefined ? inputs : { ...inputs, command: override }),
    );
    const outputs: Record<string, unknown> = {};
    try {
      if ((inputs.uploads ?? []).length > 0) {
        const archive = pack();
        for (const upload of inputs.uploads ?? []) {
          archive.entry(
            { name: upload.file.replace(/^\//, ''), mode: Number.parseInt(upload.permissions ?? '0644', 8) },
            upload.content,
          );
        }
        archive.finalize();
        await container.putArchive(archive as unknown as NodeJS.ReadableStream, { path: '/' });
      }
      await container.start();
      if (inputs.attach === true) {
        const result = (await container.wait()) as { StatusCode: number };
        outputs.exitCode = result.StatusCode;
        if (inputs.logs === true) {
          const logs = await container.logs({ stdout: true, stderr: true, follow: false });
          outputs.containerLogs = demux(logs);
        }
        this.log(`${inputs.name} exited with ${result.StatusCode}`);
      } else if (inputs.wait === true) {
        await this.waitHealthy(container, inputs.name, (inputs.waitTimeout ?? 60) * 1000);
      }
      if (inputs.mustRun !== false) {
        // The provider's create fails a container that is not running once created (mustRun defaults to true).
        const state = (await container.inspect()).State;
        if (!state.Running) {
          const logs = demux(await container.logs({ stdout: true, stderr: true, tail: 40 }));
          throw new Error(
            `container ${inputs.name} is not running after create (exit ${state.ExitCode}; mustRun):\n${logs}`,
          );
        }
      }
    } catch (error) {
      // A container that never became healthy is not kept (nor recorded): the next run creates it again.
      await container.remove({ force: true, v: true }).catch(() => undefined);
      throw error;
    }
    return { id: container.id, outputs };
  }

  private async waitHealthy(container: Docker.Container, name: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = await container.inspect();
      const health = info.State.Health?.Status;
      if (health === 'healthy' || (health === undefined && info.State.Running)) return;
      if (!info.State.Running && info.State.Restarting !== true) {
        const logs = demux(await container.logs({ stdout: true, stderr: true, tail: 40 }));
        throw new Error(
          `container ${name} exited (${info.State.ExitCode}) while waiting for healthy:\n${logs}`,
        );
      }
      if (Date.now() > deadline) {
        const logs = demux(await container.logs({ stdout: true, stderr: true, tail: 40 }));
        throw new Error(`container ${name} not healthy after ${timeoutMs} ms (${health}):\n${logs}`);
      }
      await sleep(250);
    }
  }

  private async deleteEntry(entry: StateEntry): Promise<void> {
    if (entry.type === CONTAINER) {
      const container = this.docker.getContainer(entry.id);
      const grace = (entry.inputs.destroyGraceSeconds as number | undefined) ?? 0;
      try {
        await container.stop({ t: grace });
      } catch {
        // Already stopped or gone.
      }
      try {
        await container.remove({ force: true, v: true });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
    } else if (entry.type === NETWORK) {
      try {
        await this.docker.getNetwork(entry.id).remove();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
    }
    // Images are kept (keepLocally / a local build); the password lives in the state only.
  }
}

export const CONTAINER = 'docker:index/container:Container';
export const NETWORK = 'docker:index/network:Network';
const IMAGE = 'docker:index/image:Image';
const REMOTE_IMAGE = 'docker:index/remoteImage:RemoteImage';
const PASSWORD = 'random:index/randomPassword:RandomPassword';

/** The random provider's character sets: letters and digits, plus its default specials. */
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SPECIALS = '!@#$%&*()-_=+[]{}<>:?';

export function randomPassword(length: number, special: boolean): string {
  const alphabet = special ? ALPHANUMERIC + SPECIALS : ALPHANUMERIC;
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

function stateKey(type: string, name: string): string {
  return `${type}::${name}`;
}

function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, inner]) => inner !== undefined)
        .map(([key, inner]) => [key, stripUndefined(inner)]),
    );
  }
  return value;
}

/** Every file under the build context, relative (what the docker CLI sends before .dockerignore). */
function contextFiles(context: string, under = ''): string[] {
  return readdirSync(join(context, under), { withFileTypes: true }).flatMap((entry) => {
    const path = under === '' ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) return SKIPPED_DIRS.has(path) ? [] : contextFiles(context, path);
    return entry.isFile() ? [path] : [];
  });
}
/** Never part of the image context (and large): not even walked. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.lab', 'reports']);

/** Docker's multiplexed log stream (8-byte frame headers) as text. */
export function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(at + 4);
    parts.push(buffer.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
