import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../test-support/lab/write-report.js';
import { buildProgram } from '../cli/wslab.js';
import type { Judgement } from '../report/judgement.js';
import { parseResult } from '../report/schema.js';
import { syntheticResult } from '../report/synthetic.js';

const root = await mkdtemp(join(tmpdir(), 'wslab-rejudge-'));

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A failover-replica result as a run stores it: three runs, each with reconnects and message counts. */
function failoverResult() {
  const result = parseResult({ ...syntheticResult(), experiment: 'failover-replica' });
  for (const run of result.runs) run.messages = { ...run.messages!, lost: 0 };
  return result;
}

describe('wslab report <dir>', () => {
  it('re-judges a saved result.json: an edited figure changes the verdict and the conclusions', async () => {
    const dir = join(root, 'failover');
    const first = await writeReport(dir, failoverResult());
    expect(first.judgement.valid).toBe(true);
    expect(first.judgement.conclusions.at(-1)).toBe(
      'History resume covered the outage: no acknowledged message was lost in any run.',
    );
    // edit one figure of the stored history: nginx lost 7 acknowledged messages
    const path = join(dir, 'result.json');
    const stored = JSON.parse(await readFile(path, 'utf8'));
    stored.runs[2].messages.lost = 7;
    await writeFile(path, JSON.stringify(stored));
    await buildProgram().parseAsync(['node', 'wslab', 'report', dir]);
    const judged = JSON.parse(await readFile(join(dir, 'check.json'), 'utf8')) as Judgement;
    expect(judged.valid).toBe(false);
    expect(judged.reasons).toContain('7 acknowledged messages lost');
    expect(judged.conclusions.at(-1)).toBe(
      '7 acknowledged messages were lost overall: resume did not cover every gap.',
    );
    const markdown = await readFile(join(dir, 'report.md'), 'utf8');
    expect(markdown).toContain('**Verdict: NOT met — 7 acknowledged messages lost**');
    expect(markdown).toContain('- nginx: 30 clients reconnected');
    expect(markdown).toContain('lost 7, duplicated');
  });

  it('marks a run with impossible figures invalid, and the verdict unknown', async () => {
    const dir = join(root, 'impossible');
    const result = failoverResult();
    // more deliveries than were ever expected (plus duplicates): no real run counts this
    result.runs[1]!.messages!.delivered = result.runs[1]!.messages!.expected + 1_000;
    const written = await writeReport(dir, result);
    expect(written.judgement.valid).toBe('unknown');
    expect(written.judgement.invalidRuns.map((entry) => entry.run)).toEqual(['haproxy']);
    const markdown = await readFile(written.markdownPath, 'utf8');
    expect(markdown).toMatch(/- \*\*INVALID\*\* haproxy: impossible: \d+ delivered, more than/);
  });
});
