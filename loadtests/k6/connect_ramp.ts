/**
 * k6: connection ramp. CONNECTIONS idle connections opened at RATE_PER_S, each held until the
 * ramp is over plus HOLD_MS. Same parameters and metric names as
 * `npx tsx loadtests/cli.ts connect_ramp` (server memory per connection is measured by the Node
 * runner only: it reads the server's /proc or /metrics).
 */
import exec from 'k6/execution';
import { clearTimeout, setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { CLOSE_CODES } from '../../app/src/contracts/protocol.js';
import { connectRamp } from '../scenarios/connect_ramp.js';
import { roomName, urlIndexFor, withRoomParam } from '../scenarios/layout.js';
import { paramsFromEnv, runId, targetUrls } from './lib/env.js';
import * as m from './lib/metrics.js';
import { rampHoldMs, rampOptions } from './options.js';

const params = paramsFromEnv(connectRamp.defaults);
const RAMP_ROOMS = 100;

export const options = rampOptions(connectRamp, params);

export function connect(): void {
  const index = exec.scenario.iterationInTest;
  const urls = targetUrls();
  const startedAt = Date.now();
  // Hold until the whole ramp is up (plus the hold), measured from this connection's start.
  const holdMs = rampHoldMs(params) - (startedAt - exec.scenario.startTime);
  const room = params.joinRoom ? roomName(runId(), index % RAMP_ROOMS) : undefined;
  const ws = new WebSocket(withRoomParam(urls[urlIndexFor('subscriber', index, urls.length)]!, room));
  let opened = false;
  let failed = false;
  m.connectFailures.add(0);
  const fail = (): void => {
    if (opened || failed) return;
    failed = true;
    m.connectFailures.add(1);
  };
  const handshakeTimer = setTimeout(() => {
    fail();
    ws.close();
  }, params.handshakeTimeoutMs);
  let holdTimer: ReturnType<typeof setTimeout> | null = null;
  ws.onopen = () => {
    opened = true;
    clearTimeout(handshakeTimer);
    m.handshake.add(Date.now() - startedAt);
    m.opened.add(1);
    if (room !== undefined) ws.send(JSON.stringify({ op: 'join', room }));
    holdTimer = setTimeout(() => ws.close(CLOSE_CODES.normal), Math.max(0, holdMs));
  };
  ws.onerror = fail;
  ws.onclose = () => {
    // Every timer is cleared on close, so the VU's event loop can end.
    clearTimeout(handshakeTimer);
    if (holdTimer !== null) clearTimeout(holdTimer);
  };
}
