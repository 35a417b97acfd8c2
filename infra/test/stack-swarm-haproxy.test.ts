import { swarmStackSuite } from './swarm-stack-suite.js';

swarmStackSuite('swarm-haproxy', { proxy: 'haproxy', replicas: 3, redisNodes: 6, hosts: 3 });
