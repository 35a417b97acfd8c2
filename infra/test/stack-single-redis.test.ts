import { stackSuite } from './stack-suite.js';

// One stack per file: Pulumi's mock runtime is process-global, and vitest isolates files.
stackSuite('single-redis', { proxy: 'haproxy', replicas: 2, redisNodes: 1, httpPort: 8082 });
