import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withSecretEnv } from './secret-env.js';

const dir = mkdtempSync(join(tmpdir(), 'wslab-secret-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withSecretEnv (the Swarm tasks’ secrets → environment wrapper, run by the real sh)', () => {
  it('exports each env-named secret file and passes the command its arguments unchanged', () => {
    writeFileSync(join(dir, 'REDIS_PASSWORD'), 'p@ss "with" $pecial\n');
    writeFileSync(join(dir, 'AUTH_JWT_SECRET'), 's'.repeat(48));
    // Not env names: Swarm files such as redis.conf are left alone.
    writeFileSync(join(dir, 'redis.conf'), 'port 6379\n');
    const [shell, ...args] = withSecretEnv([
      'sh',
      '-c',
      'printf "%s|%s|%s" "$REDIS_PASSWORD" "$(printf %s "$AUTH_JWT_SECRET" | wc -c)" "$1"; env | grep -c "^redis" || true',
      'inner',
      'two words',
    ]);
    const out = execFileSync(shell!, args, { env: { PATH: process.env.PATH, WSLAB_SECRETS_DIR: dir } });
    expect(out.toString()).toBe('p@ss "with" $pecial|48|two words0\n');
  });

  it('runs the command when there are no secrets at all', () => {
    const [shell, ...args] = withSecretEnv(['echo', 'ok']);
    const empty = mkdtempSync(join(dir, 'empty-'));
    expect(
      execFileSync(shell!, args, { env: { PATH: process.env.PATH, WSLAB_SECRETS_DIR: empty } }).toString(),
    ).toBe('ok\n');
  });
});
