import { startNginx } from '../lab/processes/nginx.js';
import { proxySuite } from '../proxy/testing/proxy-suite.js';

proxySuite('nginx', startNginx);
