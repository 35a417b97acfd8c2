import { startHaproxy } from '../lab/processes/haproxy.js';
import { proxySuite } from '../proxy/testing/proxy-suite.js';

proxySuite('haproxy', startHaproxy);
