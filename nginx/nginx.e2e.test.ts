import { startNginx } from '../runtime/nginx.js';
import { proxySuite } from '../test-support/proxy/proxy-suite.js';

proxySuite('nginx', startNginx);
