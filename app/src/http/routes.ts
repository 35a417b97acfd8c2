import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bus } from '../bus/bus.js';
import type { Config } from '../config.js';
import { ROOM_NAME_PATTERN } from '../contracts/protocol.js';
import type { Metrics } from '../metrics.js';

/** What the HTTP routes need from the service. */
export interface RoutesContext {
  config: Config;
  bus: Bus;
  metrics: Metrics;
  isDraining: () => boolean;
  /** Closes `fraction` of the clients with 4000, spread over `windowMs`; returns how many. */
  rebalance: (fraction: number, windowMs: number) => number;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Reads a JSON body of at most `maxBytes`; undefined when too big or not JSON. */
async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function apiKeyMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The HTTP server's `request` handler: healthz, readyz, metrics, publish API, admin rebalance. */
export async function serverOnRequest(
  context: RoutesContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?', 1)[0];
  const route = `${request.method} ${path}`;
  try {
    switch (route) {
      case 'GET /healthz':
        return sendJson(response, 200, { status: 'ok', instance: context.config.instanceId });
      case 'GET /readyz':
        return routeReadyz(context, response);
      case 'GET /metrics': {
        const body = await context.metrics.registry.metrics();
        response.writeHead(200, { 'content-type': context.metrics.registry.contentType });
        response.end(body);
        return;
      }
      case 'POST /api/publish':
        return await routePublish(context, request, response);
      case 'POST /admin/rebalance':
        return await routeRebalance(context, request, response);
      default:
        return sendJson(response, 404, { error: 'not_found' });
    }
  } catch {
    if (!response.headersSent) sendJson(response, 500, { error: 'internal' });
    else response.destroy();
  }
}

function routeReadyz(context: RoutesContext, response: ServerResponse): void {
  const draining = context.isDraining();
  const busState = context.bus.state;
  const ready = !draining && busState === 'ready';
  sendJson(response, ready ? 200 : 503, {
    ready,
    draining,
    bus: busState,
    instance: context.config.instanceId,
  });
}

/** Guards with PUBLISH_API_KEY; false (response sent) when the request may not go on. */
function guard(context: RoutesContext, request: IncomingMessage, response: ServerResponse): boolean {
  const key = context.config.publishApiKey;
  if (key === undefined) {
    sendJson(response, 404, { error: 'disabled', reason: 'PUBLISH_API_KEY is not set' });
    return false;
  }
  if (!apiKeyMatches(key, request.headers['x-api-key'])) {
    context.metrics.upgradesRejected.inc({ reason: 'api_key' });
    sendJson(response, 401, { error: 'unauthorized' });
    return false;
  }
  return true;
}

async function routePublish(context: RoutesContext, request: IncomingMessage, response: ServerResponse) {
  if (!guard(context, request, response)) return;
  const body = await readJsonBody(request, context.config.maxFrameBytes);
  if (typeof body !== 'object' || body === null) {
    return sendJson(response, 400, {
      error: 'bad_json',
      reason: `body must be a JSON object of at most ${context.config.maxFrameBytes} bytes`,
    });
  }
  const { room, data } = body as { room?: unknown; data?: unknown };
  if (typeof room !== 'string' || !ROOM_NAME_PATTERN.test(room)) {
    return sendJson(response, 400, { error: 'bad_room', reason: 'room must be 1-64 of [A-Za-z0-9_.:-]' });
  }
  if (data === undefined) return sendJson(response, 400, { error: 'bad_frame', reason: 'data is required' });
  try {
    const result = await context.bus.publish({
      room,
      dataJson: JSON.stringify(data),
      ts: Date.now(),
      origin: context.config.instanceId,
    });
    context.metrics.publishes.inc({ source: 'http' });
    return sendJson(response, 200, result.offset > 0 ? { offset: result.offset, epoch: result.epoch } : {});
  } catch {
    return sendJson(response, 503, { error: 'unavailable' });
  }
}

async function routeRebalance(context: RoutesContext, request: IncomingMessage, response: ServerResponse) {
  if (!guard(context, request, response)) return;
  const body = (await readJsonBody(request, 4096)) as { fraction?: unknown; windowMs?: unknown } | undefined;
  const fraction = body?.fraction;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    return sendJson(response, 400, { error: 'bad_frame', reason: 'fraction must be a number from 0 to 1' });
  }
  const windowMs = typeof body?.windowMs === 'number' && body.windowMs >= 0 ? body.windowMs : 1000;
  const closing = context.rebalance(fraction, Math.min(windowMs, 600_000));
  return sendJson(response, 200, { closing });
}
