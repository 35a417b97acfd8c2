import { stackSuite } from './stack-suite.js';

// One stack per file: Pulumi's mock runtime is process-global, and vitest isolates files.
stackSuite('haproxy', { proxy: 'haproxy', replicas: 3, redisNodes: 6, httpPort: 8080 });
