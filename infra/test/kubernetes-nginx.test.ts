import { kubernetesStackSuite } from './kubernetes-suite.js';

// One stack per file: Pulumi's mock runtime is process-global, and vitest isolates files.
kubernetesStackSuite('k8s-nginx', { proxy: 'nginx', replicas: 3, redisNodes: 6 });
