/**
 * The layer order of ARCHITECTURE.md, enforced by `npm run lint:imports` (part of `npm test`).
 * Lowest first: contracts → service (app) → proxy renderers → topology spec → process runtime
 * (runtime/) → the spec's local components (runtime/local/) → observation (observe/, the one
 * sampler) → load runner (loadtests/, every WebSocket client) → lab, infra and benchmarks. A layer imports only from layers below it; test
 * helpers (test-support/ and the test/ folders) are imported by tests only; app/ is reached from outside only
 * through its contracts and its config module (the spec takes the service's defaults from it).
 */
const TEST_FILE = '(\\.test\\.ts$|(^|/)test/|^test-support/)';

/** One rule per layer: `from` may not import any of `to`. */
const layer = (name, from, to, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from, pathNot: TEST_FILE },
  to: { path: to },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one layer; split the shared part out.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'test-helpers-in-tests-only',
      severity: 'error',
      comment: 'Production code never imports test support (test-support/, test/ folders).',
      from: { pathNot: TEST_FILE },
      to: { path: TEST_FILE },
    },
    {
      name: 'websocket-clients-in-loadtests',
      severity: 'error',
      comment:
        'Every WebSocket client the project opens lives in loadtests/ (traffic is made in one room): ' +
        'outside it only the service and the raw benchmark server (a WebSocketServer) use ws.',
      from: { path: '^(?!app/|loadtests/)', pathNot: `${TEST_FILE}|^bench/raw-server\\.ts$` },
      to: { path: '(^|/)node_modules/ws/' },
    },
    layer(
      'contracts-import-nothing',
      '^app/src/contracts/',
      '^(app/src/(?!contracts/)|proxy|haproxy|nginx|topology|runtime|observe|loadtests|lab|infra|bench)/',
      'Contracts (wire protocol, Redis key names) are the floor: every layer may import them.',
    ),
    layer(
      'service-imports-only-itself',
      '^app/',
      '^(proxy|haproxy|nginx|topology|runtime|observe|loadtests|lab|infra|bench)/',
      'The service is its own package (the Docker image holds app/ only).',
    ),
    {
      name: 'service-through-its-surface',
      severity: 'error',
      comment:
        'Outside app/, only the contracts and the config module (defaults) of the service are imported.',
      from: { path: '^(?!app/)', pathNot: TEST_FILE },
      to: { path: '^app/', pathNot: '^app/src/(contracts/|config\\.ts$)' },
    },
    layer(
      'renderers-below-spec',
      '^(proxy|haproxy|nginx)/',
      // The contracts are the floor (the heartbeat timeout the tunnel timeout derives from).
      '^(app/(?!src/contracts/)|topology|runtime|observe|loadtests|lab|infra|bench)/',
      'Proxy options and renderers are pure: no processes, no service (the contracts only).',
    ),
    layer(
      'topology-below-runtimes',
      '^topology/',
      '^(runtime|observe|loadtests|lab|infra|bench)/',
      'The topology spec is consumed by the runtimes, never the other way round.',
    ),
    layer(
      'runtime-below-load-and-lab',
      '^runtime/',
      '^(observe|loadtests|lab|infra|bench)/',
      'The process runtime is the floor the lab, tests and benchmarks share.',
    ),
    layer(
      'processes-below-local-components',
      '^runtime/(?!local/)',
      '^runtime/local/',
      'Process starters (redis, replica, haproxy, nginx) know no spec composition; runtime/local/ composes them.',
    ),
    layer(
      'observation-below-load-and-lab',
      '^observe/',
      '^(loadtests|lab|infra|bench)/',
      'The one sampler (/proc, cgroups, metrics, Redis INFO) watches processes; it makes no traffic and runs no experiment.',
    ),
    layer(
      'load-runner-below-lab',
      '^loadtests/',
      '^(lab|infra|bench)/',
      'The load runner knows targets (URLs), not how the lab started them.',
    ),
    layer(
      'lab-beside-infra',
      '^lab/',
      '^(infra|bench)/',
      'The lab and Pulumi share the spec, not each other.',
    ),
    {
      name: 'experiments-do-not-import-each-other',
      severity: 'error',
      comment:
        'An experiment folder imports only itself and what all experiments share (lab/experiments/shared/, check/); shared code moves there.',
      from: { path: '^lab/experiments/([^/]+)/', pathNot: TEST_FILE },
      to: { path: '^lab/experiments/[^/]+/', pathNot: '^lab/experiments/($1|shared|check)/' },
    },
    layer(
      'report-below-experiments',
      '^lab/report/',
      '^lab/(experiments|cli|capacity|live|main\\.ts$)',
      'Reports render a result and a judgement; which experiment made them is the caller’s to know.',
    ),
    layer(
      'experiments-below-cli',
      '^lab/(experiments|capacity|report)/',
      '^lab/(cli/|main\\.ts$)',
      'The CLI and npm start run experiments and read reports, never the other way round.',
    ),
    layer(
      'infra-deploys-the-spec',
      '^infra/',
      '^(runtime|observe|loadtests|lab|bench)/',
      'Pulumi consumes the spec and the renderers; local processes are not its business.',
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(\\.lab|reports)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
