import { kubernetesStackSuite, strictnessSuite } from './kubernetes-suite.js';

// One stack per file: Pulumi's mock runtime is process-global, and vitest isolates files.
kubernetesStackSuite('k8s-haproxy', { proxy: 'haproxy', replicas: 3, redisNodes: 6 });
strictnessSuite();
