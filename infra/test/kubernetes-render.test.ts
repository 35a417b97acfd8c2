import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { schemaProblems } from '../../test-support/kubernetes/schema.js';
import { REPO_ROOT } from './harness.js';

const run = promisify(execFile);

/** `wslab render kubernetes --stack NAME` as a user runs it (its own process: the mock runtime is global). */
async function render(stack: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'lab/cli/wslab.ts', 'render', 'kubernetes', '--stack', stack],
    { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

describe.each(['k8s-haproxy', 'k8s-nginx'])('wslab render kubernetes --stack %s', (stack) => {
  it('prints plain YAML whose every object the strict schema check accepts', async () => {
    const documents = parseAllDocuments(await render(stack)).map((document) => document.toJS() as never);
    expect(documents.map((object: { kind: string }) => object.kind).sort()).toEqual(
      [
        'ConfigMap',
        'ConfigMap',
        'ConfigMap',
        'Deployment',
        'Job',
        'PodDisruptionBudget',
        'Secret',
        'Secret',
        'Service',
        'Service',
        'Service',
        'Service',
        'StatefulSet',
        'StatefulSet',
      ].sort(),
    );
    expect(documents.flatMap(schemaProblems)).toEqual([]);
    // Generated secrets, not mock values: 32 random alphanumerics for the Redis password.
    const secret = documents.find(
      (object: { metadata: { name: string } }) => object.metadata.name === `wslab-${stack}-secrets`,
    ) as unknown as { stringData: Record<string, string> };
    expect(secret.stringData['redis-password']).toMatch(/^[A-Za-z0-9]{32}$/);
  }, 60_000);
});

it('refuses a stack that is not on Kubernetes, in one line', async () => {
  await expect(render('haproxy')).rejects.toMatchObject({
    stderr: 'wslab render kubernetes: stack haproxy has wslab:platform docker; set it to kubernetes\n',
  });
}, 60_000);
