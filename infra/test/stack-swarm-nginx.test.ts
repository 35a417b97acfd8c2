import { swarmStackSuite } from './swarm-stack-suite.js';

swarmStackSuite('swarm-nginx', { proxy: 'nginx', replicas: 3, redisNodes: 1, hosts: 3 });
