import { startHaproxy } from '../runtime/haproxy.js';
import { proxySuite } from '../test-support/proxy/proxy-suite.js';

proxySuite('haproxy', startHaproxy);
