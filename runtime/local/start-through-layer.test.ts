import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Every consumer (lab, benchmarks, demo, load runner) starts Redis and replicas through the local
 * components in runtime/local/, so a replica's settings always come from the spec. The process
 * starters themselves stay in runtime/ (LocalRedis and LocalWsService call them); tests of the
 * process floor and of the service's bus may call them directly.
 */
const STARTERS = /\b(startRedis|startRedisCluster|startReplica)\(/;
const TESTS = [/\.test\.ts$/, /(^|\/)test\//, /^test-support\//];

describe('starting Redis and replicas', () => {
  it('happens only in runtime/ (the local components and the process starters they use)', () => {
    const files = execFileSync('git', ['ls-files', '*.ts'], { encoding: 'utf8' })
      .split('\n')
      .filter(
        (file) => file !== '' && !file.startsWith('runtime/') && !TESTS.some((rule) => rule.test(file)),
      );
    const offenders = files.filter((file) => STARTERS.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
