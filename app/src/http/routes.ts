import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BusState } from '../bus/bus.js';
import type { Config } from '../config.js';
import { HTTP_ERRORS, type HttpErrorValue } from '../contracts/protocol.js';
import type { Metrics } from '../metrics.js';
import type { Publisher, PublishInput, PublishOutcome } from '../publish.js';

/** What the HTTP routes need from the service. */
export interface RoutesContext {
  config: Config;
  publisher: Publisher;
  /** The bus's state, read by /readyz. */
  busState: () => BusState;
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

function sendError(response: ServerResponse, error: HttpErrorValue): void {
  sendJson(response, error.status, { error: error.code, reason: error.reason });
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
        return sendError(response, HTTP_ERRORS.notFound);
    }
  } catch {
    if (!response.headersSent) sendError(response, HTTP_ERRORS.internal);
    else response.destroy();
  }
}

function routeReadyz(context: RoutesContext, response: ServerResponse): void {
  const draining = context.isDraining();
  const busState = context.busState();
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
    sendError(response, HTTP_ERRORS.apiDisabled);
    return false;
  }
  if (!apiKeyMatches(key, request.headers['x-api-key'])) {
    context.metrics.upgradesRejected.inc({ reason: 'api_key' });
    sendError(response, HTTP_ERRORS.unauthorized);
    return false;
  }
  return true;
}

async function routePublish(context: RoutesContext, request: IncomingMessage, response: ServerResponse) {
  if (!guard(context, request, response)) return;
  const body = await readJsonBody(request, context.config.maxFrameBytes);
  if (typeof body !== 'object' || body === null) {
    return sendError(response, HTTP_ERRORS.badBody(context.config.maxFrameBytes));
  }
  const outcome = await new Promise<PublishOutcome>((resolve) =>
    context.publisher.publish(body as PublishInput, 'http', null, resolve),
  );
  if (outcome.ok) {
    const { offset, epoch } = outcome.result;
    return sendJson(response, 200, offset > 0 ? { offset, epoch } : {});
  }
  // Only a WebSocket publisher can be closed; an HTTP one never gets here.
  if ('close' in outcome) return sendError(response, HTTP_ERRORS.internal);
  const { code, reason } = outcome.error;
  return sendJson(response, code === 'unavailable' ? 503 : 400, { error: code, reason });
}

async function routeRebalance(context: RoutesContext, request: IncomingMessage, response: ServerResponse) {
  if (!guard(context, request, response)) return;
  const body = (await readJsonBody(request, 4096)) as { fraction?: unknown; windowMs?: unknown } | undefined;
  const fraction = body?.fraction;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    return sendError(response, HTTP_ERRORS.badFraction);
  }
  const windowMs = typeof body?.windowMs === 'number' && body.windowMs >= 0 ? body.windowMs : 1000;
  const closing = context.rebalance(fraction, Math.min(windowMs, 600_000));
  return sendJson(response, 200, { closing });
}
