/**
 * Runs infra/index.ts under mocks in its own process, with the cluster-creation container's
 * exit code from argv, and prints what happened as JSON: the first error the runtime reported
 * (a ResourceError from an apply surfaces as an unhandled rejection under mocks, which a test
 * runner would count against the test file itself) and every resource registered.
 *   tsx infra/test/gated-program.ts <exitCode> <config JSON>
 */
import * as pulumi from '@pulumi/pulumi';
import { TYPES } from './harness.js';

const exitCode = Number(process.argv[2]);
const config = JSON.parse(process.argv[3]!) as Record<string, string>;
const registered: { type: string; name: string }[] = [];
let error: string | undefined;
const report = () => {
  process.stdout.write(`${JSON.stringify({ error, registered })}\n`);
  process.exit(0);
};
process.on('unhandledRejection', (reason) => {
  error ??= reason instanceof Error ? reason.message : String(reason);
  // Let registrations that were (wrongly) not gated show up before reporting.
  setTimeout(report, 500);
});

await pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name });
      const outputs: Record<string, unknown> = args.name === 'redis-cluster-create' ? { exitCode } : {};
      if (args.type === TYPES.password) outputs.result = 'mock-password-0123456789';
      return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
    },
    call: (args) => args.inputs,
  },
  'wslab',
  'haproxy',
  false,
);
pulumi.runtime.setAllConfig(config);
try {
  const program = (await import('../index.js')) as { proxyContainer: pulumi.Output<string> };
  program.proxyContainer.apply(() => setTimeout(report, 500));
} catch (thrown) {
  error = thrown instanceof Error ? thrown.message : String(thrown);
  setTimeout(report, 500);
}
